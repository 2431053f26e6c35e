import { embeddedJson, flightValues, joinFlightChunks, trackPointsFromPage } from './page-fallback';

const p = (iso: string) => ({ dateTime: iso, position: { lat: 46.5, lon: 6.6 }, heartRateBeatsPerMin: 140 });
const push = (text: string) => `<script>self.__next_f.push([1,${JSON.stringify(text)}])</script>`;
const ID = 'a1b2c3d4-0000-4000-8000-000000000001';
const TOKEN = 'ABCDEF0123456789ABCDEF01234567';

/** A React Query dehydrated state as the app-router page streams it. */
function queryState(pages: unknown[][], key: unknown[] = ['session', ID, TOKEN, 'track-points']) {
  return {
    state: {
      mutations: [],
      queries: [
        { queryKey: ['session', ID, TOKEN], state: { data: { sessionId: ID, trackPoints: [p('2026-06-01T05:00:00Z'), p('2026-06-01T05:00:01Z'), p('2026-06-01T05:00:02Z'), p('2026-06-01T05:00:03Z'), p('2026-06-01T05:00:04Z')] } } },
        { queryKey: key, queryHash: JSON.stringify(key), state: { data: { pages: pages.map((trackPoints) => ({ trackPoints })), pageParams: pages.map((_, i) => i) } } },
      ],
    },
  };
}

describe('share page fallback: app-router page', () => {
  it('joins chunks before parsing: one JSON value split across three pushes', () => {
    const row = `5:${JSON.stringify(['$', '$L6', null, queryState([[p('2026-06-01T07:00:00Z'), p('2026-06-01T07:00:05Z')]])])}\n`;
    const cut1 = Math.floor(row.length / 3);
    const cut2 = Math.floor((2 * row.length) / 3);
    const html = `<script>self.__next_f.push([0])</script>${push(row.slice(0, cut1))}${push(row.slice(cut1, cut2))}${push(row.slice(cut2))}`;
    // No single chunk is valid JSON on its own.
    expect(joinFlightChunks(html)).toBe(row);
    const found = trackPointsFromPage(html, null, { sessionId: ID, token: TOKEN })!;
    expect(found.found).toBe('query');
    expect(found.trackPoints).toEqual([p('2026-06-01T07:00:00Z'), p('2026-06-01T07:00:05Z')]);
  });

  it('reads several rows in one chunk, text rows and tagged rows included', () => {
    const text = 'héllo\nworld'; // a text row carries newlines and multi-byte characters
    const rows =
      `1:HL["/_next/static/css/app.css","style"]\n` +
      `2:I[1234,["app/page.js"],"Map"]\n` +
      `3:T${Buffer.byteLength(text).toString(16)},${text}` +
      `4:${JSON.stringify(queryState([[p('2026-06-01T07:00:00Z')]]))}\n` +
      `0:["$","html",null,{}]\n`;
    const values = flightValues(rows);
    expect(values).toHaveLength(4); // HL, I, the state and the tree; the text row is skipped
    const found = trackPointsFromPage(push(rows), null, { sessionId: ID })!;
    expect(found.trackPoints).toEqual([p('2026-06-01T07:00:00Z')]);
  });

  it('merges all pages of the track-points query, in order, and applies an inclusive begin', () => {
    const pages = [
      [p('2026-06-01T07:00:00Z'), p('2026-06-01T07:00:05Z')],
      [p('2026-06-01T07:00:10Z')],
      [p('2026-06-01T07:00:15Z'), p('2026-06-01T07:00:20Z')],
    ];
    const html = push(`7:${JSON.stringify(queryState(pages))}\n`);
    expect(trackPointsFromPage(html, null, { sessionId: ID })!.trackPoints).toHaveLength(5);
    // The query is preferred even though the session query above holds a larger point array.
    expect(trackPointsFromPage(html, Date.parse('2026-06-01T07:00:10Z'), { sessionId: ID })!.trackPoints).toEqual(pages[1].concat(pages[2]));
  });

  it("ignores another session's query and falls back to the largest point array", () => {
    const html = push(`7:${JSON.stringify(queryState([[p('2026-06-01T07:00:00Z')]], ['session', 'other-id', 'X', 'track-points']))}\n`);
    const found = trackPointsFromPage(html, null, { sessionId: ID })!;
    expect(found.found).toBe('heuristic');
    expect(found.trackPoints).toHaveLength(5);
  });

  it('survives broken chunks and rows', () => {
    const html = `<script>self.__next_f.push([1,"unterminated</script>${push('zz:{not json}\n8:[1,2]\n')}`;
    expect(embeddedJson(html)).toEqual([[1, 2]]);
    expect(trackPointsFromPage(html, null, { sessionId: ID })).toBeNull();
  });
});

describe('share page fallback: pages-router page', () => {
  it('finds the largest point array in __NEXT_DATA__ and applies an inclusive begin', () => {
    const data = { props: { pageProps: { session: { sessionId: 'x' }, course: [p('2026-06-01T06:00:00Z')], trackPoints: [p('2026-06-01T07:00:00Z'), p('2026-06-01T07:00:05Z'), p('2026-06-01T07:00:10Z')] } } };
    const html = `<html><head><meta name="csrf-token" content="c"></head><body><script id="__NEXT_DATA__" type="application/json">${JSON.stringify(data)}</script></body></html>`;
    expect(trackPointsFromPage(html, null)!.trackPoints).toHaveLength(3);
    expect(trackPointsFromPage(html, Date.parse('2026-06-01T07:00:05Z'))!.trackPoints).toEqual([p('2026-06-01T07:00:05Z'), p('2026-06-01T07:00:10Z')]);
  });

  it('returns null when the page carries no points, and survives broken blobs', () => {
    expect(trackPointsFromPage('<html><script id="__NEXT_DATA__">{broken</script></html>', null)).toBeNull();
    expect(trackPointsFromPage('<html>nothing</html>', null)).toBeNull();
  });
});
