// A throwaway IMAP server on loopback: Debian's dovecot with its own config, user and maildir in a
// temp folder (the packaged service is never touched). Used by the invitation e2e and by
// `npm run demo` to deliver a simulated Garmin invitation; nothing here speaks IMAP itself.
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const DOVECOT_BINARY = '/usr/sbin/dovecot';

export interface LocalImapServerOptions {
  /** Default /usr/sbin/dovecot. */
  binary?: string;
  user?: string;
  password?: string;
  /** Default: a free loopback port. Kept across restart(). */
  port?: number;
}

export interface LocalImapServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** `imap://user:password@127.0.0.1:port/<mailbox>` (a secret: the password is in it). */
  url(mailbox?: string): string;
  /** Stops dovecot (the mail stays), as a server going down mid-race. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same mail. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Stops dovecot and removes the temp folder. */
  close(): Promise<void>;
  /** dovecot's own log, for a failing test's message. */
  log(): string;
}

/** Why a local dovecot cannot be started here, or null when it can. */
export function localImapUnavailable(binary = DOVECOT_BINARY): string | null {
  if (!existsSync(binary)) return `${binary} is not installed (Debian/Ubuntu: apt-get install dovecot-imapd)`;
  return null;
}

/**
 * Starts dovecot on 127.0.0.1 with one user (plain password over loopback, no TLS). Runs as the
 * current user; as root, dovecot's own unprivileged users run its processes and own the maildir,
 * since dovecot refuses mail access as uid 0.
 */
export async function startLocalImapServer(opts: LocalImapServerOptions = {}): Promise<LocalImapServer> {
  const binary = opts.binary ?? DOVECOT_BINARY;
  const missing = localImapUnavailable(binary);
  if (missing) throw new Error(`cannot start a local IMAP server: ${missing}`);
  const user = opts.user ?? 'coach';
  const password = opts.password ?? randomBytes(9).toString('hex');
  const port = opts.port ?? (await freeLoopbackPort());

  const dir = mkdtempSync(join(tmpdir(), 'livetrack-imap-'));
  // dovecot's unprivileged processes must reach the sockets and mail below it.
  chmodSync(dir, 0o755);
  const accounts = processAccounts();
  const home = join(dir, 'home', user);
  for (const d of [join(dir, 'run'), join(dir, 'state'), home]) mkdirSync(d, { recursive: true, mode: 0o755 });
  if (accounts.root) chownSync(home, accounts.mailUid, accounts.mailGid);

  // passwd-file: user:{scheme}password:uid:gid:gecos:home:shell:extra
  writeFileSync(join(dir, 'users'), `${user}:{PLAIN}${password}:${accounts.mailUid}:${accounts.mailGid}::${home}::\n`, { mode: 0o644 });
  const confPath = join(dir, 'dovecot.conf');
  // Unique on this host: the process titles carry it (how stop() finds this instance's processes).
  const instance = `livetrack-imap-${port}-${randomBytes(3).toString('hex')}`;
  writeFileSync(confPath, dovecotConf({ dir, port, accounts, instance }));

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const logPath = join(dir, 'dovecot.log');
  const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');

  const start = async () => {
    if (child) return;
    let spawnOutput = '';
    const proc = spawn(binary, ['-F', '-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d) => (spawnOutput += d));
    proc.stderr!.on('data', (d) => (spawnOutput += d));
    let gone = false;
    exited = new Promise<void>((resolve) => proc.once('exit', () => ((gone = true), resolve())));
    child = proc;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (gone) break;
      if (await greets(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    child = null;
    proc.kill('SIGKILL');
    throw new Error(`dovecot did not start on 127.0.0.1:${port}: ${(spawnOutput + log()).trim().slice(-2000)}`);
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    child = null;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    // An imap process outlives its master for ~10 s (until it notices); a restarting server
    // drops its clients at once, so end this instance's leftovers now.
    for (const pid of instancePids(instance)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };

  await start();
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    url: (mailbox = 'INBOX') => `imap://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(mailbox)}`,
    stop,
    start,
    restart: async () => {
      await stop();
      await start();
    },
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    log,
  };
}

interface Accounts {
  root: boolean;
  /** Runs dovecot's internal services (auth, dict …). */
  internalUser: string;
  /** Runs the imap-login processes. */
  loginUser: string;
  mailUid: number;
  mailGid: number;
}

function processAccounts(): Accounts {
  const me = userInfo();
  if (me.uid !== 0) return { root: false, internalUser: me.username, loginUser: me.username, mailUid: me.uid, mailGid: me.gid };
  // As root: the users the Debian package creates. Mail runs as `dovecot` (any non-root uid works).
  const internal = passwdEntry('dovecot');
  const login = passwdEntry('dovenull') ?? internal;
  if (!internal || !login) throw new Error('running as root but the dovecot system users (dovecot, dovenull) do not exist: install dovecot-core');
  return { root: true, internalUser: internal.name, loginUser: login.name, mailUid: internal.uid, mailGid: internal.gid };
}

function passwdEntry(name: string): { name: string; uid: number; gid: number } | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length >= 4) return { name, uid: Number(f[2]), gid: Number(f[3]) };
    }
  } catch {
    /* no passwd file */
  }
  return null;
}

function dovecotConf({ dir, port, accounts, instance }: { dir: string; port: number; accounts: Accounts; instance: string }): string {
  return `# throwaway test server (livetrack-mcp); removed with its folder
instance_name = ${instance}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${accounts.internalUser}
default_login_user = ${accounts.loginUser}
first_valid_uid = ${Math.min(accounts.mailUid, 500)}
first_valid_gid = ${Math.min(accounts.mailGid, 500)}
mail_location = maildir:~/Maildir
mail_uid = ${accounts.mailUid}
mail_gid = ${accounts.mailGid}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/users
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
`;
}

/** PIDs of the processes of one dovecot instance (their titles read `dovecot-<instance>/<service>`). */
function instancePids(instance: string): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').startsWith(`dovecot-${instance}/`)) out.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** True once something on the port answers an IMAP greeting. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('data', (d) => {
      data += d;
      if (data.includes('\n')) done(data.startsWith('* OK'));
    });
    socket.on('error', () => done(false));
  });
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}
