import { InputError } from '../common/errors';
import { EMPTY_THRESHOLDS } from '../control/thresholds';
import { RACE_CONFIG_DEFAULTS } from './race-config';
import { raceConfigInputFor, runsOnDefaults, startConfig } from './start-config';

describe('start config', () => {
  it('merges thresholds and fills race_config defaults', () => {
    const out = startConfig({ hr_max: 140, power_max: 200 }, { hr_max: 150, ftp_w: 250, race_type: 'bike' });
    expect(out.thresholds).toEqual({ ...EMPTY_THRESHOLDS, hr_max: 150, power_max: 200 });
    expect(out.raceConfig).toEqual({ ...RACE_CONFIG_DEFAULTS, ftp_w: 250, race_type: 'bike' });
    expect(out.thresholdsChanged).toBe(true);
    expect(startConfig({}, { race_name: 'x' }).thresholdsChanged).toBe(false);
  });

  it('refuses a min above its max', () => {
    expect(() => startConfig({ hr_max: 140 }, { hr_min: 150 })).toThrow(InputError);
  });

  it("uses the athlete's race_config only when the caller gave none", () => {
    const athlete = { race_config: { hr_max: 150 } };
    expect(raceConfigInputFor({}, athlete)).toEqual({ hr_max: 150 });
    expect(raceConfigInputFor({ race_config: undefined }, athlete)).toEqual({ hr_max: 150 });
    expect(raceConfigInputFor({ poll_interval_secs: 5 }, athlete)).toEqual({ poll_interval_secs: 5 });
    expect(raceConfigInputFor({}, null)).toEqual({});
  });

  it('knows a session still on the defaults from one given or changed settings', () => {
    const plain = { raceConfig: { ...RACE_CONFIG_DEFAULTS }, thresholds: { ...EMPTY_THRESHOLDS }, thresholdsUpdatedBy: null };
    expect(runsOnDefaults(plain)).toBe(true);
    expect(runsOnDefaults({ ...plain, raceConfig: { ...RACE_CONFIG_DEFAULTS, poll_interval_secs: 5 } })).toBe(false);
    expect(runsOnDefaults({ ...plain, thresholds: { ...EMPTY_THRESHOLDS, hr_max: 150 } })).toBe(false);
    expect(runsOnDefaults({ ...plain, thresholdsUpdatedBy: 'control' })).toBe(false);
  });
});
