import { embeddedJson, trackPointsFromPage } from './page-fallback';

const p = (iso: string) => ({ dateTime: iso, position: { lat: 46.5, lon: 6.6 }, heartRateBeatsPerMin: 140 });

describe('share page fallback', () => {
  it('finds the largest point array in __NEXT_DATA__ and applies an inclusive begin', () => {
    const data = { props: { pageProps: { session: { sessionId: 'x' }, course: [p('2026-06-01T06:00:00Z')], trackPoints: [p('2026-06-01T07:00:00Z'), p('2026-06-01T07:00:05Z'), p('2026-06-01T07:00:10Z')] } } };
    const html = `<html><head><meta name="csrf-token" content="c"></head><body><script id="__NEXT_DATA__" type="application/json">${JSON.stringify(data)}</script></body></html>`;
    expect(trackPointsFromPage(html, null)!.trackPoints).toHaveLength(3);
    expect(trackPointsFromPage(html, Date.parse('2026-06-01T07:00:05Z'))!.trackPoints).toEqual([p('2026-06-01T07:00:05Z'), p('2026-06-01T07:00:10Z')]);
  });

  it('reads self.__next_f.push fragments', () => {
    const payload = JSON.stringify({ deep: [{ x: 1 }, { points: [p('2026-06-01T07:00:00Z'), p('2026-06-01T07:00:01Z')] }] });
    const html = `<script>self.__next_f.push([1, ${JSON.stringify(`5:${payload}`)}])</script>`;
    expect(embeddedJson(html)).toHaveLength(1);
    expect(trackPointsFromPage(html, null)!.trackPoints).toHaveLength(2);
  });

  it('returns null when the page carries no points, and survives broken blobs', () => {
    expect(trackPointsFromPage('<html><script id="__NEXT_DATA__">{broken</script></html>', null)).toBeNull();
    expect(trackPointsFromPage('<html>nothing</html>', null)).toBeNull();
  });
});
