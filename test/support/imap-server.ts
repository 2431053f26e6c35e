// The invitation e2e's IMAP server: a throwaway dovecot on loopback (src/simulator/local-imap-server),
// or, with TEST_IMAP_URL (or IMAP_URL) set, a fresh mailbox on that server. Without either the
// suite fails saying why instead of passing without having run.
import { randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { parseImapUrl } from '../../src/invitations/imap-url';
import { deliverToMailbox } from '../../src/simulator/invitation-mail';
import { LocalImapServer, localImapUnavailable, startLocalImapServer } from '../../src/simulator/local-imap-server';

export interface TestImap {
  /** IMAP_URL for the app (holds the test password). */
  url: string;
  /** Delivers a raw message as new and unread (or with `flags`); resolves its UID. */
  append(raw: string | Buffer, flags?: string[]): Promise<number | null>;
  /** A message's flags (null when gone). */
  flagsOf(uid: number): Promise<Set<string> | null>;
  setFlags(uid: number, flags: { add?: string[]; remove?: string[] }): Promise<void>;
  /** The local dovecot (restart, stop); null for an outside server given by TEST_IMAP_URL. */
  server: LocalImapServer | null;
  close(): Promise<void>;
}

/** The given outside server, else a local dovecot, else an error saying why neither exists. */
export async function startTestImap(): Promise<TestImap> {
  const given = process.env.TEST_IMAP_URL || process.env.IMAP_URL;
  if (given) return outsideMailbox(given);
  const missing = localImapUnavailable();
  if (missing) {
    throw new Error(
      `the invitation e2e needs a real IMAP server and has none: ${missing}, and neither TEST_IMAP_URL nor IMAP_URL is set ` +
        '(.ci/run installs dovecot-imapd; or set TEST_IMAP_URL=imap://user:password@host:port/)',
    );
  }
  const server = await startLocalImapServer();
  return withHelpers(server.url('INBOX'), server, () => server.close());
}

/** A fresh mailbox on an outside server, removed afterwards, so old mail there plays no part. */
async function outsideMailbox(given: string): Promise<TestImap> {
  const base = parseImapUrl(given);
  const name = `livetrack-e2e-${randomBytes(4).toString('hex')}`;
  await withClient(given, (c) => c.mailboxCreate(name));
  const url = given.replace(/^(imaps?:\/\/[^/]+)(\/.*)?$/i, `$1/${name}`);
  if (parseImapUrl(url).mailbox !== name || parseImapUrl(url).host !== base.host) throw new Error('TEST_IMAP_URL: could not derive a test mailbox URL from it');
  return withHelpers(url, null, () => withClient(given, (c) => c.mailboxDelete(name)).then(() => undefined, () => undefined));
}

function withHelpers(url: string, server: LocalImapServer | null, close: () => Promise<void>): TestImap {
  const mailbox = parseImapUrl(url).mailbox;
  return {
    url,
    server,
    append: (raw, flags) => deliverToMailbox(url, raw, flags),
    flagsOf: (uid) =>
      withClient(url, async (c) => {
        await c.mailboxOpen(mailbox);
        const m = await c.fetchOne(String(uid), { uid: true, flags: true }, { uid: true });
        return m ? (m.flags ?? new Set<string>()) : null;
      }),
    setFlags: (uid, { add = [], remove = [] }) =>
      withClient(url, async (c) => {
        await c.mailboxOpen(mailbox);
        if (add.length) await c.messageFlagsAdd(String(uid), add, { uid: true });
        if (remove.length) await c.messageFlagsRemove(String(uid), remove, { uid: true });
      }),
    close,
  };
}

async function withClient<T>(url: string, work: (client: ImapFlow) => Promise<T>): Promise<T> {
  const s = parseImapUrl(url);
  const client = new ImapFlow({ host: s.host, port: s.port, secure: s.secure, auth: { user: s.user, pass: s.password }, logger: false, disableAutoIdle: true });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}
