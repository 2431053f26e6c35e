import { dmarcFailed, isAllowedSender, parseAllowedSenders } from './senders';

describe('allowed senders', () => {
  const allowed = parseAllowedSenders('garmin.com, Coach@Example.org');

  it('admits the domain and its subdomains, on a label boundary only', () => {
    expect(isAllowedSender('noreply@garmin.com', allowed)).toBe(true);
    expect(isAllowedSender('NoReply@Mail.Garmin.com', allowed)).toBe(true);
    expect(isAllowedSender('noreply@garmin.com.evil.example', allowed)).toBe(false);
    expect(isAllowedSender('noreply@evilgarmin.com', allowed)).toBe(false);
    expect(isAllowedSender('garmin.com@evil.example', allowed)).toBe(false);
  });

  it('admits exact addresses only as written (case-insensitive)', () => {
    expect(isAllowedSender('coach@example.org', allowed)).toBe(true);
    expect(isAllowedSender('other@example.org', allowed)).toBe(false);
    expect(isAllowedSender('coach@sub.example.org', allowed)).toBe(false);
  });

  it('refuses blanks and non-addresses', () => {
    for (const a of ['', null, undefined, 'garmin.com', '@garmin.com', 'noreply@']) expect(isAllowedSender(a, allowed)).toBe(false);
  });

  it('rejects bad list entries naming them', () => {
    expect(() => parseAllowedSenders('garmin.com,exa mple.org')).toThrow(/"exa mple.org"/);
    expect(() => parseAllowedSenders('a@b@c')).toThrow(/"a@b@c" is not an e-mail address/);
    expect(() => parseAllowedSenders(' , ')).toThrow(/lists no sender/);
    expect(parseAllowedSenders('@garmin.com').domains).toEqual(['garmin.com']);
  });

  it('reads a DMARC failure from Authentication-Results', () => {
    expect(dmarcFailed(['mx.google.com; spf=softfail smtp.mailfrom=x.example; dmarc=fail (p=REJECT) header.from=garmin.com'])).toBe(true);
    expect(dmarcFailed(['mx.google.com; dkim=pass; spf=pass; dmarc=pass header.from=garmin.com'])).toBe(false);
    expect(dmarcFailed([])).toBe(false);
  });
});
