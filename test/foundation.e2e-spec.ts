import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { json, postJson, RunningApp, spawnServer, startApp, startServerProcess, tempDir } from './support/app';

describe('foundation: the real app over HTTP', () => {
  const tmp = tempDir();
  const dbPath = join(tmp.dir, 'nested', 'dir', 'livetrack.db');
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp({ DB_PATH: dbPath });
  });
  afterAll(async () => {
    await running?.close();
    tmp.cleanup();
  });

  it('creates the database directory and answers /health with database, tracker and integrations', async () => {
    expect(existsSync(dbPath)).toBe(true);
    const res = await fetch(`${running.baseUrl}/health`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.status).toBe('ok');
    expect(body.details.database.status).toBe('up');
    expect(body.details.tracker).toMatchObject({ status: 'up', active_sessions: 0, store: { races: 0, points: 0 } });
    expect(body.details.tracker.store.db_bytes).toBeGreaterThan(0);
    expect(body.details.integrations.telegram).toMatchObject({ enabled: false });
    expect(body.details.integrations.telegram.message).toMatch(/TELEGRAM_BOT_TOKEN/);
  });

  it('answers liveness and readiness', async () => {
    const live = await fetch(`${running.baseUrl}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${running.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await json(ready)).toEqual({ status: 'ok', database: 'migrations applied' });
  });

  it('uses WAL mode', async () => {
    expect(existsSync(`${dbPath}-wal`)).toBe(true);
  });

  it('documents every contract route in /docs-json and serves Swagger UI at /docs', async () => {
    const doc = await json(await fetch(`${running.baseUrl}/docs-json`));
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    const expected: Array<[string, string]> = [
      ['/sessions', 'post'], ['/sessions', 'get'], ['/sessions/{id}', 'get'], ['/sessions/{id}/stop', 'post'],
      ['/sessions/{id}/points', 'get'], ['/sessions/{id}/analysis', 'post'], ['/control', 'post'],
      ['/health', 'get'], ['/health/live', 'get'], ['/health/ready', 'get'],
    ];
    for (const [path, method] of expected) expect(paths[path]?.[method]).toBeDefined();
    const schemas = doc.components.schemas;
    expect(Object.keys(schemas.StartSessionDto.properties)).toEqual(expect.arrayContaining(['url', 'race_config']));
    expect(Object.keys(schemas.ControlDto.properties)).toEqual(
      expect.arrayContaining(['hr_max', 'hr_min', 'power_max', 'power_min', 'cadence_min', 'run_hr_max', 'run_hr_min', 'run_cadence_min', 'session_id']),
    );
    expect(Object.keys(schemas.SessionStatusDto.properties)).toEqual(
      expect.arrayContaining(['active', 'state', 'started_at', 'elapsed_s', 'stale_s', 'last_point_at', 'points', 'poll_errors', 'last_error', 'thresholds', 'current_leg']),
    );
    const ui = await fetch(`${running.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger-ui/i);
  });

  it('rejects bad input with 400 naming every offending field, in one error shape', async () => {
    const res = await postJson(`${running.baseUrl}/sessions`, { url: 42, race_config: { hr_max: 'high', colour: 'red' }, extra: true });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request', path: '/sessions' });
    expect(body.fields).toEqual(expect.arrayContaining(['url', 'extra', 'race_config.hr_max', 'race_config.colour']));
    expect(body.message).toMatch(/race_config\.colour should not exist/);
  });

  it('answers 404 for an unknown session in the same shape', async () => {
    const res = await fetch(`${running.baseUrl}/sessions/0000-unknown`);
    expect(res.status).toBe(404);
    expect(await json(res)).toMatchObject({ statusCode: 404, error: 'Not Found', path: '/sessions/0000-unknown' });
  });
});

describe('foundation: the built server process', () => {
  it('boots twice on the same database file (migrations are idempotent)', async () => {
    const tmp = tempDir();
    const env = { DB_PATH: join(tmp.dir, 'livetrack.db') };
    try {
      for (let boot = 0; boot < 2; boot++) {
        const server = await startServerProcess(env);
        const ready = await fetch(`${server.baseUrl}/health/ready`);
        expect(ready.status).toBe(200);
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
      }
    } finally {
      tmp.cleanup();
    }
  });

  it.each([
    ['PORT', 'notaport', /PORT must be an integer port/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace/],
    ['LIVETRACK_ALLOWED_ORIGINS', 'https://livetrack.garmin.com,not a url', /LIVETRACK_ALLOWED_ORIGINS must be/],
    ['CLAUDE_RUNNER_URL', 'ftp://runner', /CLAUDE_RUNNER_URL must be an http\(s\) URL/],
  ])('exits non-zero with one line naming %s when it is bad', async (name, value, pattern) => {
    const tmp = tempDir();
    try {
      const server = spawnServer({ DB_PATH: join(tmp.dir, 'x.db'), PORT: '0', [name]: value });
      expect(await server.exited).toBe(1);
      const lines = server.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Invalid configuration: /);
      expect(lines[0]).toMatch(pattern);
    } finally {
      tmp.cleanup();
    }
  });
});
