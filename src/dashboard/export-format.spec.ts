import { DOMParser } from '@xmldom/xmldom';
import { TrackpointRecord } from '../storage/trackpoint.types';
import { toTrackpointView } from '../tracking/session-status';
import { CSV_FIELDS, csvCell, csvHeader, csvRows, GPX_NS, GPXPX_NS, GPXTPX_NS, GpxWriter } from './export-format';

const T0 = Date.UTC(2026, 5, 1, 7, 0, 0);

function point(i: number, extra: Partial<TrackpointRecord> = {}): TrackpointRecord {
  return {
    time: T0 + i * 5000, lat: 46.5 + i / 1e4, lon: 6.6 + i / 1e4, altitudeM: 240 + i, speedMps: 9.5, distanceM: i * 50,
    durationS: i * 5, heartRate: 140, cadence: 90, power: 210, activityType: 'CYCLING', leg: 'bike', status: 'MOVING', ...extra,
  };
}

function parse(xml: string): Document {
  return new DOMParser({ onError: (level, msg) => { throw new Error(`${level}: ${msg}`); } }).parseFromString(xml, 'application/xml') as unknown as Document;
}

function gpxOf(points: TrackpointRecord[][], name = 'Race & <Co>'): { xml: string; writer: GpxWriter } {
  const writer = new GpxWriter();
  let xml = writer.start({ name, type: 'triathlon', startedAt: T0 }, points[0]?.[0]?.time ?? null);
  for (const page of points) xml += writer.add(page);
  return { xml: xml + writer.end(), writer };
}

describe('GpxWriter', () => {
  it('writes well-formed GPX 1.1 with one segment per leg across pages, sensors in the Garmin extensions', () => {
    const pages = [
      [point(0, { leg: 'swim', power: null, cadence: null, activityType: 'SWIMMING' }), point(1, { leg: 'swim', power: null, cadence: null })],
      [point(2), point(3, { leg: 'run', cadence: 172, power: null, heartRate: null })],
    ];
    const { xml, writer } = gpxOf(pages);
    const doc = parse(xml);
    expect(doc.documentElement.namespaceURI).toBe(GPX_NS);
    expect(doc.getElementsByTagNameNS(GPX_NS, 'name')[0].textContent).toBe('Race & <Co>');
    const segs = Array.from(doc.getElementsByTagNameNS(GPX_NS, 'trkseg'));
    expect(segs.map((s) => s.getElementsByTagNameNS(GPX_NS, 'trkpt').length)).toEqual([2, 1, 1]);
    const pts = Array.from(doc.getElementsByTagNameNS(GPX_NS, 'trkpt'));
    expect(pts.map((p) => p.getElementsByTagNameNS(GPX_NS, 'time')[0].textContent)).toEqual([0, 1, 2, 3].map((i) => new Date(T0 + i * 5000).toISOString()));
    const bike = pts[2];
    expect(bike.getAttribute('lat')).toBe('46.5002');
    expect(bike.getElementsByTagNameNS(GPX_NS, 'ele')[0].textContent).toBe('242');
    expect(bike.getElementsByTagNameNS(GPXTPX_NS, 'hr')[0].textContent).toBe('140');
    expect(bike.getElementsByTagNameNS(GPXTPX_NS, 'cad')[0].textContent).toBe('90');
    expect(bike.getElementsByTagNameNS(GPXPX_NS, 'PowerInWatts')[0].textContent).toBe('210');
    // Run cadence goes back to cycles per minute; absent sensors are simply left out.
    const run = pts[3];
    expect(run.getElementsByTagNameNS(GPXTPX_NS, 'cad')[0].textContent).toBe('86');
    expect(run.getElementsByTagNameNS(GPXTPX_NS, 'hr')).toHaveLength(0);
    expect(run.getElementsByTagNameNS(GPXPX_NS, 'PowerInWatts')).toHaveLength(0);
    expect(pts[0].getElementsByTagNameNS(GPX_NS, 'extensions')[0].getElementsByTagNameNS(GPXTPX_NS, 'cad')).toHaveLength(0);
    expect(writer).toMatchObject({ written: 4, skipped: 0 });
  });

  it('skips points without a position and says so in the file', () => {
    const { xml, writer } = gpxOf([[point(0), point(1, { lat: null, lon: null }), point(2, { lon: null })]]);
    const doc = parse(xml);
    expect(doc.getElementsByTagNameNS(GPX_NS, 'trkpt')).toHaveLength(1);
    expect(writer).toMatchObject({ written: 1, skipped: 2 });
    expect(xml).toContain('<!-- 2 point(s) without a position were left out; export.csv has them -->');
  });

  it('writes a valid empty track when nothing is stored yet', () => {
    const { xml } = gpxOf([]);
    const doc = parse(xml);
    expect(doc.getElementsByTagNameNS(GPX_NS, 'trk')).toHaveLength(1);
    expect(doc.getElementsByTagNameNS(GPX_NS, 'trkseg')).toHaveLength(0);
    expect(doc.getElementsByTagNameNS(GPX_NS, 'time')[0].textContent).toBe(new Date(T0).toISOString());
  });
});

describe('CSV', () => {
  it('has the API field names as header, in the API order', () => {
    expect(CSV_FIELDS).toEqual(Object.keys(toTrackpointView(point(0))));
    expect(csvHeader()).toBe(`${CSV_FIELDS.join(',')}\r\n`);
  });

  it('writes nulls as empty cells and keeps points without a position', () => {
    const rows = csvRows([point(0), point(1, { lat: null, lon: null, heartRate: null })]).split('\r\n');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toBe('2026-06-01T07:00:00.000Z,46.5,6.6,240,9.5,0,0,140,90,210,CYCLING,bike,MOVING');
    expect(rows[1]).toBe('2026-06-01T07:00:05.000Z,,,241,9.5,50,5,,90,210,CYCLING,bike,MOVING');
  });

  it('quotes per RFC 4180 and defuses spreadsheet formulas in text cells', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(-3.5)).toBe('-3.5');
    expect(csvCell(null)).toBe('');
  });
});
