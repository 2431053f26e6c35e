import { EMPTY_THRESHOLDS } from '../control/thresholds';
import { renderBoardPage, renderNotFoundPage, renderRacePage } from './dashboard-pages';
import { dashboardStatus } from './dashboard-view';
import type { SessionStatus } from '../tracking/session-status';

describe('dashboard pages', () => {
  it('escapes the race name and links the exports and assets of the race', () => {
    const html = renderRacePage('abc-123', 'Ironman <script>alert(1)</script> & "friends"');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('Ironman &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;');
    expect(html).toContain('data-session="abc-123"');
    expect(html).toContain('href="/sessions/abc-123/export.gpx"');
    expect(html).toContain('href="/sessions/abc-123/export.csv"');
    expect(html).toContain('<script src="/dashboard/assets/uPlot.iife.min.js" defer></script>');
    // Nothing is fetched from elsewhere: every src/href is same-origin or a data: URL.
    expect(html.match(/(?:src|href)="(?!\/|data:)[^"]*"/g)).toBeNull();
    expect(renderBoardPage()).toContain('data-events="/dashboard/events"');
    expect(renderNotFoundPage('No race <x>')).toContain('No race &lt;x&gt;');
  });
});

describe('dashboardStatus', () => {
  it('sends the thresholds that apply on each leg, as the alert rules read them', () => {
    const status = { thresholds: { ...EMPTY_THRESHOLDS, hr_max: 150, power_min: 180, run_hr_max: 160, run_cadence_min: 170 } } as unknown as SessionStatus;
    const view = dashboardStatus(status, [], [], Date.UTC(2026, 5, 1));
    expect(view.thresholds_by_leg.bike).toEqual([
      { field: 'hr_max', metric: 'heart_rate', bound: 'max', value: 150 },
      { field: 'power_min', metric: 'power', bound: 'min', value: 180 },
    ]);
    expect(view.thresholds_by_leg.run).toEqual([
      { field: 'run_hr_max', metric: 'heart_rate', bound: 'max', value: 160 },
      { field: 'run_cadence_min', metric: 'cadence', bound: 'min', value: 170 },
    ]);
    expect(view.server_time).toBe('2026-06-01T00:00:00.000Z');
  });
});
