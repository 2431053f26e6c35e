// Last-resort data source: the share page embeds the app's data. Today's page is a Next.js
// app-router page whose React Query state streams in many `self.__next_f.push([1,"…"])` chunks
// (one JSON value may be split across chunks, one chunk may hold several `id:json` rows); older
// pages carry `__NEXT_DATA__`. See shared/docs/garmin-livetrack.md, "Page data today".

/** Which session's query to look for: its key is ["session", id, token, "track-points"]. */
export interface PageSessionKey {
  sessionId: string;
  token?: string;
}

export interface PagePoints {
  trackPoints: unknown[];
  /** `query` = the React Query entry of the session's track points; `heuristic` = largest point-like array. */
  found: 'query' | 'heuristic';
}

/** Objects that look like trackpoints: a dateTime and a position. */
function isPointLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'dateTime' in value && 'position' in value;
}

/** Bounded depth-first walk over a JSON value (pages are untrusted: never recurse unboundedly). */
function walk(root: unknown, visit: (node: object) => void): void {
  const stack: unknown[] = [root];
  let visited = 0;
  while (stack.length && visited++ < 500_000) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    visit(node);
    for (const item of Array.isArray(node) ? node : Object.values(node)) if (item && typeof item === 'object') stack.push(item);
  }
}

/** The largest array whose items are mostly point-like. */
function largestPointArray(root: unknown): unknown[] | null {
  let best: unknown[] | null = null;
  walk(root, (node) => {
    if (!Array.isArray(node)) return;
    const pointLike = node.filter(isPointLike).length;
    if (pointLike > 0 && pointLike >= node.length / 2 && (!best || node.length > best.length)) best = node;
  });
  return best;
}

/** All `self.__next_f.push([1, "…"])` strings of a page, decoded and joined in order. */
export function joinFlightChunks(html: string): string {
  const parts: string[] = [];
  for (const match of html.matchAll(/self\.__next_f\.push\(\s*\[\s*1\s*,\s*("(?:[^"\\]|\\.)*")\s*\]\s*\)/g)) {
    try {
      parts.push(JSON.parse(match[1]) as string);
    } catch {
      /* not a JSON string literal: skip this chunk */
    }
  }
  return parts.join('');
}

/**
 * Splits the joined flight text into rows `id:payload` and parses each JSON payload. Text rows
 * (`id:T<hex byte length>,<text>`) carry no newline and are skipped by their length; import
 * and hint rows (`I[...]`, `HL[...]`) have their tag stripped.
 */
export function flightValues(text: string): unknown[] {
  const values: unknown[] = [];
  const bytes = Buffer.from(text, 'utf8');
  let pos = 0;
  while (pos < bytes.length) {
    const colon = bytes.indexOf(0x3a, pos); // ':'
    if (colon < 0) break;
    const id = bytes.subarray(pos, colon).toString('utf8');
    if (!/^[0-9a-f]*$/i.test(id)) {
      // Out of step (a broken row): resynchronise at the next line.
      const nl = bytes.indexOf(0x0a, pos);
      if (nl < 0) break;
      pos = nl + 1;
      continue;
    }
    const head = bytes.subarray(colon + 1, colon + 12).toString('latin1');
    const textRow = /^T([0-9a-f]+),/i.exec(head);
    if (textRow) {
      pos = colon + 1 + textRow[0].length + parseInt(textRow[1], 16);
      continue;
    }
    let end = bytes.indexOf(0x0a, colon + 1);
    if (end < 0) end = bytes.length;
    const payload = bytes.subarray(colon + 1, end).toString('utf8').replace(/^[A-Z]{1,2}(?=[[{"])/, '');
    try {
      values.push(JSON.parse(payload));
    } catch {
      /* not JSON (a module reference, a broken row): skip */
    }
    pos = end + 1;
  }
  return values;
}

/** JSON documents embedded in a share page: `__NEXT_DATA__` and every app-router flight row. */
export function embeddedJson(html: string): unknown[] {
  const docs: unknown[] = [];
  const next = /<script[^>]*id=["']__NEXT_DATA__["'][^>]*>([\s\S]*?)<\/script>/i.exec(html);
  if (next) {
    try {
      docs.push(JSON.parse(next[1]));
    } catch {
      /* not JSON: ignore */
    }
  }
  docs.push(...flightValues(joinFlightChunks(html)));
  return docs;
}

/** Is this React Query key the session's track points (["session", id, token, "track-points"])? */
function isTrackPointsKey(key: unknown, session: PageSessionKey): boolean {
  if (!Array.isArray(key) || key[0] !== 'session' || !key.includes('track-points')) return false;
  return key.includes(session.sessionId);
}

/** The points of the session's track-points query, all pages merged; null when the query is absent. */
function pointsFromQuery(docs: unknown[], session: PageSessionKey): unknown[] | null {
  let found: unknown[] | null = null;
  for (const doc of docs) {
    walk(doc, (node) => {
      if (found || Array.isArray(node)) return;
      const entry = node as { queryKey?: unknown; state?: { data?: unknown } };
      if (!isTrackPointsKey(entry.queryKey, session)) return;
      const data = entry.state?.data as { pages?: unknown; trackPoints?: unknown } | undefined;
      if (!data || typeof data !== 'object') return;
      const pages = Array.isArray(data.pages) ? data.pages : [data];
      const merged: unknown[] = [];
      for (const page of pages) {
        const list = Array.isArray(page) ? page : (page as { trackPoints?: unknown } | null)?.trackPoints;
        if (Array.isArray(list)) merged.push(...list);
      }
      found = merged;
    });
    if (found) break;
  }
  return found;
}

const timeOf = (p: unknown): number => Date.parse(String((p as { dateTime?: unknown }).dateTime));

/**
 * `{ trackPoints }` from the page at or after beginMs (inclusive, like the API), or null when none
 * is found. The session's own React Query entry wins; the largest point-like array is the fallback.
 */
export function trackPointsFromPage(html: string, beginMs: number | null, session?: PageSessionKey): PagePoints | null {
  const docs = embeddedJson(html);
  let points: unknown[] | null = session ? pointsFromQuery(docs, session) : null;
  const found: PagePoints['found'] = points ? 'query' : 'heuristic';
  if (!points) {
    for (const doc of docs) {
      const candidate = largestPointArray(doc);
      if (candidate && (!points || candidate.length > points.length)) points = candidate;
    }
  }
  if (!points) return null;
  const trackPoints = beginMs === null ? points : points.filter((p) => !Number.isFinite(timeOf(p)) || timeOf(p) >= beginMs);
  return { trackPoints, found };
}
