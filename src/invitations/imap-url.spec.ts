import { parseImapUrl, redactImapUrlText } from './imap-url';
import { ConfigError, parseEnv } from '../config/app-config';

describe('parseImapUrl', () => {
  it('reads user, password, host, port and mailbox, decoding %-escapes', () => {
    const s = parseImapUrl('imaps://coach%40gmail.com:abcd%20efgh%40@imap.gmail.com:993/LiveTrack%20Invites');
    expect(s).toEqual({
      secure: true,
      host: 'imap.gmail.com',
      port: 993,
      user: 'coach@gmail.com',
      password: 'abcd efgh@',
      mailbox: 'LiveTrack Invites',
      redactedUrl: 'imaps://coach%40gmail.com:***@imap.gmail.com:993/LiveTrack%20Invites',
    });
  });

  it('defaults the port by scheme and the mailbox to INBOX', () => {
    expect(parseImapUrl('imap://u:p@127.0.0.1')).toMatchObject({ secure: false, port: 143, mailbox: 'INBOX', host: '127.0.0.1' });
    expect(parseImapUrl('imaps://u:p@mail.example.org/')).toMatchObject({ secure: true, port: 993, mailbox: 'INBOX' });
    expect(parseImapUrl('IMAPS://u:p@[::1]:1993/INBOX')).toMatchObject({ host: '::1', port: 1993 });
  });

  it.each([
    ['https://u:p@imap.example.org/INBOX', /imap:\/\/ or imaps:\/\//],
    ['imap.example.org', /imap:\/\/ or imaps:\/\//],
    ['imaps://imap.example.org/INBOX', /no user name/],
    ['imaps://coach@imap.example.org/INBOX', /no password/],
    ['imaps://u:p@imap.example.org:99999/INBOX', /not a valid URL|invalid port/],
    ['imaps://u:p@imap.example.org/INBOX?x=1', /query/],
    ['imaps://u:%E0%A4%A@imap.example.org/INBOX', /%-escape/],
  ])('refuses %s with a message that names the problem', (raw, message) => {
    expect(() => parseImapUrl(raw)).toThrow(message);
  });

  it('never puts the password in an error message', () => {
    for (const raw of ['imaps://u:s3cr3t-pw@imap.example.org/INBOX?x=1', 'imaps://u:s3cr3t-pw@imap.example.org:0/INBOX', 'ftp://u:s3cr3t-pw@x/']) {
      try {
        parseImapUrl(raw);
        throw new Error('expected a failure');
      } catch (error) {
        expect((error as Error).message).not.toContain('s3cr3t-pw');
      }
    }
  });
});

describe('redaction helpers', () => {
  it('masks the password of a raw URL', () => {
    expect(redactImapUrlText('imaps://coach:hunter2@imap.example.org/INBOX')).toBe('imaps://coach:***@imap.example.org/INBOX');
  });
});

describe('IMAP_URL and IMAP_ALLOWED_SENDERS at boot', () => {
  it('is off by default and allows garmin.com', () => {
    const config = parseEnv({});
    expect(config.imap).toBeNull();
    expect([...config.imapAllowedSenders.domains]).toEqual(['garmin.com']);
  });

  it('stops boot with one line naming the variable, password masked', () => {
    const bad = () => parseEnv({ IMAP_URL: 'imaps://coach:hunter2@imap.example.org:70000/INBOX' });
    expect(bad).toThrow(ConfigError);
    try {
      bad();
    } catch (error) {
      expect((error as Error).message).toMatch(/^IMAP_URL /);
      expect((error as Error).message).toContain('coach:***@');
      expect((error as Error).message).not.toContain('hunter2');
    }
    expect(() => parseEnv({ IMAP_ALLOWED_SENDERS: 'garmin.com, not a domain' })).toThrow(/^IMAP_ALLOWED_SENDERS .*"not a domain"/);
  });

  it('parses a good pair', () => {
    const config = parseEnv({ IMAP_URL: 'imap://coach:pw@127.0.0.1:1143/Garmin', IMAP_ALLOWED_SENDERS: 'garmin.com,me@example.org' });
    expect(config.imap).toMatchObject({ host: '127.0.0.1', port: 1143, mailbox: 'Garmin', redactedUrl: 'imap://coach:***@127.0.0.1:1143/Garmin' });
    expect([...config.imapAllowedSenders.addresses]).toEqual(['me@example.org']);
  });
});
