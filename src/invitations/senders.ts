// Who may send an invitation (IMAP_ALLOWED_SENDERS). Pure functions.
//
// An entry with "@" is one exact address; an entry without is a domain, which also admits its
// subdomains (mail.garmin.com for garmin.com: Garmin sends from more than one host), but only on a
// label boundary, so garmin.com.evil.example and evilgarmin.com stay out. The From header can be
// forged; the mail provider's DMARC verdict (Authentication-Results) is checked too when present.

export interface AllowedSenders {
  addresses: Set<string>;
  domains: string[];
}

const DOMAIN_RE = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ADDRESS_RE = /^[^\s@<>(),;:"[\]\\]+@[^\s@]+$/;

/** Parses the comma-separated list; throws naming the bad entry. */
export function parseAllowedSenders(csv: string): AllowedSenders {
  const addresses = new Set<string>();
  const domains: string[] = [];
  for (const part of String(csv ?? '').split(',')) {
    const entry = part.trim().toLowerCase().replace(/^@/, '');
    if (!entry) continue;
    if (entry.includes('@')) {
      if (!ADDRESS_RE.test(entry) || !DOMAIN_RE.test(entry.split('@')[1])) throw new Error(`"${part.trim()}" is not an e-mail address`);
      addresses.add(entry);
    } else {
      if (!DOMAIN_RE.test(entry)) throw new Error(`"${part.trim()}" is not a domain (like garmin.com) or an address (like noreply@garmin.com)`);
      if (!domains.includes(entry)) domains.push(entry);
    }
  }
  if (addresses.size === 0 && domains.length === 0) throw new Error('lists no sender: expected domains or addresses, e.g. garmin.com');
  return { addresses, domains };
}

/** The list as configured, for /health. */
export function describeAllowedSenders(allowed: AllowedSenders): string[] {
  return [...allowed.domains, ...allowed.addresses];
}

export function isAllowedSender(address: string | null | undefined, allowed: AllowedSenders): boolean {
  const addr = String(address ?? '').trim().toLowerCase();
  const at = addr.lastIndexOf('@');
  if (at <= 0 || at === addr.length - 1) return false;
  if (allowed.addresses.has(addr)) return true;
  const domain = addr.slice(at + 1).replace(/\.$/, '');
  return allowed.domains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/**
 * True when an Authentication-Results header (added by the receiving provider: Gmail, Fastmail,
 * …) says DMARC failed for the From domain: the From is forged even if it reads garmin.com.
 * Absent or unparseable headers do not count against a message.
 */
export function dmarcFailed(authenticationResults: string[]): boolean {
  return authenticationResults.some((h) => /\bdmarc\s*=\s*fail\b/i.test(h));
}
