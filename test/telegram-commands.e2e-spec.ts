// Telegram two-way commands end to end: the real app long-polls the fake Bot API (getUpdates),
// answers through sendMessage, persists its offset across restarts and holds one getUpdates
// poller per bot token, also with two app instances on one database.
import { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import axios from 'axios';
import { join } from 'node:path';
import { AlertService } from '../src/analysis/alert.service';
import { parseEnv } from '../src/config/app-config';
import { TelegramClient, TelegramPollError } from '../src/telegram/telegram.client';
import { generateSingleSport, LiveTrackSimulator } from '../src/simulator';
import { json, postJson, RunningApp, startApp, tempDir, waitFor } from './support/app';
import { FakeRunner } from './support/fake-runner';
import { FakeTelegram } from './support/fake-telegram';
import { simulatorEnv, startTracking, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const TOKEN = '123456:TEST';
/** The athlete (TELEGRAM_CHAT_ID: alerts go here), the coach (allowed too), and someone else. */
const ATHLETE = '42';
const COACH = '43';
const STRANGER = '77';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function commandStats(baseUrl: string): Promise<any> {
  const health = await json(await fetch(`${baseUrl}/health`));
  return health.details.integrations.telegram.commands;
}

describe('TelegramClient.getUpdates against the fake Bot API', () => {
  let telegram: FakeTelegram;
  const clients: TelegramClient[] = [];
  const client = (token = TOKEN) => {
    const c = new TelegramClient(new HttpService(axios.create()), parseEnv({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_API_BASE: telegram.origin }));
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    Logger.overrideLogger(false); // the client and poller warn on every failure this spec provokes
    telegram = new FakeTelegram(TOKEN, [ATHLETE]);
    await telegram.start();
  });
  afterAll(async () => {
    for (const c of clients) c.beforeApplicationShutdown();
    await telegram.stop();
  });

  it('holds a long poll until an update comes, and confirms earlier updates with the offset', async () => {
    const c = client();
    const first = telegram.pushCommand(ATHLETE, '/help');
    const [u] = await c.getUpdates(null, 5, new AbortController().signal);
    expect(u).toMatchObject({
      update_id: first,
      message: { chat: { id: 42, type: 'private' }, from: { id: 42, is_bot: false }, text: '/help', entities: [{ type: 'bot_command', offset: 0, length: 5 }] },
    });
    // Nothing new: held until the next update is queued.
    const startedAt = Date.now();
    const held = c.getUpdates(first + 1, 5, new AbortController().signal);
    await pause(300);
    expect(telegram.pendingPollers).toBe(1);
    const second = telegram.pushCommand(ATHLETE, '/status');
    expect((await held).map((x) => x.update_id)).toEqual([second]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
    expect(telegram.unconfirmed).toBe(1); // the first one was confirmed by offset first + 1
    expect(telegram.getUpdatesCalls.slice(-1)[0]).toMatchObject({ offset: first + 1, timeout: 5 });
    // Empty after the timeout.
    expect(await c.getUpdates(second + 1, 1, new AbortController().signal)).toEqual([]);
  });

  it('reports a second concurrent poller as a conflict, aborts on request, and never shows the token', async () => {
    const c = client();
    const abort = new AbortController();
    const holding = c.getUpdates(null, 10, abort.signal).catch((e: unknown) => e);
    await waitFor(() => telegram.pendingPollers === 1, 2000, 'the first poll held');
    const conflict = await c.getUpdates(null, 10, new AbortController().signal).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(TelegramPollError);
    expect(conflict).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/^getUpdates: HTTP 409: Conflict: terminated by other getUpdates request/) });
    expect(telegram.maxConcurrentPollers).toBe(2);
    abort.abort();
    expect(await holding).toMatchObject({ kind: 'cancelled' });
    await waitFor(() => telegram.pendingPollers === 0, 2000, 'the aborted poll gone');

    const wrong = await client('999:WRONG').getUpdates(null, 1, new AbortController().signal).catch((e: Error) => e);
    expect(wrong).toMatchObject({ kind: 'unauthorized', message: 'getUpdates: HTTP 401: Unauthorized' });
    expect((wrong as Error).message).not.toContain('WRONG');
  });
});

