/* livetrack-mcp dashboard: plain browser JavaScript, no build step. The list view polls GET /sessions;
 * the race view loads the stored points from the REST API and then follows the race's Server-Sent
 * Events (/dashboard/<id>/events), so figures, track and charts move without a reload. Data from the
 * server only ever reaches the page as text (textContent / SVG attributes), never as HTML. */
(function () {
  'use strict';

  var SVG_NS = 'http://www.w3.org/2000/svg';
  var LEG_COLOURS = { swim: '#0369a1', t1: '#4b5563', bike: '#b45309', t2: '#4b5563', run: '#047857', other: '#6d28d9' };
  var LEG_NAMES = { swim: 'Swim', t1: 'T1', bike: 'Bike', t2: 'T2', run: 'Run', other: 'Other' };
  var INK = '#1f2937';
  /** Timeline label per alert kind (RecentAlert.kind); threshold alerts keep their plain "Alert:". */
  var ALERT_LABEL = { threshold: 'Alert: ', fuel: 'Fuel reminder: ', w_bal: 'W′ balance alert: ', decoupling: 'Decoupling alert: ' };
  var GRID = '#e5e7eb';

  // Before initRace runs: shared formatting (format.js, loaded first).
  var pad2 = window.LivetrackFormat.pad2;
  var speedText = window.LivetrackFormat.speedText;

  var root = document.querySelector('main[data-view]');
  if (!root) return;
  initRace(root.getAttribute('data-session'), {
    // Where this page reads its race: the REST API and the race's stream, or a viewer link's own routes.
    points: root.getAttribute('data-points') || '/sessions/' + encodeURIComponent(root.getAttribute('data-session')) + '/points',
    events: root.getAttribute('data-events') || '/dashboard/' + encodeURIComponent(root.getAttribute('data-session')) + '/events',
  });

  // ---------- formatting (every number with its unit) ----------

  function duration(s) {
    if (s == null || !isFinite(s)) return '–';
    s = Math.max(0, Math.round(s));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return h + ':' + pad2(m) + ':' + pad2(s % 60);
  }
  function age(s) {
    if (s == null || !isFinite(s)) return '–';
    s = Math.max(0, Math.round(s));
    if (s < 90) return s + ' s ago';
    if (s < 5400) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s ago';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min ago';
  }
  function clock(ms) {
    if (ms == null || !isFinite(ms)) return '–';
    var d = new Date(ms);
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
  }
  function dateTime(ms) {
    if (ms == null || !isFinite(ms)) return '–';
    var d = new Date(ms);
    return d.getFullYear() + '-' + pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + ' ' + clock(ms);
  }
  function km(m) { return m == null ? '–' : (m / 1000).toFixed(2) + ' km'; }
  function cadenceUnit(leg) { return leg === 'run' ? 'steps/min' : 'rpm'; }
  function legName(leg) { return LEG_NAMES[leg] || leg || '–'; }
  function parseTime(iso) { return iso ? Date.parse(iso) : null; }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    if (attrs) for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  }
  /** Main figure text plus an optional smaller second line. */
  function setFigure(id, main, sub) {
    var dd = document.getElementById('fig-' + id);
    if (!dd) return;
    dd.textContent = main;
    if (sub) dd.appendChild(el('small', null, sub));
  }
  function getJson(url) {
    return fetch(url, { headers: { accept: 'application/json' } }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status + ' from ' + url);
      return res.json();
    });
  }

  // ---------- one race ----------

  function initRace(sessionId, urls) {
    var points = [];
    var seen = new Set();
    var current = null; // last DashboardStatus
    var statusAt = 0;
    var thresholdsByLeg = { bike: [], run: [] };
    var extraEvents = []; // timeline entries seen while the page is open
    var analyses = {}, seenAlerts = {}, seenPollErrors = null;
    var renderTimer = null;
    var charts = createCharts();
    // Maps on (map.js loaded): the track on tiles, fed the same points; the offline drawing otherwise.
    var map = window.LivetrackMap ? window.LivetrackMap.create({ colours: LEG_COLOURS, legName: legName }) : null;

    function merge(list) {
      if (!list || !list.length) return;
      var newest = points.length ? points[points.length - 1].t : -Infinity;
      var unordered = false;
      list.forEach(function (p) {
        var t = Date.parse(p.time);
        if (!isFinite(t) || seen.has(t)) return;
        seen.add(t);
        p.t = t;
        if (t < newest) unordered = true;
        points.push(p);
      });
      if (unordered) points.sort(function (a, b) { return a.t - b.t; });
      scheduleRender();
    }

    /** Loads what the stream may have missed (first load, reconnects): points at or after the newest one held. */
    function resync() {
      var since = points.length ? new Date(points[points.length - 1].t).toISOString() : '1970-01-01T00:00:00.000Z';
      return getJson(urls.points + '?since=' + encodeURIComponent(since)).then(function (body) {
        merge(body.points);
      }, function (error) { setConn('down', 'could not load points: ' + error.message); });
    }

    function onStatus(payload) {
      var s = payload.status;
      thresholdsByLeg = payload.thresholds_by_leg || thresholdsByLeg;
      var now = Date.now();
      // Each stored analysis cycle, newest first from the server; keyed by job so each shows once.
      (payload.analyses || []).forEach(function (a) { analyses[a.job_id] = a; });
      // The server lists the alerts it raised (text as sent to Telegram); keyed so each shows once.
      // Fuelling reminders are advice, not warnings: their own label and style.
      (payload.alerts || []).forEach(function (a) {
        var alertKind = a.kind || 'threshold';
        var key = a.at + '|' + alertKind + '|' + a.field;
        if (seenAlerts[key]) return;
        seenAlerts[key] = true;
        var how = a.outcome === 'delivered' ? '' : a.outcome === 'disabled' ? ' (Telegram off)' : a.outcome === 'muted' ? ' (muted)' : ' (delivery failed)';
        extraEvents.push({
          t: parseTime(a.at),
          kind: alertKind === 'fuel' ? 'fuel' : 'alert',
          alertKind: alertKind,
          text: (ALERT_LABEL[alertKind] || 'Alert: ') + a.text + how,
        });
      });
      if (seenPollErrors !== null && s.poll_errors > seenPollErrors) {
        extraEvents.push({ t: now, kind: 'error', text: 'Poll error' + (s.last_error ? ': ' + s.last_error : '') + ' (' + s.poll_errors + ' so far)' });
      }
      seenPollErrors = s.poll_errors;
      current = s;
      statusAt = now;
      scheduleRender();
    }

    var conn = document.getElementById('conn');
    function setConn(kind, text) {
      conn.className = 'conn ' + kind;
      conn.textContent = text;
    }

    var source = new EventSource(urls.events);
    source.addEventListener('open', function () { setConn('live', '● live'); resync(); });
    source.addEventListener('error', function () {
      setConn('down', source.readyState === EventSource.CLOSED ? 'live updates stopped (reload to retry)' : 'reconnecting…');
    });
    source.addEventListener('points', function (e) { merge(JSON.parse(e.data).points); });
    source.addEventListener('status', function (e) { onStatus(JSON.parse(e.data)); });
    // Ages move on between events.
    setInterval(renderFigures, 1000);

    function scheduleRender() {
      if (renderTimer !== null) return;
      renderTimer = setTimeout(function () {
        renderTimer = null;
        render();
      }, 50);
    }

    function render() {
      var spans = legSpans();
      renderHeader();
      renderFigures();
      renderTrack();
      if (map) map.update(points, current);
      renderCharts(spans);
      renderTimeline(spans);
    }

    function legSpans() {
      var spans = [];
      points.forEach(function (p) {
        var last = spans[spans.length - 1];
        if (!last || last.leg !== p.leg) spans.push({ leg: p.leg, from: p.t, to: p.t });
        else last.to = p.t;
      });
      // A leg lasts until the next one starts.
      for (var i = 0; i + 1 < spans.length; i++) spans[i].to = spans[i + 1].from;
      return spans;
    }

    function renderHeader() {
      if (!current) return;
      var name = current.race_name || current.session_name || sessionId;
      var h1 = document.getElementById('race-name');
      if (h1.textContent !== name) {
        h1.textContent = name;
        document.title = name + ' · livetrack-mcp';
      }
      var state = document.getElementById('state');
      state.className = 'badge ' + current.state;
      state.textContent = current.state + (current.active && current.poll_state ? ' · ' + current.poll_state : '') +
        (!current.active && current.stop_reason ? ' · ' + current.stop_reason : '');
      document.getElementById('athlete').textContent = current.athlete || '';
    }

    /** Newest value of a field within the last minute of points, with the point it came from. */
    function latest(field) {
      if (!points.length) return null;
      var end = points[points.length - 1].t;
      for (var i = points.length - 1; i >= 0 && end - points[i].t <= 60000; i--) {
        if (points[i][field] != null) return points[i];
      }
      return null;
    }

    function renderFigures() {
      var first = points[0], last = points[points.length - 1];
      setFigure('elapsed', last ? duration((last.t - first.t) / 1000) : '–', last ? 'race clock at the last point' : null);
      // Garmin's cumulative distance of the newest point: a race picked up after its start still shows it all.
      var d1 = null;
      for (var j = points.length - 1; j >= 0 && d1 == null; j--) d1 = points[j].distance_m;
      setFigure('distance', d1 == null ? '–' : km(d1));
      var leg = (current && current.current_leg) || (last && last.leg);
      setFigure('leg', legName(leg));
      if (current) {
        var lastAt = parseTime(current.last_point_at);
        if (current.active && current.stale_s != null) {
          setFigure('last-point', age(current.stale_s + (Date.now() - statusAt) / 1000), lastAt ? 'point time ' + clock(lastAt) : 'no point yet');
        } else {
          setFigure('last-point', lastAt ? clock(lastAt) : '–', lastAt ? dateTime(lastAt).slice(0, 10) : 'no point');
        }
        setFigure('points', String(current.points), points.length !== current.points ? points.length + ' drawn' : null);
        setFigure('poll-errors', String(current.poll_errors), current.polls + ' polls');
        var a = current.analysis || { runs: 0, errors: 0 };
        setFigure('analysis', a.runs + (a.runs === 1 ? ' run' : ' runs'),
          (a.errors ? a.errors + ' failed · ' : '') + (a.last_at ? 'last ' + clock(parseTime(a.last_at)) + (a.last_result ? ' (' + a.last_result + ')' : '') : 'none yet'));
        setFigure('alerts', String(current.alerts_sent));
        var err = document.getElementById('last-error');
        err.hidden = !current.last_error;
        err.textContent = current.last_error ? 'Last poll error: ' + current.last_error : '';
      }
      var hr = latest('heart_rate'), pw = latest('power'), cad = latest('cadence'), sp = latest('speed_mps');
      setFigure('hr', hr ? hr.heart_rate + ' bpm' : '–');
      setFigure('power', pw ? pw.power + ' W' : '–');
      setFigure('cadence', cad ? cad.cadence + ' ' + cadenceUnit(cad.leg) : '–');
      setFigure('speed', sp ? speedText(sp.speed_mps, sp.leg) : '–', sp && (sp.leg === 'run' || sp.leg === 'swim') ? (sp.speed_mps * 3.6).toFixed(1) + ' km/h' : null);
    }

    // ----- track: an equirectangular projection of the stored positions, no map tiles -----

    function renderTrack() {
      var box = document.getElementById('track');
      var desc = document.getElementById('track-desc');
      while (box.lastChild && box.lastChild !== desc) box.removeChild(box.lastChild);
      var pos = points.filter(function (p) { return p.lat != null && p.lon != null; });
      if (!pos.length) {
        box.appendChild(svg('text', { x: 200, y: 150, 'text-anchor': 'middle' }, 'No positions yet'));
        return;
      }
      var minLat = Infinity, maxLat = -Infinity, minLon = Infinity, maxLon = -Infinity;
      pos.forEach(function (p) {
        minLat = Math.min(minLat, p.lat); maxLat = Math.max(maxLat, p.lat);
        minLon = Math.min(minLon, p.lon); maxLon = Math.max(maxLon, p.lon);
      });
      var kx = Math.cos(((minLat + maxLat) / 2) * Math.PI / 180);
      var w = Math.max((maxLon - minLon) * kx, 1e-6), h = Math.max(maxLat - minLat, 1e-6);
      var W = 400, H = Math.round(Math.min(400, Math.max(220, (W * h) / w)));
      var padding = 24;
      var scale = Math.min((W - 2 * padding) / w, (H - 2 * padding) / h);
      var ox = (W - w * scale) / 2, oy = (H - h * scale) / 2;
      box.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
      function xy(p) {
        return [ox + (p.lon - minLon) * kx * scale, oy + (maxLat - p.lat) * scale];
      }
      // One line per leg; each starts where the previous ended so the track stays continuous.
      var segments = [];
      pos.forEach(function (p) {
        var seg = segments[segments.length - 1];
        if (!seg || seg.leg !== p.leg) {
          var joined = seg ? [seg.pts[seg.pts.length - 1]] : [];
          seg = { leg: p.leg, pts: joined };
          segments.push(seg);
        }
        seg.pts.push(xy(p));
      });
      segments.forEach(function (seg) {
        box.appendChild(svg('polyline', {
          class: 'leg-line leg-' + seg.leg,
          stroke: LEG_COLOURS[seg.leg] || LEG_COLOURS.other,
          points: seg.pts.map(function (c) { return c[0].toFixed(1) + ',' + c[1].toFixed(1); }).join(' '),
          'data-points': String(seg.pts.length),
        }));
      });
      scaleBar(box, scale, W, H);
      var start = xy(pos[0]);
      box.appendChild(svg('circle', { id: 'track-start', cx: start[0], cy: start[1], r: 6, fill: '#065f46', stroke: '#fff', 'stroke-width': 2 }));
      box.appendChild(svg('text', { x: start[0] + 9, y: start[1] - 8 }, 'Start'));
      var end = xy(pos[pos.length - 1]);
      if (current && !current.active) {
        box.appendChild(svg('rect', { id: 'track-finish', x: end[0] - 6, y: end[1] - 6, width: 12, height: 12, fill: '#111827', stroke: '#fff', 'stroke-width': 2 }));
        box.appendChild(svg('text', { x: end[0] + 9, y: end[1] + 16 }, 'Finish'));
      } else {
        box.appendChild(svg('circle', { cx: end[0], cy: end[1], r: 12, fill: 'rgba(185, 28, 28, 0.2)' }));
        var here = svg('circle', { id: 'track-current', cx: end[0], cy: end[1], r: 6, fill: '#b91c1c', stroke: '#fff', 'stroke-width': 2 });
        here.appendChild(svg('title', null, 'Current position at ' + clock(pos[pos.length - 1].t)));
        box.appendChild(here);
      }
      desc.textContent = 'Track from ' + pos.length + ' positions; ' + (current && !current.active ? 'finished.' : 'current position marked in red.');

      var legend = document.getElementById('track-legend');
      legend.textContent = '';
      var legs = [];
      segments.forEach(function (s) { if (legs.indexOf(s.leg) < 0) legs.push(s.leg); });
      legs.forEach(function (leg) {
        var item = el('span');
        item.appendChild(el('span', { class: 'swatch', style: 'background:' + (LEG_COLOURS[leg] || LEG_COLOURS.other) }));
        item.appendChild(document.createTextNode(legName(leg)));
        legend.appendChild(item);
      });
    }

    function scaleBar(box, unitsPerDeg, W, H) {
      var pxPerM = unitsPerDeg / 111320;
      var steps = [50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
      var metres = steps[0];
      steps.forEach(function (m) { if (m * pxPerM <= W * 0.3) metres = m; });
      var len = metres * pxPerM, x = 12, y = H - 12;
      box.appendChild(svg('path', { d: 'M' + x + ' ' + (y - 5) + 'v5h' + len.toFixed(1) + 'v-5', fill: 'none', stroke: '#111827', 'stroke-width': 2 }));
      box.appendChild(svg('text', { x: x + len + 6, y: y }, metres >= 1000 ? metres / 1000 + ' km' : metres + ' m'));
    }

    // ----- charts (uPlot from node_modules, served by the app) -----

    function createCharts() {
      var defs = [
        { id: 'hr', field: 'heart_rate', metric: 'heart_rate', label: 'Heart rate', unit: 'bpm', colour: '#b91c1c' },
        { id: 'power', field: 'power', metric: 'power', label: 'Power', unit: 'W', colour: '#6d28d9' },
        { id: 'cadence', field: 'cadence', metric: 'cadence', label: 'Cadence', unit: 'rpm | steps/min', colour: '#0369a1' },
        { id: 'speed', field: 'speed_mps', metric: null, label: 'Speed', unit: 'km/h', colour: '#047857', transform: function (v) { return Math.round(v * 36) / 10; } },
      ];
      return defs.map(function (def) {
        def.el = document.getElementById('chart-' + def.id);
        def.el.setAttribute('role', 'img');
        def.el.setAttribute('aria-label', def.label + ' over time: no data yet');
        def.plot = null;
        def.spans = [];
        return def;
      });
    }

    function thresholdsFor(def, leg) {
      if (!def.metric) return [];
      return (thresholdsByLeg[leg] || []).filter(function (t) { return t.metric === def.metric; });
    }

    function makePlot(def, data) {
      var pxr = function () { return (window.uPlot && window.uPlot.pxRatio) || window.devicePixelRatio || 1; };
      var opts = {
        width: Math.max(def.el.clientWidth, 200),
        height: 170,
        cursor: { sync: { key: 'race' }, drag: { x: true, y: false } },
        scales: {
          x: { time: true },
          y: {
            range: function (u, min, max) {
              var lo = min, hi = max;
              def.spans.forEach(function (s) {
                thresholdsFor(def, s.leg).forEach(function (t) {
                  lo = lo == null ? t.value : Math.min(lo, t.value);
                  hi = hi == null ? t.value : Math.max(hi, t.value);
                });
              });
              if (lo == null || hi == null) return [0, 1];
              var padding = Math.max(1, (hi - lo) * 0.1);
              return [Math.max(0, Math.floor(lo - padding)), Math.ceil(hi + padding)];
            },
          },
        },
        axes: [
          {
            stroke: INK, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 },
            // 24-hour clock times; seconds only when ticks are closer than a minute.
            values: function (u, splits) {
              var step = splits.length > 1 ? splits[1] - splits[0] : 60;
              return splits.map(function (v) { var c = clock(v * 1000); return step < 60 ? c : c.slice(0, 5); });
            },
          },
          { stroke: INK, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 }, size: 48 },
        ],
        series: [
          { label: 'Time', value: function (u, v) { return v == null ? '–' : dateTime(v * 1000); } },
          {
            label: def.label,
            stroke: def.colour,
            width: 1.5,
            points: { show: false },
            value: function (u, v) { return v == null ? '–' : v + ' ' + def.unit; },
          },
        ],
        hooks: {
          // Under the series: the threshold range of each leg, shaded, with its limits dashed.
          // Under the series: the threshold range of each leg, shaded, with its limits dashed.
          drawClear: [function (u) {
            var ctx = u.ctx, b = u.bbox, r = pxr();
            var bands = bandsOf(u, def);
            ctx.save();
            ctx.beginPath();
            ctx.rect(b.left, b.top, b.width, b.height);
            ctx.clip();
            ctx.strokeStyle = '#b91c1c';
            ctx.lineWidth = r;
            ctx.setLineDash([5 * r, 4 * r]);
            bands.forEach(function (band) {
              ctx.fillStyle = 'rgba(16, 185, 129, 0.16)';
              ctx.fillRect(band.x0, band.yTop, band.x1 - band.x0, band.yBot - band.yTop);
              band.limits.forEach(function (l) {
                ctx.beginPath();
                ctx.moveTo(band.x0, l.y);
                ctx.lineTo(band.x1, l.y);
                ctx.stroke();
              });
            });
            ctx.restore();
            def.el.setAttribute('data-bands', String(bands.length));
          }],
          // Over the series: leg changes.
          draw: [function (u) {
            var ctx = u.ctx, b = u.bbox, r = pxr();
            ctx.save();
            ctx.strokeStyle = '#374151';
            ctx.fillStyle = '#111827';
            ctx.lineWidth = r;
            ctx.setLineDash([3 * r, 3 * r]);
            ctx.font = 'bold ' + (11 * r) + 'px system-ui, sans-serif';
            ctx.textAlign = 'left'; // uPlot leaves the axes' alignment on the context
            ctx.textBaseline = 'alphabetic';
            var spans = def.spans;
            spans.forEach(function (s, i) {
              var x = u.valToPos(s.from / 1000, 'x', true);
              if (x < b.left - 1 || x > b.left + b.width + 1) return;
              if (i > 0) {
                ctx.beginPath();
                ctx.moveTo(x, b.top);
                ctx.lineTo(x, b.top + b.height);
                ctx.stroke();
              }
              // Named only where the name fits before the next leg (short transitions stay unnamed).
              var name = legName(s.leg);
              var room = (i + 1 < spans.length ? u.valToPos(spans[i + 1].from / 1000, 'x', true) : b.left + b.width) - x;
              if (ctx.measureText(name).width + 6 * r <= room) haloText(ctx, name, x + 3 * r, b.top + 12 * r, r);
            });
            // Threshold values, right-aligned at the end of their leg (its name sits at its start),
            // spilling left when the leg is narrow; outside the band where there is room.
            ctx.font = (11 * r) + 'px system-ui, sans-serif';
            ctx.fillStyle = '#7f1d1d';
            ctx.textAlign = 'right';
            bandsOf(u, def).forEach(function (band) {
              band.limits.forEach(function (l) {
                var label = l.t.field + ' ' + l.t.value;
                var lx = Math.max(b.left + ctx.measureText(label).width + 2 * r, band.x1 - 4 * r);
                var above = l.t.bound === 'max' ? l.y - b.top > 14 * r : b.top + b.height - l.y < 14 * r;
                haloText(ctx, label, lx, above ? l.y - 3 * r : l.y + 12 * r, r);
              });
            });
            ctx.restore();
          }],
        },
      };
      def.el.textContent = '';
      def.plot = new window.uPlot(opts, data, def.el);
      if (window.ResizeObserver) {
        new ResizeObserver(function () {
          var width = Math.max(def.el.clientWidth, 200);
          if (def.plot && Math.abs(def.plot.width - width) > 1) def.plot.setSize({ width: width, height: 170 });
        }).observe(def.el);
      }
    }

    /** Canvas geometry of each leg's threshold band on a chart. */
    function bandsOf(u, def) {
      var b = u.bbox, out = [];
      def.spans.forEach(function (s) {
        var ths = thresholdsFor(def, s.leg);
        if (!ths.length) return;
        var max = ths.filter(function (t) { return t.bound === 'max'; })[0];
        var min = ths.filter(function (t) { return t.bound === 'min'; })[0];
        out.push({
          x0: u.valToPos(s.from / 1000, 'x', true),
          x1: u.valToPos(s.to / 1000, 'x', true),
          yTop: max ? u.valToPos(max.value, 'y', true) : b.top,
          yBot: min ? u.valToPos(min.value, 'y', true) : b.top + b.height,
          limits: [max, min].filter(Boolean).map(function (t) { return { t: t, y: u.valToPos(t.value, 'y', true) }; }),
        });
      });
      return out;
    }

    /** Text with a white outline, readable over lines and bands. */
    function haloText(ctx, text, x, y, r) {
      ctx.save();
      ctx.setLineDash([]);
      ctx.lineJoin = 'round';
      ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
      ctx.lineWidth = 3 * r;
      ctx.strokeText(text, x, y);
      ctx.restore();
      ctx.fillText(text, x, y);
    }

    function renderCharts(spans) {
      var xs = points.map(function (p) { return p.t / 1000; });
      charts.forEach(function (def) {
        var ys = points.map(function (p) {
          var v = p[def.field];
          return v == null ? null : def.transform ? def.transform(v) : v;
        });
        var n = ys.filter(function (v) { return v != null; }).length;
        def.spans = spans;
        if (!n) {
          if (!def.plot) def.el.textContent = '';
          if (!def.plot) def.el.appendChild(el('p', { class: 'empty' }, 'No ' + def.label.toLowerCase() + ' data yet.'));
          if (def.plot) def.plot.setData([xs, ys]);
          return;
        }
        if (!def.plot) makePlot(def, [xs, ys]);
        else def.plot.setData([xs, ys]);
        var lastValue = null;
        for (var i = ys.length - 1; i >= 0 && lastValue === null; i--) lastValue = ys[i];
        def.el.setAttribute('aria-label', def.label + ' over time: ' + n + ' samples, latest ' + lastValue + ' ' + def.unit);
        def.el.setAttribute('data-samples', String(n));
      });
    }

    // ----- timeline: legs from the points, lifecycle, analysis cycles, alerts, poll errors -----

    /** One analysis cycle: a one-line summary; its text and tool calls folded under it. */
    function analysisEntry(a) {
      var calls = a.tool_calls || [];
      var label = 'Analysis ' + a.outcome + (calls.length ? ' · ' + calls.length + ' tool call' + (calls.length > 1 ? 's' : '') : '') +
        (a.input_tokens + a.output_tokens ? ' · ' + (a.input_tokens + a.output_tokens) + ' tokens' : '');
      var details = el('details', { class: 'analysis', 'data-job': a.job_id });
      details.appendChild(el('summary', null, label));
      var body = a.text || a.detail;
      if (body) details.appendChild(el('p', { class: 'analysis-text' }, body));
      if (calls.length) {
        var list = el('ul', { class: 'tool-calls' });
        calls.forEach(function (c) {
          list.appendChild(el('li', { class: c.ok ? 'ok' : 'failed' }, (c.ok ? '✓ ' : '✗ ') + c.name + ' ' + JSON.stringify(c.input) + (c.ok ? '' : ' — ' + c.result)));
        });
        details.appendChild(list);
      }
      return details;
    }

    function renderTimeline(spans) {
      var items = spans.map(function (s) { return { t: s.from, kind: 'leg', text: legName(s.leg) + ' started' }; });
      if (current) {
        items.push({ t: parseTime(current.started_at), kind: 'info', text: 'Tracking started' });
        if (current.stopped_at) {
          items.push({ t: parseTime(current.stopped_at), kind: 'info', text: 'Tracking ' + current.state + (current.stop_reason ? ' (' + current.stop_reason + (current.stop_detail ? ': ' + current.stop_detail : '') + ')' : '') });
        }
      }
      Object.keys(analyses).forEach(function (job) {
        var a = analyses[job];
        items.push({ t: parseTime(a.finished_at), kind: a.outcome === 'sent' || a.outcome === 'completed' ? 'analysis' : 'error', analysis: a });
      });
      items = items.concat(extraEvents).filter(function (i) { return i.t != null && isFinite(i.t); });
      items.sort(function (a, b) { return b.t - a.t; });
      var list = document.getElementById('timeline');
      list.textContent = '';
      items.slice(0, 200).forEach(function (item) {
        var li = el('li', item.alertKind ? { class: 'kind-' + item.kind, 'data-alert-kind': item.alertKind } : { class: 'kind-' + item.kind });
        li.appendChild(el('time', { datetime: new Date(item.t).toISOString(), title: dateTime(item.t) }, clock(item.t)));
        li.appendChild(item.analysis ? analysisEntry(item.analysis) : el('span', null, item.text));
        list.appendChild(li);
      });
    }
  }
})();
