// GPX 1.1 and CSV renderings of stored trackpoints. Pure and incremental (text chunks per page of
// points), so the export routes can stream a long race without holding it in memory.
import { TrackpointRecord } from '../storage/trackpoint.types';
import { toTrackpointView, TrackpointView } from '../tracking/session-status';

export const GPX_NS = 'http://www.topografix.com/GPX/1/1';
export const GPXTPX_NS = 'http://www.garmin.com/xmlschemas/TrackPointExtension/v1';
/** Garmin's power extension: TrackPointExtension v1 has no power element. */
export const GPXPX_NS = 'http://www.garmin.com/xmlschemas/PowerExtension/v1';

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export interface GpxMeta {
  name: string;
  /** race_type, written as the track's <type>. */
  type: string | null;
  /** Start of tracking (epoch ms): the file's <time> when there is no point yet. */
  startedAt: number;
}

/**
 * Writes one <trk> with one <trkseg> per leg (swim, t1, bike, ...). Points without a position are
 * skipped (GPX needs lat/lon) and counted in a closing comment; export.csv keeps them.
 */
export class GpxWriter {
  private leg: string | null = null;
  written = 0;
  skipped = 0;

  start(meta: GpxMeta, firstPointTime: number | null): string {
    const name = escapeXml(meta.name);
    return (
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<gpx version="1.1" creator="livetrack-mcp" xmlns="${GPX_NS}" xmlns:gpxtpx="${GPXTPX_NS}" xmlns:gpxpx="${GPXPX_NS}"` +
      ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
      ` xsi:schemaLocation="${GPX_NS} http://www.topografix.com/GPX/1/1/gpx.xsd ${GPXTPX_NS} http://www.garmin.com/xmlschemas/TrackPointExtensionv1.xsd">\n` +
      `  <metadata>\n    <name>${name}</name>\n` +
      '    <desc>Trackpoints recorded by livetrack-mcp from Garmin LiveTrack. One segment per leg. Points without a position are left out (export.csv has every point). Run cadence is in cycles (strides) per minute, as Garmin files carry it.</desc>\n' +
      `    <time>${new Date(firstPointTime ?? meta.startedAt).toISOString()}</time>\n  </metadata>\n` +
      `  <trk>\n    <name>${name}</name>\n` +
      (meta.type ? `    <type>${escapeXml(meta.type)}</type>\n` : '')
    );
  }

  /** Points in time order, across calls. */
  add(points: TrackpointRecord[]): string {
    let out = '';
    for (const p of points) {
      if (p.lat === null || p.lon === null || !Number.isFinite(p.lat) || !Number.isFinite(p.lon)) {
        this.skipped++;
        continue;
      }
      if (p.leg !== this.leg) {
        if (this.leg !== null) out += '    </trkseg>\n';
        out += '    <trkseg>\n';
        this.leg = p.leg;
      }
      out += trackpoint(p);
      this.written++;
    }
    return out;
  }

  end(): string {
    return (
      (this.leg !== null ? '    </trkseg>\n' : '') +
      '  </trk>\n' +
      (this.skipped ? `  <!-- ${this.skipped} point(s) without a position were left out; export.csv has them -->\n` : '') +
      '</gpx>\n'
    );
  }
}

function trackpoint(p: TrackpointRecord): string {
  let s = `      <trkpt lat="${p.lat}" lon="${p.lon}">`;
  if (p.altitudeM !== null) s += `<ele>${p.altitudeM}</ele>`;
  s += `<time>${new Date(p.time).toISOString()}</time>`;
  // gpxtpx:cad is cycles per minute: the stored run cadence (steps/min) is halved back.
  const cad = p.cadence === null ? null : Math.round(p.leg === 'run' ? p.cadence / 2 : p.cadence);
  const tpx =
    (p.heartRate !== null ? `<gpxtpx:hr>${Math.round(p.heartRate)}</gpxtpx:hr>` : '') +
    (cad !== null ? `<gpxtpx:cad>${cad}</gpxtpx:cad>` : '');
  const power = p.power !== null ? `<gpxpx:PowerInWatts>${Math.round(p.power)}</gpxpx:PowerInWatts>` : '';
  if (tpx || power) {
    s += '<extensions>' + (tpx ? `<gpxtpx:TrackPointExtension>${tpx}</gpxtpx:TrackPointExtension>` : '') + power + '</extensions>';
  }
  return s + '</trkpt>\n';
}

/** CSV columns: the contract's trackpoint field names, in the API's order. */
export const CSV_FIELDS: ReadonlyArray<keyof TrackpointView> = [
  'time', 'lat', 'lon', 'altitude_m', 'speed_mps', 'distance_m', 'duration_s',
  'heart_rate', 'cadence', 'power', 'activity_type', 'leg', 'status',
];

export const CSV_EOL = '\r\n';

export function csvHeader(): string {
  return CSV_FIELDS.join(',') + CSV_EOL;
}

/** Rows as the API returns the points (nulls as empty cells), RFC 4180 quoting. */
export function csvRows(points: TrackpointRecord[]): string {
  let out = '';
  for (const p of points) {
    const view = toTrackpointView(p);
    out += CSV_FIELDS.map((f) => csvCell(view[f])).join(',') + CSV_EOL;
  }
  return out;
}

export function csvCell(value: string | number | null): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  // Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection).
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