describe('Telegram commands (getUpdates long polling)', () => {
  const tmp = tempDir();
  const dbPath = join(tmp.dir, 'commands.db');
  let sim: LiveTrackSimulator;
  let telegram: FakeTelegram;
  let runner: FakeRunner;
  let running: RunningApp;

  const env = () => ({
    DB_PATH: dbPath,
    ...simulatorEnv(sim),
    CLAUDE_RUNNER_URL: runner.origin,
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_CHAT_ID: ATHLETE,
    TELEGRAM_API_BASE: telegram.origin,
    TELEGRAM_COMMANDS: 'on',
    TELEGRAM_ALLOWED_CHAT_IDS: `${ATHLETE}, ${COACH}`,
    REPLICA_ID: 'replica-a',
  });

  /** Sends a command from a chat and returns the bot's next reply there. */
  const ask = async (chat: string, text: string): Promise<string> => {
    const before = telegram.sentTo(chat).length;
    telegram.pushCommand(chat, text);
    return waitFor(() => telegram.sentTo(chat)[before], 10000, `a reply to ${text}`);
  };

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 15 });
    await sim.start();
    telegram = new FakeTelegram(TOKEN, [ATHLETE, COACH, STRANGER]);
    await telegram.start();
    runner = new FakeRunner();
    await runner.start();
    running = await startApp(env());
    await waitFor(async () => (await commandStats(running.baseUrl)).polling, 10000, 'the app polling getUpdates');
  });
  afterAll(async () => {
    await running?.close();
    await telegram?.stop();
    await runner?.stop();
    await sim?.stop();
    tmp.cleanup();
  });
  afterEach(() => {
    // Never two getUpdates of the token in flight at once, so Telegram never had to refuse one.
    expect(telegram.maxConcurrentPollers).toBe(1);
    expect(telegram.conflicts).toBe(0);
  });

  it('answers each command exactly once in the chat that asked, and ignores and counts strangers, plain text and edits', async () => {
    const race = generateSingleSport({ seed: 3, start: START, sport: 'bike', durationMin: 30 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1, athlete: 'Jane Doe' });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), {
      race_type: 'bike', race_name: 'Alpine Bike Race', hr_max: 150, power_max: 300, fuel_every_min: 30, ftp_w: 250,
      analyze_interval_secs: 600, min_elapsed_min: 600,
    });
    sim.release(s.sessionId, 60);
    await waitForExactly(running.baseUrl, sim, s.sessionId);

    // In update order; the stranger's /mute comes first so the athlete's /status shows it had no effect.
    telegram.pushCommand(STRANGER, '/mute 60');
    telegram.pushCommand(ATHLETE, '/help');
    telegram.pushCommand(ATHLETE, '/status');
    telegram.pushCommand(STRANGER, '/status');
    telegram.pushCommand(COACH, '/thresholds');
    telegram.pushCommand(COACH, '/STATUS@LiveTrackCoachBot');
    telegram.pushCommand(ATHLETE, 'thanks coach');
    telegram.pushUpdate({ edited_message: telegram.incoming(ATHLETE, '/status') });
    telegram.pushCommand(ATHLETE, '/foo');
    const last = telegram.pushCommand(ATHLETE, '/mute soon');

    const stats = await waitFor(async () => {
      const c = await commandStats(running.baseUrl);
      return c.answered + c.ignored === 10 ? c : null;
    }, 10000, 'every update handled');
    await pause(300); // let a wrong extra reply arrive before counting

    const toAthlete = telegram.sentTo(ATHLETE);
    const toCoach = telegram.sentTo(COACH);
    expect(toAthlete).toHaveLength(4);
    expect(toCoach).toHaveLength(2);
    expect(telegram.sentTo(STRANGER)).toEqual([]);

    const [help, status, unknown, badMute] = toAthlete;
    expect(help).toMatch(/^Commands:\n\/status \[race\]/);
    for (const c of ['/mute N [race]', '/unmute', '/thresholds', '/help']) expect(help).toContain(c);
    const lines = status.split('\n');
    expect(lines[0]).toBe(`Alpine Bike Race — Jane Doe (${s.sessionId}) — Bike`);
    expect(lines[1]).toMatch(/^Elapsed 0:0\d · \d+\.\d km$/);
    expect(lines[2]).toMatch(/^Now: HR \d+ bpm · \d+ W · \d+\.\d km\/h$/);
    expect(lines[lines.length - 1]).toBe('Alerts on.');
    expect(unknown).toBe('Unknown command /foo. Send /help for the commands.');
    expect(badMute).toMatch(/^"soon" is not a number of minutes\. Usage: \/mute N \[race\]/);

    const [thresholds, coachStatus] = toCoach;
    expect(thresholds.split('\n')).toEqual([
      `Alpine Bike Race — Jane Doe (${s.sessionId}) — thresholds`,
      'Bike HR max 150 bpm',
      'Bike power max 300 W',
      'Fuel reminder every 30 moving min',
      'Physiology: FTP 250 W',
      'Change them with POST /control or the update_thresholds tool.',
    ]);
    expect(coachStatus).toBe(status);

    expect(stats).toMatchObject({
      enabled: true, polling: true, replica_id: 'replica-a', allowed_chats: 2,
      answered: 6, ignored: 4, ignored_by: { stranger: 2, not_command: 1, not_message: 1 }, errors: 0, offset: last + 1,
    });
    const health = await json(await fetch(`${running.baseUrl}/health`));
    expect(JSON.stringify(health)).not.toContain(TOKEN);
    // Long polls, asking only for messages.
    expect(telegram.getUpdatesCalls.length).toBeGreaterThan(0);
    expect(telegram.getUpdatesCalls.every((c) => c.timeout === 25)).toBe(true);
  });

  it('with two races active, /status lists them and /status <name> answers that one', async () => {
    const race = generateSingleSport({ seed: 5, start: START, sport: 'run', durationMin: 30 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), {
      race_type: 'run', race_name: 'City Marathon', run_hr_max: 175, analyze_interval_secs: 600, min_elapsed_min: 600,
    });
    sim.release(s.sessionId, 60);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    const bike = sim.sessions().find((x) => x.sessionId !== s.sessionId)!;

    const list = await ask(ATHLETE, '/status');
    expect(list).toMatch(/^2 races are active:\n/);
    expect(list).toContain(`• Alpine Bike Race — Jane Doe (${bike.sessionId})`);
    expect(list).toContain(`• City Marathon`);
    expect(list).toContain(`(${s.sessionId})`);
    expect(list).toMatch(/Name one by its name or id, e.g. \/status \S+$/);

    const run = await ask(ATHLETE, '/status marathon');
    expect(run).toMatch(new RegExp(`^City Marathon — .*\\(${s.sessionId}\\) — Run\n`));
    expect(run).toMatch(/\nNow: HR \d+ bpm · pace \d+:\d\d \/km\n/);
    expect(await ask(ATHLETE, `/status ${bike.sessionId}`)).toMatch(/^Alpine Bike Race .* — Bike\n/);
    expect(await ask(COACH, '/thresholds city')).toContain('Run HR max 175 bpm');
    expect(await ask(COACH, '/mute 5')).toMatch(/^2 races are active:[\s\S]*e\.g\. \/mute 5 \S+$/);
    expect(await ask(COACH, '/status nowhere')).toMatch(/^No active race matches "nowhere"\. Active:\n/);

    for (const id of [s.sessionId, bike.sessionId]) expect((await postJson(`${running.baseUrl}/sessions/${id}/stop`, {})).status).toBe(200);
    expect(await ask(ATHLETE, '/status')).toBe('No race is being tracked right now.');
  });

  it('after a restart on the same database answers nothing twice, and a command sent while down once', async () => {
    const before = await commandStats(running.baseUrl);
    const sent = telegram.messages.length;
    await running.close();
    await waitFor(() => telegram.pendingPollers === 0, 5000, 'the old poller gone');

    const whileDown = telegram.pushCommand(COACH, '/help');
    // As if Telegram had lost every confirmation: only the stored offset keeps old commands from
    // being answered again.
    telegram.redeliverAll();
    const firstCall = telegram.getUpdatesCalls.length;
    running = await startApp(env());

    await waitFor(() => telegram.messages.length > sent, 10000, 'the command sent while down answered');
    await pause(500);
    expect(telegram.messages.slice(sent).map((m) => [m.chat_id, m.text.split('\n')[0]])).toEqual([[COACH, 'Commands:']]);
    // The new process asked from the stored offset at once.
    expect(telegram.getUpdatesCalls[firstCall].offset).toBe(before.offset);
    expect(await commandStats(running.baseUrl)).toMatchObject({ polling: true, answered: 1, ignored: 0, errors: 0, offset: whileDown + 1 });
  });

  it('/mute N silences threshold alerts and fuelling reminders for N minutes; /unmute ends a mute early', async () => {
    // 5 s points; in every 24 (2 race minutes): 60 s at HR 160 (ceiling 150: one alert), then
    // 60 s at 140 (back inside by the margin: the next breach alerts again). Fuel every moving minute.
    const race = generateSingleSport({ seed: 8, start: START, sport: 'bike', durationMin: 30 });
    race.points.forEach((p, i) => {
      if (p.totalDistanceMeters !== undefined) p.heartRateBeatsPerMin = i % 24 < 12 ? 160 : 140;
    });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), {
      race_type: 'bike', race_name: 'Mute Test', hr_max: 150, fuel_every_min: 1, analyze_interval_secs: 600, min_elapsed_min: 600,
    });
    const alerts = running.app.get(AlertService);
    // Alerts go to TELEGRAM_CHAT_ID (the athlete), which also got command replies above.
    const athleteAlerts = () => telegram.sentTo(ATHLETE).filter((t) => t.startsWith('Bike: '));
    /** Releases 2 race minutes and waits until their HR alert and fuel reminder are judged. */
    const batch = async () => {
      const n = alerts.recentAlerts(s.sessionId).length;
      sim.release(s.sessionId, 24);
      await waitForExactly(running.baseUrl, sim, s.sessionId);
      return waitFor(() => {
        const list = alerts.recentAlerts(s.sessionId);
        return list.length >= n + 2 ? list.slice(n) : null;
      }, 10000, 'the batch judged');
    };
    const kinds = (list: Array<{ kind: string; outcome: string }>) => list.map((a) => `${a.kind}:${a.outcome}`).sort();

    // Not muted: both delivered to the athlete.
    expect(kinds(await batch())).toEqual(['fuel:delivered', 'threshold:delivered']);
    expect(athleteAlerts()).toHaveLength(2);

    // /mute 0.15 = 9 s: alerts of the next batch are recorded as muted, nothing is sent.
    const muted = await ask(COACH, '/mute 0.15');
    const mutedAt = Date.now();
    expect(muted).toMatch(/^Alerts and fuelling reminders for Mute Test .* muted for 9 s \(until \d\d:\d\d UTC\)\. \/unmute to resume\.$/);
    expect(await ask(COACH, '/status')).toMatch(/\nAlerts muted: \d s left/);
    expect(kinds(await batch())).toEqual(['fuel:muted', 'threshold:muted']);
    await pause(300);
    expect(athleteAlerts()).toHaveLength(2);

    // Mute over: delivered again.
    await waitFor(() => Date.now() > mutedAt + 9000 + 200, 15000, 'the mute to expire');
    expect(kinds(await batch())).toEqual(['fuel:delivered', 'threshold:delivered']);
    await waitFor(() => athleteAlerts().length === 4, 5000, 'alerts delivered after the mute');

    // A long mute, ended by /unmute.
    expect(await ask(COACH, '/mute 10')).toMatch(/muted for 10 min/);
    expect(kinds(await batch())).toEqual(['fuel:muted', 'threshold:muted']);
    expect(await ask(COACH, '/unmute')).toBe(`Alerts for Mute Test — Sim Athlete (${s.sessionId}) are back on.`);
    expect(await ask(COACH, '/unmute')).toMatch(/were not muted/);
    expect(kinds(await batch())).toEqual(['fuel:delivered', 'threshold:delivered']);
    await waitFor(() => athleteAlerts().length === 6, 5000, 'alerts delivered after /unmute');
    await pause(300);

    const texts = athleteAlerts();
    expect(texts.filter((t) => /^Bike: HR 160 for 30 s, ceiling 150 — ease off$/.test(t))).toHaveLength(3);
    expect(texts.filter((t) => /^Bike: fuel now — 1 min moving/.test(t))).toHaveLength(3);
    const st = await json(await fetch(`${running.baseUrl}/sessions/${s.sessionId}`));
    expect(st.alerts_sent).toBe(6);
    await postJson(`${running.baseUrl}/sessions/${s.sessionId}/stop`, {});
  });
});

