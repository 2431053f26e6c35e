// Boot benchmark: ms from spawning `node dist/main.js` to the first 200 from /health/live, on a
// fresh temp database (first boot runs migrations) and again on the same file. Prints one JSON line.
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

async function bootOnce(dbPath) {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [MAIN], {
    // OTEL_EXPORTER_OTLP_ENDPOINT passes through, to measure boot with telemetry on.
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DB_PATH: dbPath, LOG_LEVEL: 'error', ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? { OTEL_EXPORTER_OTLP_ENDPOINT: process.env.OTEL_EXPORTER_OTLP_ENDPOINT } : {}) },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health/live`);
        if (res.ok) return Number(process.hrtime.bigint() - started) / 1e6;
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
    const first = await bootOnce(join(dir, 'boot.db'));
    const warm = [];
    for (let i = 0; i < runs; i++) warm.push(await bootOnce(join(dir, 'boot.db')));
    warm.sort((a, b) => a - b);
    const median = warm[Math.floor(warm.length / 2)];
    console.log(JSON.stringify({
      bench: 'boot',
      boot_ms: Math.round(median),
      first_boot_ms: Math.round(first),
      min_ms: Math.round(warm[0]),
      max_ms: Math.round(warm[warm.length - 1]),
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
