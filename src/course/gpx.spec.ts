import { GPX_MAX_BYTES, GpxError, parseGpx } from './gpx';
import { ll } from './test-geo';

const pt = (tag: string, x: number, y: number, inner = '') => {
  const p = ll(x, y);
  return `<${tag} lat="${p.lat}" lon="${p.lon}">${inner}</${tag}>`;
};
const gpx = (body: string, attrs = 'xmlns="http://www.topografix.com/GPX/1/1"') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="test" ${attrs}>${body}</gpx>`;

describe('parseGpx', () => {
  it('track: segments and tracks joined in order; waypoints become sorted checkpoints', () => {
    const xml = gpx(
      `<metadata><name>Ironman Bike</name></metadata>` +
        pt('wpt', 2000, 5, '<name>Turn</name>') +
        pt('wpt', 500, -3, '<name><![CDATA[Aid & water]]></name>') +
        pt('wpt', 3000, 0) +
        `<trk><name>t</name><trkseg>${pt('trkpt', 0, 0, '<ele>400</ele>')}${pt('trkpt', 1000, 0)}</trkseg>` +
        `<trkseg>${pt('trkpt', 2000, 0)}</trkseg></trk>` +
        `<trk><trkseg>${pt('trkpt', 3000, 0)}</trkseg></trk>`,
    );
    const c = parseGpx(xml);
    expect(c.name).toBe('Ironman Bike');
    expect(c.points).toHaveLength(4);
    expect(c.distance_m).toBeCloseTo(3000, 0);
    expect(c.cumulative_m.map(Math.round)).toEqual([0, 1000, 2000, 3000]);
    expect(c.checkpoints.map((k) => [k.name, Math.round(k.distance_m)])).toEqual([
      ['Aid & water', 500],
      ['Turn', 2000],
      ['Waypoint 3', 3000],
    ]);
  });

  it('route when there is no track; the track wins when there are both', () => {
    const rte = `<rte><name>Run</name>${pt('rtept', 0, 0)}${pt('rtept', 0, 1000)}${pt('rtept', 500, 1000)}</rte>`;
    const r = parseGpx(gpx(rte));
    expect(r.name).toBe('Run');
    expect(r.distance_m).toBeCloseTo(1500, 0);
    const both = parseGpx(gpx(rte + `<trk><trkseg>${pt('trkpt', 0, 0)}${pt('trkpt', 100, 0)}</trkseg></trk>`));
    expect(both.distance_m).toBeCloseTo(100, 0);
  });

  it('namespace prefixes, a BOM, a Buffer, self-closing points', () => {
    const a = ll(0, 0);
    const b = ll(0, 200);
    const xml = `\uFEFF<?xml version="1.0"?><g:gpx xmlns:g="http://www.topografix.com/GPX/1/1" version="1.1"><g:trk><g:trkseg><g:trkpt lat="${a.lat}" lon="${a.lon}"/><g:trkpt lat="${b.lat}" lon="${b.lon}"/></g:trkseg></g:trk></g:gpx>`;
    expect(parseGpx(Buffer.from(xml, 'utf8')).distance_m).toBeCloseTo(200, 0);
  });

  describe('bad files throw GpxError saying why', () => {
    const bad = (input: string | Buffer, reason: RegExp) => {
      expect(() => parseGpx(input)).toThrow(GpxError);
      expect(() => parseGpx(input)).toThrow(reason);
    };

    it('not XML', () => {
      bad('', /^not XML/);
      bad('{"type":"FeatureCollection"}', /^not XML/);
      bad(gpx('<trk><trkseg>').replace('</gpx>', ''), /^not XML/);
      bad('<gpx><trk></gpx>', /^not XML/);
    });

    it('not GPX', () => bad('<?xml version="1.0"?><kml><Document/></kml>', /^not GPX: the root element is <kml>/));

    it('no points', () => {
      bad(gpx(''), /^no points/);
      bad(gpx(pt('wpt', 0, 0, '<name>only a waypoint</name>') + '<trk><trkseg></trkseg></trk>'), /^no points/);
    });

    it('only one point', () => {
      bad(gpx(`<trk><trkseg>${pt('trkpt', 0, 0)}</trkseg></trk>`), /^only one point/);
      bad(gpx(`<trk><trkseg>${pt('trkpt', 0, 0)}${pt('trkpt', 0, 0)}</trkseg></trk>`), /^only one point/);
    });

    it('invalid lat/lon', () => {
      const ok = pt('trkpt', 0, 0);
      bad(gpx(`<trk><trkseg>${ok}<trkpt lat="abc" lon="8"/></trkseg></trk>`), /^invalid lat\/lon on trkpt 2 of track 1 segment 1/);
      bad(gpx(`<trk><trkseg>${ok}<trkpt lat="91" lon="8"/></trkseg></trk>`), /^invalid lat\/lon/);
      bad(gpx(`<trk><trkseg>${ok}<trkpt lat="47"/></trkseg></trk>`), /^invalid lat\/lon/);
      bad(gpx(`<trk><trkseg>${ok}<trkpt lat="" lon="8"/></trkseg></trk>`), /^invalid lat\/lon/);
      bad(gpx(`<wpt lat="47" lon="181"/><trk><trkseg>${ok}${pt('trkpt', 5, 5)}</trkseg></trk>`), /^invalid lat\/lon on wpt 1/);
    });

    it('larger than 10 MB, checked before parsing', () => {
      const big = Buffer.alloc(GPX_MAX_BYTES + 1, 0x20);
      bad(big, /^file larger than 10 MB/);
      bad('x'.repeat(GPX_MAX_BYTES + 1), /^file larger than 10 MB/);
      // multi-byte characters count as bytes
      bad('é'.repeat(GPX_MAX_BYTES / 2 + 1), /^file larger than 10 MB/);
    });
  });
});

describe('parseGpx with extensions', () => {
  it('ignores per-point extensions', () => {
    const a = ll(0, 0);
    const b = ll(300, 0);
    const ext = '<extensions><gpxtpx:TrackPointExtension xmlns:gpxtpx="x"><gpxtpx:hr>140</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions>';
    const xml = gpx(`<trk><extensions><x>1</x></extensions><trkseg><trkpt lat="${a.lat}" lon="${a.lon}">${ext}</trkpt><trkpt lat="${b.lat}" lon="${b.lon}">${ext}</trkpt></trkseg></trk>`);
    expect(parseGpx(xml).distance_m).toBeCloseTo(300, 0);
  });
});
