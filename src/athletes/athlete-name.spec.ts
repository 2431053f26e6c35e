import { normalizeAthleteName, sameAthleteName } from './athlete-name';

describe('athlete names', () => {
  it('folds case, accents and spacing', () => {
    expect(normalizeAthleteName('  Zoë   Müller ')).toBe('zoe muller');
    expect(normalizeAthleteName('FRANÇOIS\tLefèvre')).toBe('francois lefevre');
    expect(normalizeAthleteName('Ørjan Ås')).toBe('ørjan as'); // Ø is a letter of its own, not an accented O
  });

  it('treats precomposed and decomposed accents alike', () => {
    expect(normalizeAthleteName('Zo\u00EB')).toBe(normalizeAthleteName('Zoe\u0308'));
  });

  it('matches the same athlete whatever the spelling of case and accents', () => {
    expect(sameAthleteName('Zoë Müller', 'zoe muller')).toBe(true);
    expect(sameAthleteName('ZOE MULLER', ' Zoë  Müller')).toBe(true);
    expect(sameAthleteName('Zoë Müller', 'Zoe Mueller')).toBe(false);
    expect(sameAthleteName('Zoë Müller', 'Zoë')).toBe(false);
  });

  it('never matches a missing or blank name', () => {
    expect(sameAthleteName(null, 'x')).toBe(false);
    expect(sameAthleteName('x', undefined)).toBe(false);
    expect(sameAthleteName('', '')).toBe(false);
    expect(sameAthleteName('   ', '   ')).toBe(false);
  });
});
