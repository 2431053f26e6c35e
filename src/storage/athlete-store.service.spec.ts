import { openTestDataSource, sessionRow, TestDataSource } from '../../test/support/pg-database';
import { AthleteStore } from './athlete-store.service';
import { TrackStore } from './track-store.service';

describe.each(['sqlite', 'postgres'] as const)('AthleteStore on a real %s database', (kind) => {
  let db: TestDataSource;
  let athletes: AthleteStore;

  beforeEach(async () => {
    db = await openTestDataSource(kind, 'athletestore');
    athletes = new AthleteStore(db.dataSource);
  });
  afterEach(() => db.close());

  const zoe = { key: 'zoe', displayName: 'Zoë Müller', nameKey: 'zoe muller', raceConfig: { hr_max: 150, ftp_w: 250 }, telegramChatId: '-100200' };

  it('creates, replaces (keeping created_at), finds by key and by name, lists by key and deletes', async () => {
    const created = await athletes.saveAthlete(zoe, 1_000);
    expect(created).toEqual({ ...zoe, createdAt: 1_000, updatedAt: 1_000 });
    await athletes.saveAthlete({ key: 'al', displayName: 'Al', nameKey: 'al', raceConfig: {}, telegramChatId: null }, 1_500);
    const replaced = await athletes.saveAthlete({ ...zoe, raceConfig: { run_hr_max: 160 }, telegramChatId: null }, 2_000);
    expect(replaced).toEqual({ ...zoe, raceConfig: { run_hr_max: 160 }, telegramChatId: null, createdAt: 1_000, updatedAt: 2_000 });
    expect((await athletes.findAthleteByNameKey('zoe muller'))?.key).toBe('zoe');
    expect(await athletes.findAthleteByNameKey('zoe')).toBeNull();
    expect((await athletes.listAthletes()).map((a) => a.key)).toEqual(['al', 'zoe']);
    expect(await athletes.deleteAthlete('zoe')).toBe(true);
    expect(await athletes.deleteAthlete('zoe')).toBe(false);
    expect(await athletes.findAthlete('zoe')).toBeNull();
  });

  it('refuses a second athlete with the same name key', async () => {
    await athletes.saveAthlete(zoe);
    expect(await athletes.saveAthlete({ ...zoe, key: 'zoe2' })).toBe('name_taken');
    expect((await athletes.listAthletes()).map((a) => a.key)).toEqual(['zoe']);
  });

  it('stores the athlete a session was matched to', async () => {
    const sessions = new TrackStore(db.dataSource);
    await sessions.createSession(sessionRow('s1', 1_000));
    expect((await sessions.findSession('s1'))?.athleteKey).toBeNull();
    await sessions.updateSession('s1', { athleteKey: 'zoe' });
    expect((await sessions.findSession('s1'))?.athleteKey).toBe('zoe');
  });
});
