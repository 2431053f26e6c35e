// IMAP_URL: `imap[s]://user:password@host:port/MAILBOX`. Pure parsing; the password never
// appears in an error message or in the redacted form that logs and /health show.

export interface ImapSettings {
  /** imaps: TLS from the first byte; imap: plain, upgraded with STARTTLS when the server offers it. */
  secure: boolean;
  host: string;
  port: number;
  user: string;
  /** A secret: never logged, never returned. */
  password: string;
  mailbox: string;
  /** The URL with the password replaced by *** (for logs and /health). */
  redactedUrl: string;
}

const EXPECTED = 'imaps://user:password@host:993/INBOX';

/** Throws an Error whose message (safe to print) says what is wrong. */
export function parseImapUrl(raw: string): ImapSettings {
  const text = String(raw ?? '').trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== 'imap' && scheme !== 'imaps') {
    throw new Error(`must be an imap:// or imaps:// URL like ${EXPECTED}${scheme ? ` (got scheme "${scheme}")` : ''}`);
  }
  let url: URL;
  try {
    // WHATWG URL treats imap: as an opaque scheme but still splits user, password, host and port.
    url = new URL(text);
  } catch {
    throw new Error(`is not a valid URL: expected ${EXPECTED} (percent-encode @ : / in the user and password)`);
  }
  if (!url.hostname) throw new Error(`has no host: expected ${EXPECTED}`);
  if (!url.username) throw new Error(`has no user name: expected ${EXPECTED}`);
  if (!url.password) throw new Error(`has no password: expected ${EXPECTED} (use an app password for Gmail or Fastmail)`);
  if (url.search || url.hash) throw new Error(`must not carry ?query or #fragment: expected ${EXPECTED}`);
  const secure = scheme === 'imaps';
  let port = secure ? 993 : 143;
  if (url.port !== '') {
    port = Number(url.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`has an invalid port: expected ${EXPECTED}`);
  }
  let user: string;
  let password: string;
  let mailbox: string;
  try {
    user = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
    mailbox = decodeURIComponent(url.pathname.replace(/^\/+/, '').replace(/\/+$/, ''));
  } catch {
    throw new Error(`has a broken %-escape in the user, password or mailbox: expected ${EXPECTED}`);
  }
  if (mailbox === '') mailbox = 'INBOX';
  if (/[\r\n\0]/.test(mailbox)) throw new Error('has a mailbox name with control characters');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return {
    secure,
    host,
    port,
    user,
    password,
    mailbox,
    redactedUrl: `${scheme}://${encodeURIComponent(user)}:***@${url.hostname}:${port}/${encodeURIComponent(mailbox)}`,
  };
}

/** The raw IMAP_URL value with any password replaced by ***, for an error line about it. */
export function redactImapUrlText(raw: string): string {
  return String(raw ?? '').replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}
