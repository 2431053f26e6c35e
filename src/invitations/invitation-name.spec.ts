import { extractInvitedAthlete } from './invitation-name';

describe('extractInvitedAthlete', () => {
  it.each([
    ["Watch Jane Doe's live activity now!", 'Jane Doe'],
    ['Watch Zoë Müller’s live activity now!', 'Zoë Müller'],
    ["Watch James' live activity now!", 'James'],
    ['Jean-Luc O\'Neill is sharing their LiveTrack with you', "Jean-Luc O'Neill"],
    ['Ana María wants you to follow her live activity', 'Ana María'],
    ['LiveTrack: Kim Lee', 'Kim Lee'],
  ])('reads %j', (subject, name) => {
    expect(extractInvitedAthlete(subject, null)).toBe(name);
  });

  it('falls back to the text part, and to null', () => {
    expect(extractInvitedAthlete('Your weekly summary', 'Hello,\nBo Chen is sharing their live activity with you using Garmin LiveTrack.')).toBe('Bo Chen');
    expect(extractInvitedAthlete('Your weekly summary', 'Nothing here')).toBeNull();
    expect(extractInvitedAthlete(null, null)).toBeNull();
  });
});
