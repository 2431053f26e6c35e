import { scrubSecret } from './scrub-secret';

describe('scrubSecret', () => {
  it('masks a secret in free text, as written and %-encoded', () => {
    expect(scrubSecret('LOGIN coach hunter2 failed; hunter2', 'hunter2')).toBe('LOGIN coach *** failed; ***');
    expect(scrubSecret('auth a%40b failed', 'a@b')).toBe('auth *** failed');
  });

  it('leaves the text alone without a secret', () => {
    expect(scrubSecret('nothing to hide', null)).toBe('nothing to hide');
    expect(scrubSecret('nothing to hide', '')).toBe('nothing to hide');
  });
});
