import { simpleParser } from 'mailparser';
import { buildInvitationMail, quotedPrintable } from './invitation-mail';

describe('buildInvitationMail', () => {
  const link = 'https://livetrack.garmin.com/session/3f2b9c4e-1a2b-4c3d-9e8f-0123456789ab/token/A1B2C3D4E5F60718293A4B5C6D7E8F9';

  it('is multipart/alternative with quoted-printable parts whose lines stay within 76 characters', () => {
    const raw = buildInvitationMail({ athlete: 'Zoë Müller', link });
    expect(raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(raw).toMatch(/Content-Transfer-Encoding: quoted-printable/);
    // The link is soft-wrapped and its "=" escaped in the raw HTML part: a parser must undo QP.
    expect(raw).not.toContain(`href="${link}"`);
    expect(raw).toContain('href=3D"');
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  });

  it('parses back (mailparser) to the link, sender and subject', async () => {
    const parsed = await simpleParser(buildInvitationMail({ athlete: 'Zoë Müller', link }));
    expect(parsed.from?.value[0].address).toBe('noreply@garmin.com');
    expect(parsed.subject).toBe("Watch Zoë Müller's live activity now!");
    expect(parsed.html).toContain(`href="${link}"`);
    expect(parsed.text).toContain(link);
  });

  it('can carry a large attachment', async () => {
    const raw = buildInvitationMail({ athlete: 'A B', link, attachmentBytes: 50_000 });
    expect(raw.length).toBeGreaterThan(60_000);
    const parsed = await simpleParser(raw);
    expect(parsed.attachments[0].size).toBe(50_000);
  });
});

describe('quotedPrintable', () => {
  it('escapes "=", non-ASCII and trailing blanks and soft-breaks long lines', () => {
    expect(quotedPrintable('a=b ü ')).toBe('a=3Db =C3=BC=20');
    const long = quotedPrintable('x'.repeat(200));
    expect(long.split('\r\n').every((l) => l.length <= 76)).toBe(true);
    expect(long.replace(/=\r\n/g, '')).toBe('x'.repeat(200));
  });
});
