// HTML shells of the dashboard. The pages carry no data: dashboard.js fills them from the REST API
// and the race's event stream, so a page never needs a reload to stay current.
import type { AppConfig } from '../config/app-config';
import { escapeXml as escapeHtml } from './export-format';
import { parseTileTemplate } from './map-tiles';

/** Where the controller serves the page assets (our files and the chart library from node_modules). */
export const ASSET_BASE = '/dashboard/assets';

/** What the race page hands Leaflet when maps are on (MAP_TILE_URL set). */
export interface MapSettings {
  tile_url: string;
  attribution: string;
  /** Values for `{s}` (empty without it): the same list the CSP allows, so no tile is refused. */
  subdomains: string[];
}

/** Map settings from the validated config; null = maps off, the offline track drawing only. */
export function mapSettingsOf(config: Pick<AppConfig, 'mapTileUrl' | 'mapAttribution'>): MapSettings | null {
  if (!config.mapTileUrl) return null;
  const { template, subdomains } = parseTileTemplate(config.mapTileUrl);
  return { tile_url: template, attribution: config.mapAttribution, subdomains };
}

/**
 * Same-origin only, except map tiles when maps are on: then images may also come from exactly the
 * tile server's origins (one per `{s}` value), nothing else. Scripts, styles and data always stay
 * same-origin, no CDN. Styles allow inline because uPlot and Leaflet position with style attributes.
 */
export function contentSecurityPolicy(map: MapSettings | null): string {
  const tiles = map ? parseTileTemplate(map.tile_url).origins : [];
  return (
    `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src ${["'self'", 'data:', ...tiles].join(' ')}; connect-src 'self'; ` +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'; form-action 'self'"
  );
}

/** Response headers of the dashboard pages; pass the map settings a race page was rendered with. */
export function pageHeaders(map: MapSettings | null = null): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(map),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

/** The map's container: hidden until map.js has built the map (the offline drawing stays if it cannot). */
function mapContainer(map: MapSettings, courseUrl: string): string {
  const attrs: Array<[string, string]> = [
    ['data-tiles', map.tile_url],
    ['data-subdomains', map.subdomains.join(',')],
    ['data-attribution', map.attribution],
    ['data-course', courseUrl],
  ];
  return `<div id="track-map" class="track-map" ${attrs.map(([k, v]) => `${k}="${escapeHtml(v)}"`).join(' ')} role="region" aria-label="Map of the track" hidden></div>`;
}

function layout(title: string, body: string, scripts: string[], styles: string[] = [], assetBase = ASSET_BASE): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
${[...styles, 'dashboard.css'].map((s) => `<link rel="stylesheet" href="${assetBase}/${s}">`).join('\n')}
</head>
<body>
${body}
${scripts.map((s) => `<script src="${assetBase}/${s}" defer></script>`).join('\n')}
</body>
</html>
`;
}

/**
 * The coach board (GET /dashboard): every athlete followed live on one page, worst status first,
 * finished races below. board.js fills it from the one board event stream (`data-events`).
 */
export function renderBoardPage(): string {
  return layout(
    'Coach board · livetrack-mcp',
    `<header class="top board-top">
  <h1>Coach board</h1>
  <p class="sub"><span id="board-summary" class="muted">Loading athletes…</span> <span id="conn" class="conn" role="status">connecting…</span></p>
</header>
<main id="board" data-view="board" data-events="/dashboard/events">
  <section class="board-section" aria-labelledby="h-active">
    <h2 id="h-active">On course</h2>
    <p id="board-empty" class="muted" hidden>No athlete is being tracked. Start one with POST /sessions (see the API docs).</p>
    <ol id="board-active" class="board-cards"></ol>
  </section>
  <section class="board-section" id="board-finished-section" aria-labelledby="h-finished" hidden>
    <h2 id="h-finished">Finished</h2>
    <ol id="board-finished" class="board-cards"></ol>
  </section>
