// Invitations by e-mail against a real IMAP server on loopback (a throwaway dovecot, see
// support/imap-server.ts) and the real app, with the replay simulator as Garmin: an invitation
// delivered to the mailbox starts tracking with its athlete's race_config, once (app restart, two
// replicas); strangers, foreign links, garbage and a 20 MB attachment are counted and ignored; the
// watcher survives the IMAP server restarting.
import { join } from 'node:path';
import { generateSingleSport, LiveTrackSimulator, SimSession } from '../src/simulator';
import { buildInvitationMail } from '../src/simulator/invitation-mail';
import { json, RunningApp, ServerProcess, startApp, startServerProcess, tempDir, waitFor } from './support/app';
import { startTestImap, TestImap } from './support/imap-server';
import { createTestDatabase } from './support/pg-database';
import { simulatorEnv, status } from './support/tracking';

jest.setTimeout(120_000);

const STARTED = '$LivetrackStarted';

describe('invitations by e-mail (IMAP)', () => {
  const tmp = tempDir('livetrack-invitations-');
  let imap: TestImap;
  let sim: LiveTrackSimulator;
  let app: RunningApp | null = null;
  let seed = 100;

  const env = () => ({
    DB_PATH: join(tmp.dir, 'invitations.db'),
    ANALYSIS_BACKEND: 'off',
    ...simulatorEnv(sim),
    IMAP_URL: imap.url,
  });

  /** A live simulated race of `athlete`, 5 points out; its metadata fails so only the e-mail names the athlete. */
  function race(athlete: string): SimSession {
    const r = generateSingleSport({ seed: seed++, start: new Date(Date.now() - 10 * 60_000), sport: 'bike', durationMin: 60 });
    const session = sim.addSession({ race: r, athlete, postTrackPointFrequency: 5, metaFailure: 500 });
    sim.release(session.sessionId, 5);
    return session;
  }

  async function health(baseUrl = app!.baseUrl): Promise<any> {
    const body = await json(await fetch(`${baseUrl}/health`));
    return body.info?.integrations?.invitations ?? body.error?.integrations?.invitations;
  }

  async function sessionOf(sessionId: string, baseUrl = app!.baseUrl): Promise<any | null> {
    const res = await fetch(`${baseUrl}/sessions/${sessionId}`);
    return res.status === 200 ? json(res) : null;
  }

  const connected = (baseUrl?: string) => waitFor(async () => (await health(baseUrl))?.connected === true, 15_000, 'the IMAP watcher to connect');

  beforeAll(async () => {
    imap = await startTestImap();
    sim = new LiveTrackSimulator({ seed: 1818 });
    await sim.start();
    app = await startApp(env());
    await connected();
    const put = await fetch(`${app.baseUrl}/athletes/jane`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: 'Jane Doe', race_config: { race_type: 'bike', poll_interval_secs: 1, hr_max: 151, power_max: 333, min_elapsed_min: 600 } }),
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    await sim?.stop();
    await imap?.close();
    tmp.cleanup();
  });

  let janeUid: number;
  let jane: SimSession;

  it('an invitation delivered to the mailbox starts tracking within 5 s with the athlete\'s thresholds', async () => {
    jane = race('Jane Doe');
    const delivered = Date.now();
    janeUid = (await imap.append(buildInvitationMail({ athlete: 'Jane Doe', link: sim.shareUrl(jane.sessionId) })))!;
    const s = await waitFor(() => sessionOf(jane.sessionId), 5_000, 'the invited session to be tracked');
    expect(Date.now() - delivered).toBeLessThan(5_000);
    expect(s).toMatchObject({ active: true, thresholds: expect.objectContaining({ hr_max: 151, power_max: 333 }) });
    await waitFor(async () => (await status(app!.baseUrl, jane.sessionId)).points >= 5, 15_000, 'points of the invited session');
    const h = await health();
    expect(h).toMatchObject({ enabled: true, connected: true, started: 1, skipped: 0 });
    expect(JSON.stringify(h)).not.toContain(imap.url.match(/:([^:@/]+)@/)![1]);
    // Marked on the server: handled for every replica and every restart.
    expect([...(await imap.flagsOf(janeUid))!]).toEqual(expect.arrayContaining([STARTED, '\\Seen']));
  });

  it('after an app restart the same message does not start it again; one delivered meanwhile and already read does', async () => {
    // Stopped by hand: starting its link again would make it active (and count a start).
    expect((await json(await fetch(`${app!.baseUrl}/sessions/${jane.sessionId}/stop`, { method: 'POST' }))).active).toBe(false);
    // Read as unread again by a person: the startup look sees it, only the mark says it was handled.
    await imap.setFlags(janeUid, { remove: ['\\Seen'] });
    await app!.close();
    // Delivered while the service was down and read on a phone: still an invitation. Its start
    // is the barrier: the startup look that saw it saw Jane's message too.
    const bo = race('Bo Chen');
    await imap.append(buildInvitationMail({ athlete: 'Bo Chen', link: sim.shareUrl(bo.sessionId) }), ['\\Seen']);
    app = await startApp(env());
    await connected();
    await waitFor(() => sessionOf(bo.sessionId), 10_000, 'the invitation delivered during the restart to be tracked');
    expect(await sessionOf(jane.sessionId)).toMatchObject({ active: false, stop_reason: 'manual' });
    expect(await health()).toMatchObject({ started: 1, already_tracked: 0, skipped: 0 });
  });

  it('a spoofed sender, a non-Garmin link, garbage and a 20 MB attachment are ignored and counted', async () => {
    const victim = race('Jane Doe');
    const link = sim.shareUrl(victim.sessionId);
    const before = await health();
    await imap.append(buildInvitationMail({ athlete: 'Jane Doe', link, from: 'Garmin <noreply@garmin.com.evil.example>' }));
    await imap.append(buildInvitationMail({ athlete: 'Jane Doe', link, headers: ['Authentication-Results: mx.example.org; spf=fail; dmarc=fail (p=REJECT) header.from=garmin.com'] }));
    await imap.append(buildInvitationMail({ athlete: 'Jane Doe', link: link.replace(/^http:\/\/127\.0\.0\.1:\d+/, 'https://livetrack.evil.example') }));
    await imap.append(Buffer.from('\x13\x37 garbage, not a message {[(\r\n\r\n=?=?==\r\n'));
    await imap.append(buildInvitationMail({ athlete: 'Jane Doe', link, attachmentBytes: 20 * 1024 * 1024 }));
    const h = await waitFor(async () => {
      const now = await health();
      return now.skipped - before.skipped >= 5 ? now : null;
    }, 30_000, 'five skipped messages');
    expect(h.skipped_by).toMatchObject({ sender: 1, spoofed: 1, origin: 1, malformed: 1, too_large: 1 });
    expect(h.started).toBe(before.started);
    expect(await sessionOf(victim.sessionId)).toBeNull();
    // The simulated Garmin was never asked about the victim's session.
    expect(sim.stats(victim.sessionId).log).toHaveLength(0);
  });

  it('a text-only, quoted-printable invitation carrying a short link starts tracking too', async () => {
    const bea = race('Bea Short');
    const short = sim.addShortLink(bea.sessionId);
    const before = await health();
    await imap.append(buildInvitationMail({ athlete: 'Bea Short', link: short, textOnly: true }));
    const s = await waitFor(() => sessionOf(bea.sessionId), 10_000, 'the short-link invitation to be tracked');
    expect(s).toMatchObject({ active: true, url: expect.stringContaining(`/session/${bea.sessionId}/`) });
    // The e-mail held only the short link: the session was found by following it.
    expect(short).not.toContain(bea.sessionId);
    expect(await health()).toMatchObject({ started: before.started + 1, skipped: before.skipped });
  });

  it('the IMAP server restarted mid-race: the watcher reconnects and picks up the next invitation', async () => {
    if (!imap.server) {
      console.warn('skipped: TEST_IMAP_URL names an outside server, which this suite cannot restart');
      return;
    }
    const connects = (await health()).connects;
    await imap.server.stop();
    await waitFor(async () => (await health()).connected === false, 15_000, 'the watcher to notice the server went away');
    await new Promise((r) => setTimeout(r, 300));
    await imap.server.start();
    await waitFor(async () => (await health()).connects > connects, 20_000, 'the watcher to reconnect');
    const cem = race('Cem Demo');
    await imap.append(buildInvitationMail({ athlete: 'Cem Demo', link: sim.shareUrl(cem.sessionId) }));
    await waitFor(() => sessionOf(cem.sessionId), 10_000, 'the invitation after the restart to be tracked');
    expect(await health()).toMatchObject({ connected: true, last_error: expect.any(String) });
    expect((await health()).last_error).not.toContain(imap.url.match(/:([^:@/]+)@/)![1]);
  });
});

