/* livetrack-mcp pages: number formatting shared by the coach board and the race view (every number
 * with its unit). Plain browser JavaScript, no build step: sets window.LivetrackFormat. */
(function () {
  'use strict';

  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  /** m:ss per `per` metres at `mps`. */
  function pace(mps, per) {
    if (!mps || mps <= 0.05) return '–';
    var s = Math.round(per / mps);
    return Math.floor(s / 60) + ':' + pad2(s % 60);
  }
  /** Pace per km on the run, per 100 m in the swim, km/h otherwise. */
  function speedText(mps, leg) {
    if (mps == null) return '–';
    if (leg === 'run') return pace(mps, 1000) + ' /km';
    if (leg === 'swim') return pace(mps, 100) + ' /100 m';
    return (mps * 3.6).toFixed(1) + ' km/h';
  }

  window.LivetrackFormat = { pad2: pad2, pace: pace, speedText: speedText };
})();
