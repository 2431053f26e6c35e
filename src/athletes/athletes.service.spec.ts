import { Logger } from '@nestjs/common';
import { openTestDataSource, TestDataSource } from '../../test/support/pg-database';
import { ConflictError, InputError, NotFoundError } from '../common/errors';
import { AthleteStore } from '../storage/athlete-store.service';
import { AthletesService } from './athletes.service';

describe('AthletesService on SQLite', () => {
  let db: TestDataSource;
  let athletes: AthletesService;

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));
  beforeEach(async () => {
    db = await openTestDataSource('sqlite', 'athletes');
    athletes = new AthletesService(new AthleteStore(db.dataSource));
  });
  afterEach(() => db.close());

  it("matches Garmin's name ignoring case, accents and spacing, and nothing else", async () => {
    await athletes.put('zoe', { display_name: 'Zoë Müller', race_config: { hr_max: 150 } });
    await athletes.put('al', { display_name: 'Al Smith' });
    expect((await athletes.matchGarminName('zoe muller'))?.key).toBe('zoe');
    expect((await athletes.matchGarminName(' ZOË   MÜLLER '))?.key).toBe('zoe');
    expect((await athletes.matchGarminName('Zoe Mueller'))).toBeNull();
    expect(await athletes.matchGarminName('')).toBeNull();
    expect(await athletes.matchGarminName(null)).toBeNull();
    // A renamed athlete matches by the new name only.
    await athletes.put('zoe', { display_name: 'Zoë Weber' });
    expect(await athletes.matchGarminName('Zoë Müller')).toBeNull();
    expect((await athletes.matchGarminName('zoe weber'))?.race_config).toEqual({});
  });

  it('refuses a name another athlete has, a bad key, and unknown athletes', async () => {
    await athletes.put('zoe', { display_name: 'Zoë Müller' });
    await expect(athletes.put('zoe2', { display_name: 'ZOE MULLER' })).rejects.toThrow(ConflictError);
    await expect(athletes.put('no such/key', { display_name: 'X' })).rejects.toThrow(expect.objectContaining({ fields: ['key'] }));
    await expect(athletes.put('x', { display_name: 'X', race_config: { hr_max: 0 } })).rejects.toThrow(InputError);
    await expect(athletes.get('nobody')).rejects.toThrow(NotFoundError);
    await expect(athletes.remove('nobody')).rejects.toThrow(NotFoundError);
    expect(await athletes.telegramChatOf('nobody')).toBeNull();
    expect(await athletes.telegramChatOf(null)).toBeNull();
  });
});
