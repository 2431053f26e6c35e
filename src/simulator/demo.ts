// `npm run demo`: the replay simulator and the service together, tracking three athletes of a
// replayed triathlon, so a new user sees the coach board live within seconds. Works offline:
// everything runs on loopback. `npm run demo -- --invite` adds a fourth athlete whose tracking
// starts from a simulated Garmin invitation e-mail delivered to a local mailbox (a throwaway
// dovecot, or the mailbox IMAP_URL names).
import 'reflect-metadata';
import { createApp } from '../bootstrap';
import { ConfigError, parseEnv } from '../config/app-config';
import { JsonLogger } from '../common/json-logger';
import { parseImapUrl } from '../invitations/imap-url';
import { buildInvitationMail, deliverToMailbox } from './invitation-mail';
import { LiveTrackSimulator } from './livetrack-simulator';
import { localImapUnavailable, startLocalImapServer } from './local-imap-server';
import { generateTriathlon } from './race-generator';

const SPEEDUP = Number(process.env.DEMO_SPEEDUP ?? 30);
const SIM_PORT = Number(process.env.DEMO_SIM_PORT ?? 38190);
const INVITE = process.argv.includes('--invite') || process.env.DEMO_INVITE === '1';

interface DemoAthlete {
  athlete: string;
  waveMin: number;
  seed: number;
  hr_max: number;
  power_max: number;
  ftp_w: number;
  cp_w: number;
  standstills?: Array<{ atMin: number; forMin: number }>;
  /** Tracked from an invitation e-mail (--invite) instead of POST /sessions. */
  invited?: boolean;
}

/** The mailbox the invitation goes to: IMAP_URL's when set, else a throwaway local dovecot. */
async function demoMailbox(): Promise<{ url: string; close(): Promise<void> }> {
  if (process.env.IMAP_URL) return { url: process.env.IMAP_URL, close: async () => undefined };
  const missing = localImapUnavailable();
  if (missing) throw new Error(`--invite needs a mailbox: ${missing}; or set IMAP_URL=imap://user:password@host:port/INBOX`);
  const server = await startLocalImapServer();
  return { url: server.url('INBOX'), close: () => server.close() };
}

