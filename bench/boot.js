// Boot benchmark: ms from spawning `node dist/main.js` to the first 200 from /health/live.
// first_boot_ms: fresh database (migrations run), no code cache. cold_boot_ms: existing database,
// no code cache. boot_ms: existing database with the V8 code cache the server writes after its
// first run (src/compile-cache.ts), i.e. any restart. Prints one JSON line.
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const net = require('node:net');

const MAIN = process.env.BOOT_MAIN || join(__dirname, '..', 'dist', 'main.js');

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

async function bootOnce(dbPath, { cacheDir, stayMs = 0 } = {}) {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [MAIN], {
    // OTEL_EXPORTER_OTLP_ENDPOINT passes through, to measure boot with telemetry on.
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DB_PATH: dbPath, LOG_LEVEL: 'error', LIVETRACK_COMPILE_CACHE: cacheDir, ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? { OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT } : {}) },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health/live`);
        if (res.ok) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          if (stayMs) await new Promise((r) => setTimeout(r, stayMs)); // lets the server write its code cache
          return ms;
        }
      } catch {
        /* not yet listening */
      }
      if (Number(process.hrtime.bigint() - started) > 30e9) throw new Error('server did not come up in 30 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function main() {
  const runs = Number(process.env.BOOT_RUNS ?? 7);
  const dir = mkdtempSync(join(tmpdir(), 'livetrack-bench-boot-'));
  try {
    const db = join(dir, 'boot.db');
    const cacheDir = join(dir, 'code-cache');
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    // Cold: no V8 code cache (LIVETRACK_COMPILE_CACHE=off), as on a brand-new container.
    const first = await bootOnce(db, { cacheDir: 'off' });
    const cold = [];
    for (let i = 0; i < Math.max(3, Math.floor(runs / 2)); i++) cold.push(await bootOnce(db, { cacheDir: 'off' }));
    // Warm: every restart after the server has run once (crash, upgrade of config, node drain).
    await bootOnce(db, { cacheDir, stayMs: 3000 });
    const warm = [];
    for (let i = 0; i < runs; i++) warm.push(await bootOnce(db, { cacheDir }));
    console.log(JSON.stringify({
      bench: 'boot',
      boot_ms: Math.round(median(warm)),
      cold_boot_ms: Math.round(median(cold)),
      first_boot_ms: Math.round(first),
      min_ms: Math.round(Math.min(...warm)),
      max_ms: Math.round(Math.max(...warm)),
      runs,
      goal_ms: 1500,
      node: process.version,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
module.exports = { bootOnce };
