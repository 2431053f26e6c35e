// Last-resort data source: the share page embeds the app's data (Next.js `__NEXT_DATA__` or
// `self.__next_f.push(...)` fragments). When the JSON endpoints change shape, the largest array of
// point-like objects found there keeps tracking alive (see shared/docs/garmin-livetrack.md).

/** Objects that look like trackpoints: a dateTime and a position. */
function isPointLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'dateTime' in value && 'position' in value;
}

/** Depth-first search for the largest array whose items are mostly point-like. */
function largestPointArray(root: unknown): unknown[] | null {
  let best: unknown[] | null = null;
  const stack: unknown[] = [root];
  let visited = 0;
  while (stack.length && visited++ < 200_000) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      const pointLike = node.filter(isPointLike).length;
      if (pointLike > 0 && pointLike >= node.length / 2 && (!best || node.length > best.length)) best = node;
      for (const item of node) if (item && typeof item === 'object') stack.push(item);
    } else if (node && typeof node === 'object') {
      for (const item of Object.values(node)) if (item && typeof item === 'object') stack.push(item);
    }
  }
  return best;
}

/** JSON documents embedded in a share page. Unparseable fragments are skipped. */
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
  // App-router pages stream data as self.__next_f.push([1, "<json-escaped text>"]).
  for (const match of html.matchAll(/self\.__next_f\.push\(\s*\[\s*\d+\s*,\s*("(?:[^"\\]|\\.)*")\s*\]\s*\)/g)) {
    try {
      const text = JSON.parse(match[1]) as string;
      // A fragment is "<id>:<json>"; try the JSON after the first colon, then the whole text.
      const colon = text.indexOf(':');
      for (const candidate of [text.slice(colon + 1), text]) {
        try {
          docs.push(JSON.parse(candidate));
          break;
        } catch {
          /* try next */
        }
      }
    } catch {
      /* not a string literal */
    }
  }
  return docs;
}

/** `{ trackPoints }` from the page, at or after beginMs (inclusive, like the API), or null if none found. */
export function trackPointsFromPage(html: string, beginMs: number | null): { trackPoints: unknown[] } | null {
  let best: unknown[] | null = null;
  for (const doc of embeddedJson(html)) {
    const found = largestPointArray(doc);
    if (found && (!best || found.length > best.length)) best = found;
  }
  if (!best) return null;
  const trackPoints =
    beginMs === null
      ? best
      : best.filter((p) => {
          const t = Date.parse(String((p as { dateTime?: unknown }).dateTime));
          return !Number.isFinite(t) || t >= beginMs;
        });
  return { trackPoints };
}
