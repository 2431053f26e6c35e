// The LiveTrack link in an invitation's HTML or text part (already MIME- and QP-decoded by
// mailparser). Pure; the origin rules are the tracker's own (share-url.ts), so a link accepted
// here is one TrackingService.start accepts, and short links are followed by it, hop by hop.
import { parseShareUrl, ShareUrlError } from '../tracking/share-url';

export type InvitationLink =
  /** A share URL with session id and token. `url` holds the secret token. */
  | { kind: 'session'; url: string; sessionId: string }
  /** Another path on an allowed origin (gar.mn/…): TrackingService.start follows its redirects. */
  | { kind: 'short'; url: string }
  /** Only LiveTrack-looking links on origins outside LIVETRACK_ALLOWED_ORIGINS. */
  | { kind: 'origin'; origin: string }
  | { kind: 'none' };

const HREF_RE = /<a\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;
const TEXT_URL_RE = /https?:\/\/[^\s<>"'`]+/gi;
/** Images and style sheets on an allowed host are never a short link. */
const ASSET_RE = /\.(png|jpe?g|gif|webp|svg|ico|css|js)$/i;

/** Candidate URLs in document order: anchors of the HTML part, then bare URLs of the text part. */
export function linkCandidates(html: string | null | undefined, text: string | null | undefined): string[] {
  const out: string[] = [];
  const add = (u: string) => {
    const clean = u.trim();
    if (/^https?:\/\//i.test(clean) && !out.includes(clean)) out.push(clean);
  };
  if (html) {
    for (const m of html.matchAll(HREF_RE)) add(decodeEntities(m[1] ?? m[2] ?? m[3] ?? ''));
    // A link only written out as text in the HTML (no anchor).
    for (const m of stripTags(html).matchAll(TEXT_URL_RE)) add(decodeEntities(m[0]));
  }
  if (text) for (const m of text.matchAll(TEXT_URL_RE)) add(m[0]);
  return out;
}

/**
 * The invitation's link: the first full share URL on an allowed origin; else the first other link
 * on an allowed origin (a short link); else, when LiveTrack-looking links exist only on other
 * origins, the first such origin; else none.
 */
export function extractInvitationLink(html: string | null | undefined, text: string | null | undefined, allowedOrigins: string[]): InvitationLink {
  let short: string | null = null;
  let refused: string | null = null;
  for (const candidate of linkCandidates(html, text)) {
    let parsed: ReturnType<typeof parseShareUrl>;
    try {
      parsed = parseShareUrl(candidate, allowedOrigins);
    } catch (error) {
      if (!(error instanceof ShareUrlError)) throw error;
      if (refused === null && /origin .* is not allowed|addresses are never tracked/.test(error.message) && looksLikeLiveTrack(candidate)) {
        refused = originOf(candidate);
      }
      continue;
    }
    if ('shortLink' in parsed) {
      if (short === null && !ASSET_RE.test(parsed.shortLink.pathname)) short = parsed.shortLink.toString();
      continue;
    }
    return { kind: 'session', url: parsed.shareUrl, sessionId: parsed.sessionId };
  }
  if (short !== null) return { kind: 'short', url: short };
  if (refused !== null) return { kind: 'origin', origin: refused };
  return { kind: 'none' };
}

/** A share-URL path (/session/<id>…) or a LiveTrack / short-link host name. */
function looksLikeLiveTrack(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return /\/session\/[A-Za-z0-9-]+/i.test(url.pathname) || /(^|\.)gar\.mn$|livetrack/i.test(url.hostname);
  } catch {
    return false;
  }
}

function originOf(candidate: string): string {
  try {
    return new URL(candidate).origin;
  } catch {
    return 'an unparseable origin';
  }
}

function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, ' ');
}

const NAMED: Record<string, string> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', equals: '=', sol: '/', colon: ':', quest: '?', num: '#' };

/** The few HTML entities a URL in an attribute may carry. */
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : all;
    }
    return NAMED[name.toLowerCase()] ?? all;
  });
}
