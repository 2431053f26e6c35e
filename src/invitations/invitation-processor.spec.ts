import { InputError } from '../common/errors';
import { buildInvitationMail } from '../simulator/invitation-mail';
import { InvitationProcessor, ProcessorDeps, SkipReason } from './invitation-processor';
import { FAILED_KEYWORD, MessageMeta, OpenMailbox, SKIPPED_KEYWORD, STARTED_KEYWORD } from './mailbox';
import { parseAllowedSenders } from './senders';

const ORIGINS = ['https://livetrack.garmin.com', 'https://gar.mn'];
const SID = '3f2b9c4e-1a2b-4c3d-9e8f-0123456789ab';
const LINK = `https://livetrack.garmin.com/session/${SID}/token/A1B2C3D4E5F60718293A4B5C6D7E8F9`;

/** An in-memory mailbox: messages by UID with flags, sizes and sources, like the IMAP one. */
class FakeMailbox implements OpenMailbox {
  readonly path = 'INBOX';
  readonly uidValidity = '7';
  keywords = true;
  downloads = 0;
  refuseFlags = false;
  readonly messages = new Map<number, { raw: Buffer; flags: Set<string>; from: string[] }>();

  add(raw: string, from: string[] = ['noreply@garmin.com']): number {
    const uid = this.messages.size + 1;
    this.messages.set(uid, { raw: Buffer.from(raw), flags: new Set(), from });
    return uid;
  }
  meta(uid: number): MessageMeta {
    const m = this.messages.get(uid)!;
    return { uid, flags: new Set(m.flags), size: m.raw.length, from: m.from, subject: null };
  }
  async metaFrom(uid: number) {
    return [...this.messages.keys()].filter((u) => u >= uid).map((u) => this.meta(u));
  }
  async metaUnhandledSince() {
    return [...this.messages.keys()].filter((u) => !InvitationProcessor.handled(this.messages.get(u)!.flags, this.keywords)).map((u) => this.meta(u));
  }
  async flagsOf(uid: number) {
    return this.messages.has(uid) ? new Set(this.messages.get(uid)!.flags) : null;
  }
  async source(uid: number) {
    this.downloads++;
    return this.messages.get(uid)?.raw ?? null;
  }
  async addFlags(uid: number, flags: string[]) {
    if (this.refuseFlags) return false;
    flags.forEach((f) => this.messages.get(uid)!.flags.add(f));
    return true;
  }
  async removeFlags(uid: number, flags: string[]) {
    flags.forEach((f) => this.messages.get(uid)!.flags.delete(f));
    return true;
  }
}

function setup(overrides: Partial<ProcessorDeps> = {}) {
  const leases = new Set<string>();
  const starts: Array<{ url: string; athleteKey: string | null }> = [];
  const lines: string[] = [];
  const deps: ProcessorDeps = {
    allowedOrigins: ORIGINS,
    allowedSenders: parseAllowedSenders('garmin.com'),
    maxMessageBytes: 100_000,
    start: async (url, athleteKey) => {
      starts.push({ url, athleteKey });
      return { created: true, sessionId: SID };
    },
    matchAthlete: async (name) => (name.toLowerCase() === 'jane doe' ? 'jane' : null),
    claim: async (name) => (leases.has(name) ? false : (leases.add(name), true)),
    release: async (name) => void leases.delete(name),
    log: { log: (m: unknown) => lines.push(JSON.stringify(m)), warn: (m: unknown) => lines.push(JSON.stringify(m)), error: (m: unknown) => lines.push(JSON.stringify(m)) },
    ...overrides,
  };
  return { processor: new InvitationProcessor(deps), starts, lines, leases, mailbox: new FakeMailbox() };
}

