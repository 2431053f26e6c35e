/* livetrack-mcp coach board: plain browser JavaScript, no build step. One EventSource on the board's
 * stream (/dashboard/events, or the page's data-events) brings every athlete's card in each `board`
 * event; cards are keyed by session and updated in place (only the text and classes that changed),
 * then moved into status order, so an update of 50 cards stays cheap. Server data only ever reaches
 * the page as text (textContent / attributes), never as HTML. Each update is timed as the
 * performance measure `board-update` (JSON parse + DOM changes). */
(function () {
  'use strict';

  var root = document.getElementById('board');
  if (!root) return;

  var LEG_NAMES = { swim: 'Swim', t1: 'T1', bike: 'Bike', t2: 'T2', run: 'Run', other: 'Other' };
  var STATUS_CLASS = { 'stopped moving': 'st-stopped', 'no data': 'st-nodata', 'over threshold': 'st-over', ok: 'st-ok', finished: 'st-finished' };
  /** Figures of a card, in display order: [key, label]. */
  var FIGS = [
    ['leg', 'Leg'], ['elapsed', 'Elapsed'], ['distance', 'Distance'],
    ['hr', 'HR'], ['power', 'Power'], ['pace', 'Pace'], ['cadence', 'Cadence'],
    ['np', 'NP'], ['decoupling', 'Decoupling'], ['eta', 'ETA'],
    ['last', 'Last point'], ['alerts', 'Alerts'],
  ];
  /** "Now" figures have no meaning once a race is over. */
  var LIVE_ONLY = { hr: true, power: true, pace: true, cadence: true, eta: true };
  var KEEP_MEASURES = 200;

  var lists = { active: document.getElementById('board-active'), finished: document.getElementById('board-finished') };
  var finishedSection = document.getElementById('board-finished-section');
  var empty = document.getElementById('board-empty');
  var summary = document.getElementById('board-summary');
  var conn = document.getElementById('conn');
  var baseTitle = document.title;
  /** session id → { li, name, status, sub, figs: { key: { box, dd, text, cls, title, hidden } }, data, at } */
  var cards = Object.create(null);
  var updates = 0;

  // ---------- formatting (every number with its unit) ----------

  var pad2 = window.LivetrackFormat.pad2;
  var speedText = window.LivetrackFormat.speedText;
  function duration(s) {
    if (s == null || !isFinite(s)) return '–';
    s = Math.max(0, Math.round(s));
    return Math.floor(s / 3600) + ':' + pad2(Math.floor((s % 3600) / 60)) + ':' + pad2(s % 60);
  }
  function shortDuration(s) {
    if (s == null || !isFinite(s)) return '–';
    s = Math.max(0, Math.round(s));
    if (s < 90) return s + ' s';
    if (s < 5400) return Math.round(s / 60) + ' min';
    return Math.floor(s / 3600) + ' h ' + pad2(Math.floor((s % 3600) / 60)) + ' min';
  }
  function clock(iso) {
    var ms = iso ? Date.parse(iso) : NaN;
    if (!isFinite(ms)) return '–';
    var d = new Date(ms);
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes());
  }
  function km(m) { return m == null ? '–' : (m / 1000).toFixed(m < 100000 ? 2 : 1) + ' km'; }
  var ARROW = { over: '▲ ', under: '▼ ', ok: '' };
  function nowText(f, unit) { return f.value == null ? '–' : (ARROW[f.state] || '') + f.value + ' ' + unit; }
  function nowClass(f) { return f.state === 'over' ? 'over' : f.state === 'under' ? 'under' : f.state === 'ok' ? 'within' : ''; }
  function nowTitle(f) {
    if (!f.limit) return '';
    return (f.state === 'over' ? 'above ' : f.state === 'under' ? 'below ' : 'within ') + f.limit;
  }
  function etaText(e) {
    if (!e) return '–';
    var n = e.next_checkpoint;
    if (n) return n.name + ' in ' + km(n.distance_to_go_m) + (n.eta ? ' · ' + clock(n.eta) : '');
    if (e.finish) return 'Finish ' + clock(e.finish) + (e.finish_in_s != null ? ' (' + shortDuration(e.finish_in_s) + ')' : '');
    return e.distance_to_go_m != null ? km(e.distance_to_go_m) + ' to go' : '–';
  }
  function ageText(c, at) {
    if (!c.active) return c.last_point_at ? clock(c.last_point_at) : '–';
    if (c.last_point_age_s == null) return '–';
    return shortDuration(c.last_point_age_s + (Date.now() - at) / 1000) + ' ago';
  }
  function subText(c) {
    var parts = [];
    if (c.athlete && c.race_name && c.race_name !== c.name) parts.push(c.race_name);
    if (c.status === 'stopped moving' && c.still_for_s != null) parts.push('not moving for ' + shortDuration(c.still_for_s));
    else if (c.status === 'no data' && !c.active) parts.push('stopped (' + (c.stop_reason || 'stale') + '), watching for new points');
    else if (!c.active && c.stop_reason) parts.push('ended: ' + c.stop_reason);
    return parts.join(' · ');
  }

  /** [text, class, title] of each figure of a card. */
  function figures(c, at) {
    var unit = c.leg === 'run' ? 'spm' : 'rpm';
    return {
      leg: [LEG_NAMES[c.leg] || c.leg || '–', '', ''],
      elapsed: [duration(c.elapsed_s), '', ''],
      distance: [km(c.distance_m), '', ''],
      hr: [nowText(c.heart_rate, 'bpm'), nowClass(c.heart_rate), nowTitle(c.heart_rate)],
      power: [nowText(c.power, 'W'), nowClass(c.power), nowTitle(c.power)],
      pace: [speedText(c.speed_mps.value, c.leg), '', ''],
      cadence: [nowText(c.cadence, unit), nowClass(c.cadence), nowTitle(c.cadence)],
      np: [c.np_w == null ? '–' : c.np_w + ' W', '', ''],
      decoupling: [c.decoupling_pct == null ? '–' : c.decoupling_pct.toFixed(1) + ' %', '', ''],
      eta: [etaText(c.eta), '', c.eta && c.eta.progress_pct != null ? c.eta.progress_pct + ' % of the course done' : ''],
      last: [ageText(c, at), c.status === 'no data' ? 'over' : '', c.last_point_at ? 'point time ' + c.last_point_at : ''],
      alerts: [String(c.alerts_sent), c.alerts_sent ? 'warn' : '', ''],
    };
  }

  // ---------- cards, built once per athlete and then patched ----------

  function node(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text != null) n.textContent = text;
    return n;
  }

  function createCard(c) {
    var li = node('li', 'athlete');
    li.setAttribute('data-session', c.session_id);
    var head = node('div', 'ath-head');
    var name = node('a', 'ath-name');
    name.href = '/dashboard/' + encodeURIComponent(c.session_id);
    var status = node('span', 'ath-status');
    head.appendChild(name);
    head.appendChild(status);
    li.appendChild(head);
    var sub = node('p', 'ath-sub');
    li.appendChild(sub);
    var dl = node('dl', 'ath-figs');
    var figs = {};
    FIGS.forEach(function (f) {
      var box = node('div', 'af');
      box.setAttribute('data-f', f[0]);
      box.appendChild(node('dt', null, f[1]));
      var dd = node('dd');
      box.appendChild(dd);
      dl.appendChild(box);
      figs[f[0]] = { box: box, dd: dd, text: null, cls: null, title: null, hidden: false };
    });
    li.appendChild(dl);
    return { li: li, name: name, status: status, sub: sub, figs: figs, view: {}, data: null, at: 0 };
  }

  /** Sets a text/attribute only when it differs from what the card already shows. */
  function patch(card, key, value, apply) {
    if (card.view[key] === value) return;
    card.view[key] = value;
    apply(value);
  }

  function updateCard(card, c, at) {
    card.data = c;
    card.at = at;
    patch(card, 'name', c.name, function (v) { card.name.textContent = v; });
    patch(card, 'status', c.status, function (v) {
      card.status.textContent = v;
      card.li.className = 'athlete ' + (STATUS_CLASS[v] || '');
      card.li.setAttribute('data-status', v);
    });
    patch(card, 'sub', subText(c), function (v) { card.sub.textContent = v; card.sub.hidden = !v; });
    var values = figures(c, at);
    for (var key in values) {
      var f = card.figs[key], v = values[key];
      var hidden = (!c.active && LIVE_ONLY[key] === true) || (key === 'eta' && !c.eta);
      if (f.hidden !== hidden) { f.hidden = hidden; f.box.hidden = hidden; }
      if (hidden) continue;
      if (f.text !== v[0]) { f.text = v[0]; f.dd.textContent = v[0]; }
      if (f.cls !== v[1]) { f.cls = v[1]; f.box.className = v[1] ? 'af ' + v[1] : 'af'; }
      if (f.title !== v[2]) { f.title = v[2]; f.box.title = v[2]; }
    }
  }

  /** Puts the list's children in the given order, moving only the cards out of place. */
  function order(list, wanted) {
    for (var i = 0; i < wanted.length; i++) {
      var li = wanted[i].li;
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    }
    while (list.children.length > wanted.length) list.removeChild(list.lastChild);
  }

  function render(snapshot) {
    var at = Date.now();
    var seen = Object.create(null);
    var counts = Object.create(null);
    ['active', 'finished'].forEach(function (part) {
      var wanted = [];
      (snapshot[part] || []).forEach(function (c) {
        var card = cards[c.session_id] || (cards[c.session_id] = createCard(c));
        updateCard(card, c, at);
        seen[c.session_id] = true;
        counts[c.status] = (counts[c.status] || 0) + 1;
        wanted.push(card);
      });
      order(lists[part], wanted);
    });
    for (var id in cards) if (!seen[id]) delete cards[id];
    var active = (snapshot.active || []).length, finished = (snapshot.finished || []).length;
    empty.hidden = active > 0;
    finishedSection.hidden = finished === 0;
    var parts = [active + ' on course'];
    ['stopped moving', 'no data', 'over threshold'].forEach(function (s) { if (counts[s]) parts.push(counts[s] + ' ' + s); });
    parts.push(finished + ' finished');
    summary.textContent = parts.join(' · ');
    var attention = (counts['stopped moving'] || 0) + (counts['no data'] || 0);
    var title = (attention ? '(' + attention + ') ' : '') + baseTitle;
    if (document.title !== title) document.title = title;
    root.setAttribute('data-updates', String(++updates));
  }

  /** Ages move on between events: only the "last point" figure of active cards. */
  function tick() {
    for (var id in cards) {
      var card = cards[id], c = card.data;
      if (!c || !c.active) continue;
      var f = card.figs.last, text = ageText(c, card.at);
      if (f.text !== text) { f.text = text; f.dd.textContent = text; }
    }
  }

  function setConn(kind, text) {
    conn.className = 'conn ' + kind;
    conn.textContent = text;
  }

  var source = new EventSource(root.getAttribute('data-events') || '/dashboard/events');
  source.addEventListener('open', function () { setConn('live', '● live'); });
  source.addEventListener('error', function () {
    setConn('down', source.readyState === EventSource.CLOSED ? 'live updates stopped (reload to retry)' : 'reconnecting…');
  });
  source.addEventListener('board', function (e) {
    performance.mark('board-update-start');
    render(JSON.parse(e.data));
    performance.mark('board-update-end');
    if (performance.getEntriesByName('board-update', 'measure').length >= KEEP_MEASURES) performance.clearMeasures('board-update');
    performance.measure('board-update', 'board-update-start', 'board-update-end');
    performance.clearMarks('board-update-start');
    performance.clearMarks('board-update-end');
  });
  setInterval(tick, 1000);
})();
