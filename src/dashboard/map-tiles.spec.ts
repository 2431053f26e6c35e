import { contentSecurityPolicy, mapSettingsOf, pageHeaders, renderRacePage } from './dashboard-pages';
import { parseTileTemplate, TileTemplateError } from './map-tiles';

/** The sources one CSP directive allows. */
function directive(csp: string, name: string): string[] {
  const found = csp.split(';').map((d) => d.trim().split(/\s+/)).find(([n]) => n === name);
  if (!found) throw new Error(`no ${name} in ${csp}`);
  return found.slice(1);
}

describe('parseTileTemplate', () => {
  it('lists the one origin of a template without {s}, port and all', () => {
    expect(parseTileTemplate('http://127.0.0.1:8123/tiles/{z}/{x}/{y}.png?key=k')).toEqual({
      template: 'http://127.0.0.1:8123/tiles/{z}/{x}/{y}.png?key=k',
      origins: ['http://127.0.0.1:8123'],
      subdomains: [],
    });
  });

  it('lists one origin per subdomain when {s} is in the host, and one when it is only in the path', () => {
    expect(parseTileTemplate('https://{s}.tile.openstreetmap.org/{z}/{x}/{y}{r}.png')).toEqual({
      template: 'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}{r}.png',
      origins: ['https://a.tile.openstreetmap.org', 'https://b.tile.openstreetmap.org', 'https://c.tile.openstreetmap.org'],
      subdomains: ['a', 'b', 'c'],
    });
    expect(parseTileTemplate('https://Tiles.Example.org/{s}/{z}/{x}/{y}.png').origins).toEqual(['https://tiles.example.org']);
  });

  it.each([
    ['https://tile.example.org/{z}/{x}.png', /missing \{y\}/],
    ['https://tile.example.org/tiles.png', /missing \{z\}, \{x\}, \{y\}/],
    ['ftp://tile.example.org/{z}/{x}/{y}.png', /http\(s\) URL/],
    ['tile.example.org/{z}/{x}/{y}.png', /http\(s\) URL/],
    ['https://tile.example.org/{z}/{x}/{y}.png?style={style}', /unknown placeholder \{style\}/],
    ['https://{z}.tile.example.org/{x}/{y}.png', /\{z\} out of the host/],
    ['https://user:pw@tile.example.org/{z}/{x}/{y}.png', /user name or password/],
  ])('refuses %s, saying why', (template, why) => {
    expect(() => parseTileTemplate(template)).toThrow(TileTemplateError);
    expect(() => parseTileTemplate(template)).toThrow(why);
  });
});

describe('contentSecurityPolicy', () => {
  it('allows images from the app and data: only when maps are off', () => {
    const csp = contentSecurityPolicy(null);
    expect(directive(csp, 'img-src')).toEqual(["'self'", 'data:']);
    expect(directive(csp, 'default-src')).toEqual(["'self'"]);
    expect(directive(csp, 'script-src')).toEqual(["'self'"]);
    expect(directive(csp, 'connect-src')).toEqual(["'self'"]);
    expect(pageHeaders()['Content-Security-Policy']).toBe(csp);
  });

  it('adds exactly the tile origins to img-src when maps are on, and nothing to scripts or connections', () => {
    const one = mapSettingsOf({ mapTileUrl: 'http://127.0.0.1:8123/{z}/{x}/{y}.png', mapAttribution: 'Tiles © Test' });
    expect(directive(contentSecurityPolicy(one), 'img-src')).toEqual(["'self'", 'data:', 'http://127.0.0.1:8123']);

    const osm = mapSettingsOf({ mapTileUrl: 'https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png', mapAttribution: '' });
    const csp = contentSecurityPolicy(osm);
    // Each subdomain Leaflet will use, by name: no wildcard letting in the rest of the domain.
    expect(directive(csp, 'img-src')).toEqual([
      "'self'", 'data:', 'https://a.tile.openstreetmap.org', 'https://b.tile.openstreetmap.org', 'https://c.tile.openstreetmap.org',
    ]);
    expect(csp).not.toContain('*');
    for (const name of ['default-src', 'script-src', 'connect-src']) expect(directive(csp, name)).toEqual(["'self'"]);
    expect(osm?.subdomains).toEqual(['a', 'b', 'c']);
  });
});

describe('race page with and without maps', () => {
  it('without MAP_TILE_URL loads no map code and has no map container', () => {
    expect(mapSettingsOf({ mapTileUrl: null, mapAttribution: 'ignored' })).toBeNull();
    const html = renderRacePage('abc-123', 'Race');
    expect(html).not.toMatch(/leaflet|map\.js|track-map/);
    expect(html).toContain('<svg id="track"');
  });

  it('with MAP_TILE_URL loads Leaflet and map.js before dashboard.js and passes the settings as escaped data attributes', () => {
    const map = mapSettingsOf({ mapTileUrl: 'https://{s}.tiles.example.org/{z}/{x}/{y}.png?a=1&b=2', mapAttribution: '© Example <b>"maps"</b>' });
    const html = renderRacePage('abc-123', 'Race', undefined, map);
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(['/dashboard/assets/uPlot.iife.min.js', '/dashboard/assets/leaflet.js', '/dashboard/assets/format.js', '/dashboard/assets/map.js', '/dashboard/assets/dashboard.js']);
    expect(html).toContain('<link rel="stylesheet" href="/dashboard/assets/leaflet.css">');
    expect(html).toContain('data-tiles="https://{s}.tiles.example.org/{z}/{x}/{y}.png?a=1&amp;b=2"');
    expect(html).toContain('data-subdomains="a,b,c"');
    expect(html).toContain('data-attribution="© Example &lt;b&gt;&quot;maps&quot;&lt;/b&gt;"');
    expect(html).toContain('data-course="/sessions/abc-123/course"');
    // No inline script: settings travel as data, the CSP keeps script-src 'self'.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
  });

  it('reads the course from the viewer page\'s own routes on a viewer link', () => {
    const map = mapSettingsOf({ mapTileUrl: 'http://127.0.0.1:1/{z}/{x}/{y}.png', mapAttribution: '' });
    const html = renderRacePage('abc-123', 'Race', { base: '/watch/tok' }, map);
    expect(html).toContain('data-course="/watch/tok/course"');
    expect(html).toContain('<script src="/watch/tok/assets/map.js" defer></script>');
  });
});