describe('InvitationProcessor', () => {
  it('starts an invitation once with the matched athlete, marking it before the start', async () => {
    const { processor, starts, mailbox, leases } = setup({
      start: async (url, athleteKey) => {
        // Marked before the start is asked for.
        expect([...mailbox.messages.get(1)!.flags]).toEqual(expect.arrayContaining([STARTED_KEYWORD, '\\Seen']));
        starts.push({ url, athleteKey });
        return { created: true, sessionId: SID };
      },
    });
    mailbox.add(buildInvitationMail({ athlete: 'Jane Doe', link: LINK }));
    expect(await processor.process(mailbox, mailbox.meta(1))).toBe('started');
    expect(starts).toEqual([{ url: LINK, athleteKey: 'jane' }]);
    // Again (a restart, another replica that saw the same EXISTS): nothing happens.
    expect(await processor.process(mailbox, mailbox.meta(1))).toBe('handled');
    expect(starts).toHaveLength(1);
    expect(processor.counters).toMatchObject({ started: 1, skipped: 0 });
    expect(leases.size).toBe(0);
  });

  it('leaves a message another holder has claimed, and re-reads flags under the claim', async () => {
    const { processor, starts, mailbox } = setup();
    mailbox.add(buildInvitationMail({ athlete: 'Jane Doe', link: LINK }));
    const stale = mailbox.meta(1);
    const claimAll = setup({ claim: async () => false });
    expect(await claimAll.processor.process(mailbox, stale)).toBe('busy');
    // Another replica finished it between our listing and our claim.
    mailbox.messages.get(1)!.flags.add(STARTED_KEYWORD);
    expect(await processor.process(mailbox, stale)).toBe('handled');
    expect(starts).toHaveLength(0);
  });

  it('starts with the defaults when no athlete matches', async () => {
    const { processor, starts, mailbox } = setup();
    mailbox.add(buildInvitationMail({ athlete: 'Someone Else', link: LINK }));
    expect(await processor.process(mailbox, mailbox.meta(1))).toBe('started');
    expect(starts[0].athleteKey).toBeNull();
  });

  const cases: Array<[SkipReason, () => string, string[] | undefined]> = [
    ['sender', () => buildInvitationMail({ athlete: 'Jane Doe', link: LINK, from: 'Garmin <noreply@garmin.com.evil.example>' }), ['noreply@garmin.com.evil.example']],
    ['spoofed', () => buildInvitationMail({ athlete: 'Jane Doe', link: LINK, headers: ['Authentication-Results: mx.example.org; dmarc=fail (p=reject) header.from=garmin.com'] }), undefined],
    ['no_link', () => buildInvitationMail({ athlete: 'Jane Doe', link: 'https://connect.garmin.com/modern/' }), undefined],
    ['origin', () => buildInvitationMail({ athlete: 'Jane Doe', link: LINK.replace('livetrack.garmin.com', 'livetrack.evil.example') }), undefined],
    ['malformed', () => 'this is not\r\nan e-mail at all\r\n\0\u0001', []],
  ];
  it.each(cases)('skips %s with one log line, counts it and marks it', async (reason, raw, from) => {
    const { processor, starts, mailbox, lines } = setup();
    mailbox.add(raw(), from);
    expect(await processor.process(mailbox, mailbox.meta(1))).toBe(reason);
    expect(starts).toHaveLength(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`invitation skipped (${reason})`);
    expect(lines[0]).not.toContain('A1B2C3D4E5F60718293A4B5C6D7E8F9');
    expect(processor.counters.skipped_by[reason]).toBe(1);
    expect(processor.counters.skipped).toBe(1);
    expect(mailbox.messages.get(1)!.flags.has(SKIPPED_KEYWORD)).toBe(true);
    expect(mailbox.messages.get(1)!.flags.has('\\Seen')).toBe(false);
    expect(await processor.process(mailbox, mailbox.meta(1))).toBe('handled');
    expect(lines).toHaveLength(1);
  });

  it('skips a too large message from its size, without downloading it', async () => {
    const { processor, mailbox } = setup();
    mailbox.add(buildInvitationMail({ athlete: 'Jane Doe', link: LINK, attachmentBytes: 200_000 }));
    expect(await processor.process(mailbox, mailbox.meta(1))).toBe('too_large');
    expect(mailbox.downloads).toBe(0);
  });

  it('does not download mail from a stranger (envelope check)', async () => {
    const { processor, mailbox } = setup();
    mailbox.add(buildInvitationMail({ athlete: 'Jane Doe', link: LINK, from: 'x@example.org' }), ['x@example.org']);
    expect(await processor.process(mailbox, mailbox.meta(1))).toBe('sender');
    expect(mailbox.downloads).toBe(0);
  });

  it('counts a start Garmin refuses as start_failed and keeps it handled', async () => {
    const { processor, mailbox } = setup({ start: async () => Promise.reject(new InputError('url: Garmin has no live session (404)')) });
    mailbox.add(buildInvitationMail({ athlete: 'Jane Doe', link: LINK }));
    expect(await processor.process(mailbox, mailbox.meta(1))).toBe('start_failed');
    expect([...mailbox.messages.get(1)!.flags]).toEqual(expect.arrayContaining([STARTED_KEYWORD, FAILED_KEYWORD]));
    expect(processor.counters.skipped_by.start_failed).toBe(1);
  });

  it('unmarks and rethrows when the start fails for another reason (retried later)', async () => {
    const { processor, mailbox, leases } = setup({ start: async () => Promise.reject(new Error('database is locked')) });
    mailbox.add(buildInvitationMail({ athlete: 'Jane Doe', link: LINK }));
    await expect(processor.process(mailbox, mailbox.meta(1))).rejects.toThrow('database is locked');
    expect(mailbox.messages.get(1)!.flags.size).toBe(0);
    expect(leases.size).toBe(0);
  });

  it('does not start when the mark cannot be stored', async () => {
    const { processor, starts, mailbox } = setup();
    mailbox.add(buildInvitationMail({ athlete: 'Jane Doe', link: LINK }));
    mailbox.refuseFlags = true;
    await expect(processor.process(mailbox, mailbox.meta(1))).rejects.toThrow(/refused to flag/);
    expect(starts).toHaveLength(0);
  });

  it('counts an already tracked session apart from a start', async () => {
    const { processor, mailbox } = setup({ start: async () => ({ created: false, sessionId: SID }) });
    mailbox.add(buildInvitationMail({ athlete: 'Jane Doe', link: LINK }));
    expect(await processor.process(mailbox, mailbox.meta(1))).toBe('already_tracked');
    expect(processor.counters).toMatchObject({ started: 0, already_tracked: 1 });
  });

  it('uses \\Seen as the mark on a mailbox without custom keywords', async () => {
    const { processor, starts, mailbox } = setup();
    mailbox.keywords = false;
    mailbox.add(buildInvitationMail({ athlete: 'Jane Doe', link: LINK }));
    expect(await processor.process(mailbox, mailbox.meta(1))).toBe('started');
    expect([...mailbox.messages.get(1)!.flags]).toEqual(['\\Seen']);
    expect(await processor.process(mailbox, mailbox.meta(1))).toBe('handled');
    expect(starts).toHaveLength(1);
  });
});
