// Realistic Garmin LiveTrack invitation e-mails (multipart/alternative, quoted-printable text and
// HTML parts, the link in an <a href> and soft-wrapped by QP), and delivery of a raw message to
// an IMAP mailbox (APPEND, as a mail server's delivery would leave it). For the invitation e2e
// and `npm run demo`.
import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { parseImapUrl } from '../invitations/imap-url';

export interface InvitationMailOptions {
  /** Garmin's athlete name, as in "Watch <athlete>'s live activity now!". */
  athlete: string;
  /** The share URL (or short link) the invitation carries. */
  link: string;
  /** Default `Garmin <noreply@garmin.com>`. */
  from?: string;
  to?: string;
  date?: Date;
  /** Default: Garmin's English subject for the athlete. */
  subject?: string;
  /** Extra header lines (e.g. `Authentication-Results: …`), without line ends. */
  headers?: string[];
  /** An attachment of this many bytes (application/octet-stream, base64), e.g. to test size limits. */
  attachmentBytes?: number;
  /** Only the quoted-printable text part, as a plain-text mail client forwards it. */
  textOnly?: boolean;
}

/** One raw RFC 5322 message (CRLF line ends) as Garmin sends an invitation. */
export function buildInvitationMail(opts: InvitationMailOptions): string {
  const date = opts.date ?? new Date();
  const id = randomBytes(8).toString('hex');
  const alt = `alt_${id}`;
  const mixed = `mix_${id}`;
  const subject = opts.subject ?? `Watch ${opts.athlete}'s live activity now!`;
  const link = opts.link;
  const text = [
    `${opts.athlete} is sharing their live activity with you using Garmin LiveTrack.`,
    '',
    'Follow along in real time:',
    link,
    '',
    'You received this e-mail because the athlete added you as a LiveTrack contact in Garmin Connect.',
    'Garmin Ltd. or its subsidiaries. All rights reserved.',
  ].join('\r\n');
  const html = [
    '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><title>LiveTrack</title></head>',
    '<body style="margin:0;padding:0;background-color:#f2f2f2;font-family:Helvetica,Arial,sans-serif">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center">',
    '<img src="https://static.garmincdn.com/emails/livetrack/garmin-logo.png" alt="Garmin" width="120">',
    `<h1 style="font-size:22px;color:#111">${escapeHtml(opts.athlete)} is sharing a live activity with you</h1>`,
    `<p style="font-size:16px;color:#333">Follow along in real time with Garmin LiveTrack &mdash; see ${escapeHtml(opts.athlete)}'s location, distance and pace as they move.</p>`,
    `<a href="${escapeHtml(link)}" style="display:inline-block;padding:14px 28px;background-color:#007cc3;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:bold">Watch Live</a>`,
    '<p style="font-size:12px;color:#777">You received this e-mail because the athlete added you as a LiveTrack contact. ',
    '<a href="https://www.garmin.com/en-US/privacy/connect/" style="color:#777">Privacy</a> &middot; <a href="https://support.garmin.com/" style="color:#777">Help</a></p>',
    '</td></tr></table></body></html>',
  ].join('\r\n');

  const alternative = [
    `--${alt}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(text),
    `--${alt}`,
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    quotedPrintable(html),
    `--${alt}--`,
    '',
  ].join('\r\n');

  const head = [
    `From: ${opts.from ?? 'Garmin <noreply@garmin.com>'}`,
    `To: ${opts.to ?? 'coach@example.org'}`,
    `Subject: ${encodeHeader(subject)}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${id}.livetrack@garmin.com>`,
    'MIME-Version: 1.0',
    ...(opts.headers ?? []),
  ];
  if (opts.textOnly) {
    return [...head, 'Content-Type: text/plain; charset=UTF-8', 'Content-Transfer-Encoding: quoted-printable', '', quotedPrintable(text), ''].join('\r\n');
  }
  if (!opts.attachmentBytes) {
    return [...head, `Content-Type: multipart/alternative; boundary="${alt}"`, '', alternative].join('\r\n');
  }
  const blob = randomBytes(opts.attachmentBytes).toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    ...head,
    `Content-Type: multipart/mixed; boundary="${mixed}"`,
    '',
    `--${mixed}`,
    `Content-Type: multipart/alternative; boundary="${alt}"`,
    '',
    alternative,
    `--${mixed}`,
    'Content-Type: application/octet-stream; name="route.fit"',
    'Content-Disposition: attachment; filename="route.fit"',
    'Content-Transfer-Encoding: base64',
    '',
    blob,
    `--${mixed}--`,
    '',
  ].join('\r\n');
}

/**
 * Puts a raw message into the mailbox of `imapUrl` (`imap[s]://user:password@host:port/MAILBOX`),
 * as new and unread (or with `flags`, e.g. \\Seen: read by a person), the way a delivered e-mail
 * arrives. Returns its UID when the server says.
 */
export async function deliverToMailbox(imapUrl: string, raw: string | Buffer, flags: string[] = []): Promise<number | null> {
  const settings = parseImapUrl(imapUrl);
  const client = new ImapFlow({
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: { user: settings.user, pass: settings.password },
    logger: false,
    disableAutoIdle: true,
  });
  client.on('error', () => undefined); // reported by the failing call below
  await client.connect();
  try {
    const result = await client.append(settings.mailbox, raw, flags);
    return result && typeof result.uid === 'number' ? result.uid : null;
  } finally {
    await client.logout().catch(() => client.close());
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** RFC 2047 encoded-word when the subject is not plain ASCII (accented athlete names). */
function encodeHeader(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** Quoted-printable (RFC 2045): lines of at most 76 characters, soft breaks as "=\r\n". */
export function quotedPrintable(text: string): string {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const bytes = Buffer.from(line, 'utf8');
    const tokens: string[] = [];
    bytes.forEach((b, i) => {
      const last = i === bytes.length - 1;
      const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 32 || b === 9) && !last);
      tokens.push(literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`);
    });
    let current = '';
    for (const token of tokens) {
      if (current.length + token.length > 75) {
        out.push(`${current}=`);
        current = '';
      }
      current += token;
    }
    out.push(current);
  }
  return out.join('\r\n');
}
