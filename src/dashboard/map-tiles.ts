// Raster tile templates (MAP_TILE_URL) for the dashboard maps. Pure: the config validates a template
// with it at boot, and the pages derive from it the exact origins their Content-Security-Policy lets
// images come from.

/** Leaflet's default `{s}` values; the page passes the same list to Leaflet, so the CSP matches every tile host. */
export const TILE_SUBDOMAINS = ['a', 'b', 'c'] as const;

const REQUIRED = ['{z}', '{x}', '{y}'] as const;
/** `{r}` is Leaflet's retina suffix ('' or '@2x'); it never changes the origin. */
const KNOWN = new Set(['{s}', '{z}', '{x}', '{y}', '{r}']);

export interface TileTemplate {
  template: string;
  /** Every scheme://host[:port] a tile can come from (one per subdomain when `{s}` is in the host). */
  origins: string[];
  /** Values for `{s}`; empty when the template has none. */
  subdomains: string[];
}

/** Why a template cannot be used; the config turns it into one line naming MAP_TILE_URL. */
export class TileTemplateError extends Error {}

/** Checks a template like `https://{s}.tile.example.org/{z}/{x}/{y}.png` and lists its origins. */
export function parseTileTemplate(value: string): TileTemplate {
  const template = value.trim();
  const example = 'https://tile.example.org/{z}/{x}/{y}.png';
  const unknown = (template.match(/\{[^}]*\}/g) ?? []).filter((p) => !KNOWN.has(p));
  if (unknown.length) {
    throw new TileTemplateError(`has unknown placeholder ${unknown[0]}: only {s}, {z}, {x}, {y} and {r} are filled in (got "${template}")`);
  }
  const missing = REQUIRED.filter((p) => !template.includes(p));
  if (missing.length) {
    throw new TileTemplateError(`must be a tile URL template containing {z}, {x} and {y}, like ${example} (missing ${missing.join(', ')} in "${template}")`);
  }
  const hasS = template.includes('{s}');
  const fill = (s: string) => template.replace(/\{s\}/g, s).replace(/\{[zxy]\}/g, '0').replace(/\{r\}/g, '');
  const origins: string[] = [];
  for (const s of hasS ? TILE_SUBDOMAINS : ['a']) {
    let url: URL;
    try {
      url = new URL(fill(s));
    } catch {
      throw new TileTemplateError(`must be an http(s) URL template like ${example} (got "${template}")`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TileTemplateError(`must be an http(s) URL template like ${example} (got "${template}")`);
    }
    if (url.username || url.password) {
      throw new TileTemplateError('must not carry a user name or password (browsers refuse such image URLs); put an API key in the query instead');
    }
    if (!origins.includes(url.origin)) origins.push(url.origin);
  }
  // The CSP lists exact origins: a tile coordinate in the host would make them unbounded.
  const authority = template.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split(/[/?#]/)[0];
  const inHost = ['{z}', '{x}', '{y}', '{r}'].filter((p) => authority.includes(p));
  if (inHost.length) {
    throw new TileTemplateError(`must keep ${inHost.join(', ')} out of the host name (only {s} may be there) (got "${template}")`);
  }
  return { template, origins, subdomains: hasS ? [...TILE_SUBDOMAINS] : [] };
}