</main>
<footer class="foot"><a href="/docs">API docs</a></footer>`,
    ['format.js', 'board.js'],
  );
}

const FIGURES: Array<[id: string, label: string]> = [
  ['elapsed', 'Elapsed'],
  ['distance', 'Distance'],
  ['leg', 'Leg'],
  ['last-point', 'Last point'],
  ['hr', 'Heart rate'],
  ['power', 'Power'],
  ['cadence', 'Cadence'],
  ['speed', 'Speed / pace'],
  ['points', 'Points'],
  ['poll-errors', 'Poll errors'],
  ['analysis', 'Analysis'],
  ['alerts', 'Alerts sent'],
];

const CHARTS: Array<[id: string, title: string]> = [
  ['hr', 'Heart rate (bpm)'],
  ['power', 'Power (W)'],
  ['cadence', 'Cadence (rpm on the bike, steps/min on the run)'],
  ['speed', 'Speed (km/h)'],
];

/**
 * How a race page reaches its race. The dashboard's own page uses the REST API and the race's stream;
 * a viewer link's page (/watch/<token>) only its link's routes, and shows no links into the API.
 */
export interface RacePageSource {
  /** Base of this page's routes: points at `${base}/points`, events at `${base}/events`, course at `${base}/course`, assets at `${base}/assets`. */
  base: string;
}

/**
 * `map`: maps on (mapSettingsOf the config): Leaflet and map.js load and draw the track on tiles, with
 * the course from `${base}/course` (viewer) or GET /sessions/<id>/course; null: the offline drawing only.
 */
export function renderRacePage(sessionId: string, title: string, viewer?: RacePageSource, map: MapSettings | null = null): string {
  const id = escapeHtml(sessionId);
  const path = encodeURIComponent(sessionId);
  const courseUrl = viewer ? `${viewer.base}/course` : `/sessions/${path}/course`;
  const sources = viewer
    ? ` data-points="${escapeHtml(`${viewer.base}/points`)}" data-events="${escapeHtml(`${viewer.base}/events`)}" data-course="${escapeHtml(`${viewer.base}/course`)}" data-viewer="1"`
    : '';
  const footer = viewer
    ? `<footer class="foot">Live view shared by the athlete's crew · livetrack-mcp</footer>`
    : `<footer class="foot">
  Export: <a id="export-gpx" href="/sessions/${path}/export.gpx" download>GPX</a> ·
  <a id="export-csv" href="/sessions/${path}/export.csv" download>CSV</a> ·
  <a href="/sessions/${path}">status (JSON)</a> · <a href="/sessions/${path}/summary">summary (JSON)</a>
</footer>`;
  return layout(
    `${title} · livetrack-mcp`,
    `<header class="top">
${viewer ? '' : '  <a class="back" href="/dashboard">← All races</a>\n'}  <h1 id="race-name">${escapeHtml(title)}</h1>
  <p class="sub"><span id="state" class="badge">…</span> <span id="athlete" class="muted"></span> <span id="conn" class="conn" role="status">connecting…</span></p>
</header>
<main id="race" data-view="race" data-session="${id}"${sources}>
  <section class="card figures-card" aria-labelledby="h-figures">
    <h2 id="h-figures">Now</h2>
    <dl class="figures">
${FIGURES.map(([fid, label]) => `      <div class="figure"><dt>${label}</dt><dd id="fig-${fid}">–</dd></div>`).join('\n')}
    </dl>
    <p id="last-error" class="error-text" hidden></p>
  </section>
  <section class="card track-card" aria-labelledby="h-track">
    <h2 id="h-track">Track</h2>${map ? `\n    ${mapContainer(map, courseUrl)}` : ''}
    <svg id="track" role="img" aria-labelledby="track-desc" viewBox="0 0 400 300" preserveAspectRatio="xMidYMid meet"><desc id="track-desc">Track drawn from the stored positions</desc></svg>
    <p id="track-legend" class="legend"></p>
  </section>
  <section class="card charts-card" aria-labelledby="h-charts">
    <h2 id="h-charts">Over time</h2>
    <p class="muted small">Shaded: the threshold range that applies on each leg. Dashed lines: leg changes.</p>
${CHARTS.map(([cid, ctitle]) => `    <div class="chart-block"><h3>${ctitle}</h3><div class="chart" id="chart-${cid}" data-metric="${cid}"></div></div>`).join('\n')}
  </section>
  <section class="card timeline-card" aria-labelledby="h-timeline">
    <h2 id="h-timeline">Timeline</h2>
    <ol id="timeline" class="timeline" reversed></ol>
    <p class="muted small">Alerts and fuelling reminders show with the text sent to Telegram; analysis cycles as they run.</p>
  </section>
</main>
${footer}`,
    // map.js before dashboard.js (deferred scripts run in order): dashboard.js hands it the points.
    map ? ['uPlot.iife.min.js', 'leaflet.js', 'format.js', 'map.js', 'dashboard.js'] : ['uPlot.iife.min.js', 'format.js', 'dashboard.js'],
    map ? ['uPlot.min.css', 'leaflet.css'] : ['uPlot.min.css'],
    viewer ? `${viewer.base}/assets` : ASSET_BASE,
  );
}

export function renderNotFoundPage(message: string): string {
  return layout(
    'Not found · livetrack-mcp',
    `<header class="top"><a class="back" href="/dashboard">← All races</a><h1>Not found</h1></header>
<main><p>${escapeHtml(message)}</p></main>`,
    [],
  );
}