async function main(): Promise<void> {
  // A fresh session id per run, so a replay never mixes with a previous demo's stored points.
  const sim = new LiveTrackSimulator({ seed: Date.now() % 1_000_000_007 });
  const simOrigin = await sim.start(SIM_PORT);
  const mailbox = INVITE ? await demoMailbox() : null;
  let config;
  try {
    config = parseEnv({
      DB_PATH: './data/demo.db',
      LOG_LEVEL: 'warn',
      ...process.env,
      ...(mailbox ? { IMAP_URL: mailbox.url } : {}),
      // The demo must be allowed to track its own simulator.
      LIVETRACK_ALLOWED_ORIGINS: [simOrigin, process.env.LIVETRACK_ALLOWED_ORIGINS].filter(Boolean).join(','),
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Invalid configuration: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  // Three athletes of one race in staggered waves; the third stops on the bike (points keep coming,
  // speed 0), so the board shows "stopped moving" on top. Each watch carries the bike course, so
  // the service reads it by itself and shows progress and an ETA to T2.
  const now = Date.now();
  const athletes = ([
    { athlete: 'Alex Example', waveMin: 0, seed: 2026, hr_max: 150, power_max: 230, ftp_w: 250, cp_w: 260 },
    { athlete: 'Bea Sample', waveMin: 3, seed: 2027, hr_max: 145, power_max: 220, ftp_w: 235, cp_w: 245 },
    { athlete: 'Cem Demo', waveMin: 6, seed: 2028, hr_max: 152, power_max: 240, ftp_w: 265, cp_w: 275, standstills: [{ atMin: 55, forMin: 20 }] },
    // Tracked from her invitation e-mail, with her athlete profile's race_config.
    ...(mailbox ? [{ athlete: 'Dana Mail', waveMin: 9, seed: 2029, hr_max: 148, power_max: 225, ftp_w: 240, cp_w: 250, invited: true }] : []),
  ] satisfies DemoAthlete[]).map((a: DemoAthlete) => {
    const race = generateTriathlon({ seed: a.seed, start: new Date(now + a.waveMin * 60_000), standstills: a.standstills });
    const session = sim.addSession({ race, sessionName: 'Demo 70.3', athlete: a.athlete, postTrackPointFrequency: 2, course: 'bike' });
    return { ...a, race, session };
  });
  const app = await createApp(config, { logger: new JsonLogger(config.logLevel, config.logFormat) });
  await app.listen(config.port, config.host);
  const base = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
  console.log(`Coach board: ${base}/dashboard`);

  const headers = { 'content-type': 'application/json', ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}) };
  for (const a of athletes) {
    const raceConfig = {
      race_name: 'Demo 70.3', race_type: 'triathlon', poll_interval_secs: 2, analyze_interval_secs: 120, hr_max: a.hr_max, power_max: a.power_max, run_hr_max: 165,
      // Physiology, so the metrics show NP/IF/TSS, W′ balance and HR zones, plus fuelling reminders.
      ftp_w: a.ftp_w, cp_w: a.cp_w, w_prime_j: 20000, lthr_bpm: 160, run_lthr_bpm: 165, fuel_every_min: 20,
    };
    if (a.invited) {
      // Her profile carries the race_config; the invitation names her, the service matches it.
      const res = await fetch(`${base}/athletes/dana`, { method: 'PUT', headers, body: JSON.stringify({ display_name: a.athlete, race_config: raceConfig }) });
      if (!res.ok) throw new Error(`could not store the demo athlete ${a.athlete}: HTTP ${res.status} ${await res.text()}`);
      await deliverToMailbox(mailbox!.url, buildInvitationMail({ athlete: a.athlete, link: sim.shareUrl(a.session.sessionId) }));
    } else {
      const res = await fetch(`${base}/sessions`, { method: 'POST', headers, body: JSON.stringify({ url: sim.shareUrl(a.session.sessionId), race_config: raceConfig }) });
      if (!res.ok) throw new Error(`could not start the demo session of ${a.athlete}: HTTP ${res.status} ${await res.text()}`);
    }
    // Each wave starts its clock when the race time reaches its start.
    const timer = setTimeout(() => sim.play(a.session.sessionId, SPEEDUP, { finishAtEnd: true }), (a.waveMin * 60_000) / SPEEDUP);
    timer.unref();
  }
  const [first] = athletes;
  const id = first.session.sessionId;
  const hours = ((first.race.end.getTime() - first.race.start.getTime()) / 3_600_000).toFixed(1);
  console.log(
    [
      '',
      `livetrack-mcp demo: replaying a ${hours} h triathlon at ${SPEEDUP}x for ${athletes.length} athletes in waves 3 min apart;`,
      `  ${athletes[2].athlete} stops on the bike after ${athletes[2].standstills![0].atMin} min (the board shows "stopped moving")`,
      `  board      ${base}/dashboard`,
      ...athletes.map((a) => `  ${a.athlete.padEnd(12)} ${base}/dashboard/${a.session.sessionId}`),
      ...(mailbox
        ? [`  invitation ${athletes.at(-1)!.athlete}'s LiveTrack e-mail was delivered to ${parseImapUrl(mailbox.url).redactedUrl}; her tracking starts from it (/health shows the invitations counters)`]
        : []),
      `  status     ${base}/sessions/${id}`,
      `  points     ${base}/sessions/${id}/points?minutes=10`,
      `  metrics    ${base}/sessions/${id}/metrics (NP, TSS, decoupling, W′ balance)`,
      `  course     ${base}/sessions/${id}/course (bike course: progress and ETA, once the bike starts)`,
      `  sessions   ${base}/sessions`,
      `  health     ${base}/health`,
      `  swagger    ${base}/docs`,
      `  MCP        ${base}${config.mcpPath} (Streamable HTTP), ${base}/sse (SSE)`,
      `  simulator  ${simOrigin} (fake Garmin LiveTrack)`,
      '',
      'Ctrl-C to stop.',
    ].join('\n'),
  );

  const shutdown = async () => {
    await app.close();
    await sim.stop();
    await mailbox?.close();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error) => {
  console.error(`demo failed: ${(error as Error).message}`);
  process.exit(1);
});