describe('Telegram commands with two app instances on one database', () => {
  const tmp = tempDir();
  let telegram: FakeTelegram;
  const apps: RunningApp[] = [];

  const start = async (replica: string) => {
    const app = await startApp({
      DB_PATH: join(tmp.dir, 'shared.db'),
      LIVETRACK_BACKOFF_SCALE: '0.001',
      CLAUDE_RUNNER_URL: 'http://127.0.0.1:9',
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: ATHLETE,
      TELEGRAM_API_BASE: telegram.origin,
      TELEGRAM_COMMANDS: 'on',
      REPLICA_ID: replica,
    });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    telegram = new FakeTelegram(TOKEN, [ATHLETE]);
    await telegram.start();
  });
  afterAll(async () => {
    for (const app of apps.reverse()) await app.close().catch(() => undefined);
    await telegram?.stop();
    tmp.cleanup();
  });

  it('only the lease holder polls getUpdates; the other takes over when it stops, from the stored offset', async () => {
    const a = await start('replica-a');
    await waitFor(async () => (await commandStats(a.baseUrl)).polling, 10000, 'replica-a polling');
    const b = await start('replica-b');
    await pause(1500); // several of b's lease attempts (every 250 ms at this backoff scale)
    expect(await commandStats(b.baseUrl)).toMatchObject({ polling: false, lease_holder: 'replica-a' });

    const first = telegram.pushCommand(ATHLETE, '/help');
    await waitFor(() => telegram.messages.length === 1, 10000, 'the reply');
    await pause(500);
    expect(telegram.messages).toHaveLength(1);
    expect(await commandStats(a.baseUrl)).toMatchObject({ polling: true, answered: 1 });
    expect(await commandStats(b.baseUrl)).toMatchObject({ polling: false, answered: 0 });

    await a.close();
    apps.splice(apps.indexOf(a), 1);
    await waitFor(async () => (await commandStats(b.baseUrl)).polling, 10000, 'replica-b taking over');
    const second = telegram.pushCommand(ATHLETE, '/status');
    await waitFor(() => telegram.messages.length === 2, 10000, 'the reply from replica-b');
    await pause(500);
    expect(telegram.messages.map((m) => m.text)).toEqual([expect.stringMatching(/^Commands:/), 'No race is being tracked right now.']);
    expect(await commandStats(b.baseUrl)).toMatchObject({ polling: true, answered: 1, offset: second + 1 });
    // b's first poll confirmed a's last update (stored offset), so nothing was answered twice.
    expect(telegram.getUpdatesCalls.some((c) => c.offset === first + 1)).toBe(true);
    expect(telegram.maxConcurrentPollers).toBe(1);
    expect(telegram.conflicts).toBe(0);
  });
});
