// Shared bench helpers. Benches run against the compiled app in dist/ (npm run bench builds it).
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const round = (v, digits = 3) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

/** A realistic stored trackpoint (as the tracker writes it). */
function makePoint(time, i) {
  return {
    time,
    lat: 46.5 + i * 1e-5,
    lon: 6.6 + i * 1e-5,
    altitudeM: 400 + (i % 50),
    speedMps: 9.5,
    distanceM: i * 9.5,
    durationS: i,
    heartRate: 140 + (i % 20),
    cadence: 88,
    power: 200 + (i % 40),
    activityType: 'CYCLING',
    leg: 'bike',
    status: 'MOVING',
  };
}

/** An initialised TypeORM DataSource + TrackStore on a file, migrations applied. */
async function openStore(dbPath) {
  const { DataSource } = require('typeorm');
  const { sqliteOptions } = require('../dist/storage/data-source-options');
  const { TrackStore } = require('../dist/storage/track-store.service');
  const dataSource = new DataSource({ ...sqliteOptions(dbPath), logging: false });
  await dataSource.initialize();
  return { dataSource, store: new TrackStore(dataSource) };
}

async function createSession(store, id, now = Date.now()) {
  const { RaceSessionEntity } = require('../dist/storage/race-session.entity');
  await store.createSession(Object.assign(new RaceSessionEntity(), {
    id, shareUrl: `https://livetrack.garmin.com/session/${id}/token/BENCH`, raceConfig: {}, thresholds: {}, state: 'active',
    stopReason: null, stopDetail: null, sessionName: null, athlete: null, garminStart: null, garminEnd: null,
    postFrequencyS: null, startedAt: now, stoppedAt: null, updatedAt: now, lastPointAt: null, lastNewPointReceivedAt: null,
    points: 0, polls: 0, pollErrors: 0, lastError: null, lastErrorAt: null, lastPollAt: null, rejectedPoints: 0,
    analysisRuns: 0, analysisErrors: 0, lastAnalysisAt: null, lastAnalysisResult: null, alertsSent: 0,
    thresholdsUpdatedAt: null, thresholdsUpdatedBy: null, alertsMutedUntil: null,
  }));
}

module.exports = { tempDir, percentile, round, makePoint, openStore, createSession };