describe('invitations with two replicas on one PostgreSQL', () => {
  let imap: TestImap;
  let sim: LiveTrackSimulator;
  let db: { url: string; drop: () => Promise<void> };
  const apps: RunningApp[] = [];

  beforeAll(async () => {
    imap = await startTestImap();
    sim = new LiveTrackSimulator({ seed: 1819 });
    await sim.start();
    db = await createTestDatabase('invitations');
    for (const id of ['a', 'b']) {
      apps.push(await startApp({ DATABASE_URL: db.url, REPLICA_ID: `inv-${id}`, ANALYSIS_BACKEND: 'off', ...simulatorEnv(sim), IMAP_URL: imap.url }));
    }
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await sim?.stop();
    await db?.drop();
    await imap?.close();
  });

  it('both watch; each invitation is decided by exactly one of them', async () => {
    const stats = async () => Promise.all(apps.map(async (a) => (await json(await fetch(`${a.baseUrl}/health`))).info.integrations.invitations));
    await waitFor(async () => (await stats()).every((s) => s.connected), 15_000, 'both watchers to connect');
    const sessions = [0, 1, 2, 3].map((i) => {
      const r = generateSingleSport({ seed: 500 + i, start: new Date(Date.now() - 5 * 60_000), sport: 'run', durationMin: 30 });
      const s = sim.addSession({ race: r, athlete: `Runner ${i}`, postTrackPointFrequency: 5 });
      sim.release(s.sessionId, 3);
      return s;
    });
    for (const s of sessions) await imap.append(buildInvitationMail({ athlete: s.athlete, link: sim.shareUrl(s.sessionId) }));
    await waitFor(async () => {
      for (const s of sessions) if ((await fetch(`${apps[0].baseUrl}/sessions/${s.sessionId}`)).status !== 200) return false;
      return true;
    }, 20_000, 'all four invited sessions to be tracked');
    // Let any late second decision happen before counting.
    await new Promise((r) => setTimeout(r, 1500));
    const all = await stats();
    const decided = all.reduce((n, s) => n + s.started + s.already_tracked + s.skipped, 0);
    expect(decided).toBe(4);
    expect(all.reduce((n, s) => n + s.started, 0)).toBe(4);
  });
});

