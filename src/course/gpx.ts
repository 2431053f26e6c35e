// GPX 1.1 → Course, with fast-xml-parser. Track (trk/trkseg/trkpt, segments and tracks joined in
// order) or, without one, route (rte/rtept) = the course; waypoints (wpt) = checkpoints.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Course, LatLon } from './course.types';
import { buildCourse, dedupeConsecutive } from './geo';

export const GPX_MAX_BYTES = 10 * 1024 * 1024;

/** A GPX file that cannot be used as a course; the message says why (fit for a 400 body). */
export class GpxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpxError';
  }
}

const LISTS = new Set(['trk', 'trkseg', 'trkpt', 'rte', 'rtept', 'wpt']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true, // <gpx:trkpt> as well as <trkpt>
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => LISTS.has(name),
  // Garmin/Strava per-point extensions (hr, cad, temp…) are not needed: kept as raw text, not parsed.
  stopNodes: ['*.extensions'],
});

type Node = Record<string, unknown>;
const asNodes = (v: unknown): Node[] => (Array.isArray(v) ? v.filter((x): x is Node => typeof x === 'object' && x !== null) : []);

/** Text of a child element (<name>…</name>, possibly with attributes or CDATA), trimmed; null when absent or empty. */
function text(node: Node, key: string): string | null {
  const v = node[key];
  const s = typeof v === 'string' || typeof v === 'number' ? String(v) : typeof v === 'object' && v !== null && '#text' in v ? String((v as Node)['#text']) : null;
  return s !== null && s.trim() !== '' ? s.trim() : null;
}

function coordinate(node: Node, key: '@_lat' | '@_lon'): number | null {
  const raw = node[key];
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const v = Number(raw);
  return Number.isFinite(v) ? v : null;
}

function position(node: Node, what: string): LatLon {
  const lat = coordinate(node, '@_lat');
  const lon = coordinate(node, '@_lon');
  if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    throw new GpxError(`invalid lat/lon on ${what} (lat="${String(node['@_lat'] ?? '')}", lon="${String(node['@_lon'] ?? '')}")`);
  }
  return { lat, lon };
}

export function parseGpx(xml: string | Buffer): Course {
  const size = typeof xml === 'string' ? Buffer.byteLength(xml, 'utf8') : xml.length;
  if (size > GPX_MAX_BYTES) throw new GpxError(`file larger than 10 MB (${(size / 1024 / 1024).toFixed(1)} MB)`);
  const str = (typeof xml === 'string' ? xml : xml.toString('utf8')).replace(/^\uFEFF/, '');
  if (str.trim() === '') throw new GpxError('not XML: the file is empty');

  const valid = XMLValidator.validate(str);
  if (valid !== true) throw new GpxError(`not XML: ${valid.err.msg} (line ${valid.err.line})`);
  let doc: Node;
  try {
    doc = parser.parse(str) as Node;
  } catch (e) {
    throw new GpxError(`not XML: ${(e as Error).message}`);
  }
  const gpx = doc.gpx;
  if (typeof gpx !== 'object' || gpx === null || Array.isArray(gpx)) {
    const root = Object.keys(doc).find((k) => !k.startsWith('?') && !k.startsWith('#'));
    throw new GpxError(`not GPX: the root element is <${root ?? '?'}>, expected <gpx>`);
  }
  const g = gpx as Node;

  const track: LatLon[] = [];
  asNodes(g.trk).forEach((trk, ti) =>
    asNodes(trk.trkseg).forEach((seg, si) => asNodes(seg.trkpt).forEach((p, pi) => track.push(position(p, `trkpt ${pi + 1} of track ${ti + 1} segment ${si + 1}`)))),
  );
  const route: LatLon[] = [];
  asNodes(g.rte).forEach((rte, ri) => asNodes(rte.rtept).forEach((p, pi) => route.push(position(p, `rtept ${pi + 1} of route ${ri + 1}`))));
  const points = dedupeConsecutive(track.length ? track : route);
  if (points.length === 0) throw new GpxError('no points: the file has no track (trk/trkseg/trkpt) or route (rte/rtept) points');
  if (points.length === 1) throw new GpxError('only one point: a course needs at least two distinct track or route points');

  const waypoints = asNodes(g.wpt).map((w, i) => ({ ...position(w, `wpt ${i + 1}`), name: text(w, 'name') ?? `Waypoint ${i + 1}` }));
  const meta = typeof g.metadata === 'object' && g.metadata !== null ? text(g.metadata as Node, 'name') : null;
  const name = meta ?? (track.length ? asNodes(g.trk).map((t) => text(t, 'name')).find(Boolean) : asNodes(g.rte).map((r) => text(r, 'name')).find(Boolean)) ?? null;
  return buildCourse(points, waypoints, name);
}
