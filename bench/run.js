// `npm run bench`: runs every benchmark in its own process, one after another (so they don't
// disturb each other), and prints one JSON object per benchmark on stdout.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const BENCHES = ['boot', 'ingest', 'ingest-pg', 'window', 'fanout', 'replicas', 'mcp', 'alert', 'metrics', 'analysis'];
const only = process.argv.slice(2);
let failed = 0;
for (const name of BENCHES) {
  if (only.length && !only.includes(name)) continue;
  const file = join(__dirname, `${name}.js`);
  if (!existsSync(file)) continue;
  const result = spawnSync(process.execPath, [file], { stdio: ['ignore', 'inherit', 'inherit'], env: process.env });
  if (result.status !== 0) {
    failed++;
    console.log(JSON.stringify({ bench: name, error: `exited with ${result.status ?? result.signal}` }));
  }
}
process.exit(failed ? 1 : 0);