describe('invitations in the built server\'s logs', () => {
  const tmp = tempDir('livetrack-invitations-logs-');
  let imap: TestImap;
  let sim: LiveTrackSimulator;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    imap = await startTestImap();
    sim = new LiveTrackSimulator({ seed: 1820 });
    await sim.start();
  });
  afterAll(async () => {
    for (const s of servers) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
    await sim?.stop();
    await imap?.close();
    tmp.cleanup();
  });

  const invitations = async (base: string) => (await json(await fetch(`${base}/health`))).info.integrations.invitations;

  it('one line per skipped message; neither the mailbox password nor the share token is ever logged', async () => {
    const server = await startServerProcess({ DB_PATH: join(tmp.dir, 'logs.db'), LOG_LEVEL: 'debug', ANALYSIS_BACKEND: 'off', ...simulatorEnv(sim), IMAP_URL: imap.url });
    servers.push(server);
    await waitFor(async () => (await invitations(server.baseUrl)).connected, 15_000, 'the watcher to connect');
    const r = generateSingleSport({ seed: 900, start: new Date(Date.now() - 5 * 60_000), sport: 'run', durationMin: 30 });
    const session = sim.addSession({ race: r, athlete: 'Lia Log', postTrackPointFrequency: 5 });
    sim.release(session.sessionId, 3);
    const link = sim.shareUrl(session.sessionId);
    await imap.append(buildInvitationMail({ athlete: 'Lia Log', link, from: 'Not Garmin <friend@example.org>' }));
    await imap.append(buildInvitationMail({ athlete: 'Lia Log', link }));
    await waitFor(async () => {
      const h = await invitations(server.baseUrl);
      return h.started === 1 && h.skipped === 1;
    }, 15_000, 'one start and one skip');
    const out = server.output();
    expect(out.split('\n').filter((l) => l.includes('invitation skipped')).length).toBe(1);
    expect(out).toContain('invitation: tracking started');
    const password = decodeURIComponent(imap.url.match(/:([^:@/]+)@/)![1]);
    const token = link.match(/\/token\/([^/?#]+)/)![1];
    expect(out).not.toContain(password);
    expect(out).not.toContain(token);
  });

  it('a refused login shows in /health and the logs without the password, and boot goes on', async () => {
    const wrong = 'Wr0ng-s3cret-pass';
    const badUrl = imap.url.replace(/:([^:@/]+)@/, `:${wrong}@`);
    const server = await startServerProcess({ DB_PATH: join(tmp.dir, 'bad.db'), LOG_LEVEL: 'debug', ANALYSIS_BACKEND: 'off', ...simulatorEnv(sim), IMAP_URL: badUrl });
    servers.push(server);
    const h = await waitFor(async () => {
      const now = await invitations(server.baseUrl);
      return now.errors > 0 ? now : null;
    }, 15_000, 'the failed login to be reported');
    expect(h).toMatchObject({ enabled: true, connected: false, last_error: expect.any(String) });
    expect(JSON.stringify(h)).not.toContain(wrong);
    expect(server.output()).toMatch(/IMAP connection to imap:\/\/[^ ]*\*\*\*@/);
    expect(server.output()).not.toContain(wrong);
    expect((await fetch(`${server.baseUrl}/health/ready`)).status).toBe(200);
  });
});
