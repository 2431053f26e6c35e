import { InputError } from '../common/errors';
import { checkAthleteKey, validateAthleteInput } from './athlete-input';

async function fieldsOf(input: unknown): Promise<string[]> {
  try {
    await validateAthleteInput(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).fields;
  }
  throw new Error('expected an InputError');
}

describe('athlete keys', () => {
  it.each(['zoe', 'Zoe-2', 'team.a_b', '0', 'a'.repeat(64)])('accepts %s', (key) => {
    expect(checkAthleteKey(key)).toBe(key);
  });

  it.each(['', '-zoe', '.zoe', 'zo e', 'zoë', 'a/b', 'a'.repeat(65), '../x'])('refuses %j naming key', (key) => {
    expect(() => checkAthleteKey(key)).toThrow(expect.objectContaining({ fields: ['key'] }));
  });
});

describe('athlete input', () => {
  it('keeps display_name (spacing tidied), race_config as given and the chat', async () => {
    const input = await validateAthleteInput({
      display_name: '  Zoë   Müller ', race_config: { hr_max: 150, race_type: 'bike', ftp_w: 250, fuel_every_min: 30 }, telegram_chat_id: '-100123',
    });
    expect(input).toEqual({ display_name: 'Zoë Müller', race_config: { hr_max: 150, race_type: 'bike', ftp_w: 250, fuel_every_min: 30 }, telegram_chat_id: '-100123' });
    expect(await validateAthleteInput({ display_name: 'A', telegram_chat_id: '@coach_channel' })).toEqual({
      display_name: 'A', race_config: {}, telegram_chat_id: '@coach_channel',
    });
  });

  it('applies the POST /sessions race_config rules, naming each field', async () => {
    expect(await fieldsOf({ display_name: 'A', race_config: { hr_max: 150.5 } })).toEqual(['race_config.hr_max']);
    expect(await fieldsOf({ display_name: 'A', race_config: { race_type: 'swimrun' } })).toEqual(['race_config.race_type']);
    expect(await fieldsOf({ display_name: 'A', race_config: { poll_interval_secs: 0, ftp_w: -1 } })).toEqual(
      expect.arrayContaining(['race_config.poll_interval_secs', 'race_config.ftp_w']),
    );
    expect(await fieldsOf({ display_name: 'A', race_config: { bogus: 1 } })).toEqual(['race_config.bogus']);
    expect(await fieldsOf({ display_name: 'A', race_config: { hr_min: 160, hr_max: 150 } })).toEqual(['race_config.hr_min', 'race_config.hr_max']);
  });

  it('names display_name, telegram_chat_id and unknown top-level fields', async () => {
    expect(await fieldsOf({})).toEqual(['display_name']);
    expect(await fieldsOf({ display_name: '   ' })).toEqual(['display_name']);
    expect(await fieldsOf({ display_name: 'A', telegram_chat_id: 'my chat' })).toEqual(['telegram_chat_id']);
    expect(await fieldsOf({ display_name: 'A', telegram_chat_id: 42 })).toEqual(['telegram_chat_id']);
    expect(await fieldsOf({ display_name: 'A', colour: 'red' })).toEqual(['colour']);
    expect(await fieldsOf('zoe')).toEqual(['display_name']);
  });
});
