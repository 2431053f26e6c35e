import { extractInvitationLink, linkCandidates } from './invitation-link';

const GARMIN = ['https://livetrack.garmin.com', 'https://gar.mn', 'https://www.gar.mn', 'https://live.garmin.com'];
const SID = '3f2b9c4e-1a2b-4c3d-9e8f-0123456789ab';
const TOKEN = 'A1B2C3D4E5F60718293A4B5C6D7E8F9';
const SHARE = `https://livetrack.garmin.com/session/${SID}/token/${TOKEN}`;

describe('extractInvitationLink', () => {
  it('takes the share URL from an <a href>, past logo and footer links', () => {
    const html = `<img src="https://livetrack.garmin.com/static/logo.png"><a href="https://www.garmin.com/privacy">Privacy</a>
      <a class="btn" href="${SHARE}">Watch Live</a>`;
    expect(extractInvitationLink(html, null, GARMIN)).toEqual({ kind: 'session', url: SHARE, sessionId: SID });
  });

  it('reads the query form and HTML entities in the attribute', () => {
    const html = `<a href='https://livetrack.garmin.com/session/${SID}?token&#x3D;${TOKEN}&amp;utm_source=email'>Watch</a>`;
    expect(extractInvitationLink(html, null, GARMIN)).toMatchObject({ kind: 'session', url: SHARE });
  });

  it('falls back to the text part, with mail-client wrappers', () => {
    expect(extractInvitationLink(false as unknown as null, `Follow along:\n<${SHARE}>.\n`, GARMIN)).toMatchObject({ kind: 'session', sessionId: SID });
  });

  it('prefers a full share URL anywhere over a short link, and returns a short link when that is all', () => {
    const short = 'https://gar.mn/aB3dE';
    expect(extractInvitationLink(`<a href="${short}">Watch</a>`, `or ${SHARE}`, GARMIN)).toMatchObject({ kind: 'session' });
    expect(extractInvitationLink(`<a href="${short}">Watch</a>`, null, GARMIN)).toEqual({ kind: 'short', url: short });
    // An image on an allowed host is not a short link.
    expect(extractInvitationLink(`<a href="https://gar.mn/logo.png">x</a>`, null, GARMIN)).toEqual({ kind: 'none' });
  });

  it('names a LiveTrack-looking link on another origin, and says none for unrelated links', () => {
    const evil = `https://livetrack.garmin.com.evil.example/session/${SID}/token/${TOKEN}`;
    expect(extractInvitationLink(`<a href="${evil}">Watch</a>`, null, GARMIN)).toEqual({ kind: 'origin', origin: 'https://livetrack.garmin.com.evil.example' });
    expect(extractInvitationLink(`<a href="http://livetrack.garmin.com/session/${SID}/token/${TOKEN}">Watch</a>`, null, GARMIN)).toEqual({ kind: 'origin', origin: 'http://livetrack.garmin.com' });
    expect(extractInvitationLink('<a href="https://connect.garmin.com/modern/">Connect</a> https://example.org/x', 'see https://example.org', GARMIN)).toEqual({ kind: 'none' });
    expect(extractInvitationLink(null, null, GARMIN)).toEqual({ kind: 'none' });
  });

  it('lists candidates once, anchors first', () => {
    expect(linkCandidates(`<a href="${SHARE}">x</a> ${SHARE}`, `${SHARE} https://gar.mn/x`)).toEqual([SHARE, 'https://gar.mn/x']);
  });
});
