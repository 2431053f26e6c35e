/* livetrack-mcp race map: loaded only when the server has MAP_TILE_URL set (see dashboard-pages.ts).
 * Draws the race's track on raster tiles with Leaflet (served by the app from node_modules), the course
 * under it with its checkpoints, and the athlete's position. It fetches nothing of its own except the
 * course (the URL in #track-map's data-course, once the status shows one): dashboard.js hands it the
 * points and status it already holds, so the map follows the same sources as the rest of the page
 * (the REST API, or a viewer link's routes).
 * Names from the server reach Leaflet as DOM text, never as HTML. */
(function () {
  'use strict';

  // Leaflet finds its marker images next to this script (the dashboard's or a viewer page's assets).
  var script = document.currentScript;
  var assetBase = script && script.src ? script.src.replace(/[^/]*$/, '') : '/dashboard/assets/';

  function textNode(tag, text) {
    var node = document.createElement(tag);
    node.textContent = text;
    return node;
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function clock(ms) {
    var d = new Date(ms);
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds());
  }

  /**
   * opts: { colours: leg → colour, legName(leg) }. Returns { update(points, status) }, or null when the
   * page has no map container or Leaflet did not load (the offline drawing then stays).
   */
  function create(opts) {
    var box = document.getElementById('track-map');
    var L = window.L;
    if (!box || !L) return null;
    var tiles = box.getAttribute('data-tiles');
    var subdomains = (box.getAttribute('data-subdomains') || '').split(',').filter(Boolean);
    var courseUrl = box.getAttribute('data-course');
    var svg = document.getElementById('track');

    L.Icon.Default.imagePath = assetBase;
    box.hidden = false;
    if (svg) svg.style.display = 'none';
    var map = L.map(box, { worldCopyJump: true });
    L.tileLayer(tiles, {
      maxZoom: 19,
      subdomains: subdomains.length ? subdomains : 'abc',
      // Tile servers (OSM's policy) want a Referer: the app's origin only, never the page's path
      // (it names the race, or carries a viewer link's token).
      referrerPolicy: 'strict-origin',
      // Leaflet writes attributions as HTML: the operator's text stays text.
      attribution: escapeHtml(box.getAttribute('data-attribution') || ''),
    }).addTo(map);
    // The course lies under the track whatever order they load in.
    map.createPane('course').style.zIndex = 350;
    L.control.scale({ imperial: false }).addTo(map);
    if (window.ResizeObserver) new ResizeObserver(function () { map.invalidateSize(); }).observe(box);

    var legLines = [];
    var start = null, here = null, finish = null;
    var course = null; // { distance_m, line, markers }
    var courseLoading = false, courseTried = null;
    var fitted = false, userMoved = false;
    // Once the coach pans or zooms, the map stops following the athlete.
    ['pointerdown', 'wheel', 'keydown'].forEach(function (type) {
      box.addEventListener(type, function () { if (fitted) userMoved = true; }, { passive: true });
    });
    map.setView([20, 0], 2);

    function loadCourse(expectedDistance) {
      if (!courseUrl || courseLoading) return;
      courseLoading = true;
      courseTried = expectedDistance;
      fetch(courseUrl, { headers: { accept: 'application/json' } }).then(function (res) {
        if (res.status === 404) return null; // removed meanwhile
        if (!res.ok) throw new Error('HTTP ' + res.status + ' from ' + courseUrl);
        return res.json();
      }).then(function (body) {
        courseLoading = false;
        if (body && body.points && body.points.length > 1) drawCourse(body);
      }, function () { courseLoading = false; });
    }

    function drawCourse(body) {
      if (course) {
        map.removeLayer(course.line);
        course.markers.forEach(function (m) { map.removeLayer(m); });
      }
      var line = L.polyline(body.points, {
        pane: 'course', className: 'map-course', color: '#2563eb', weight: 7, opacity: 0.45, interactive: false,
      }).addTo(map);
      var markers = (body.checkpoints || []).filter(function (c) { return c.lat != null && c.lon != null; }).map(function (c) {
        var marker = L.marker([c.lat, c.lon], { title: c.name, alt: 'Checkpoint ' + c.name, keyboard: false }).addTo(map);
        marker.bindTooltip(textNode('span', c.name + ' · ' + (c.distance_m / 1000).toFixed(1) + ' km'));
        marker.getElement().classList.add('map-checkpoint');
        return marker;
      });
      course = { distance_m: body.distance_m, line: line, markers: markers };
      box.setAttribute('data-course-points', String(body.points.length));
      box.setAttribute('data-checkpoints', String(markers.length));
      if (!userMoved) fit(null, true);
    }

    /** Shows the track and course; later only when the athlete left the view and the coach has not moved the map. */
    function fit(latest, force) {
      if (userMoved && !force) return;
      if (fitted && !force && latest && map.getBounds().pad(-0.05).contains(latest)) return;
      var bounds = L.latLngBounds([]);
      legLines.forEach(function (l) { bounds.extend(l.getBounds()); });
      if (course) bounds.extend(course.line.getBounds());
      if (!bounds.isValid()) return;
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
      fitted = true;
    }

    function circle(latlng, className, colour, radius) {
      return L.circleMarker(latlng, { className: className, radius: radius, color: '#fff', weight: 2, fillColor: colour, fillOpacity: 1 }).addTo(map);
    }

    function update(points, status) {
      // Only when the status says there is one (a 404 would be a console error): read from Garmin or
      // uploaded before or after the page opened, and again when it is replaced.
      if (status && status.course && (!course || course.distance_m !== status.course.distance_m) && courseTried !== status.course.distance_m) {
        loadCourse(status.course.distance_m);
      }
      var pos = points.filter(function (p) { return p.lat != null && p.lon != null; });
      // One line per leg; each starts where the previous ended so the track stays continuous.
      var segments = [];
      pos.forEach(function (p) {
        var seg = segments[segments.length - 1];
        if (!seg || seg.leg !== p.leg) {
          seg = { leg: p.leg, pts: seg ? [seg.pts[seg.pts.length - 1]] : [] };
          segments.push(seg);
        }
        seg.pts.push([p.lat, p.lon]);
      });
      while (legLines.length > segments.length) map.removeLayer(legLines.pop());
      segments.forEach(function (seg, i) {
        var colour = opts.colours[seg.leg] || opts.colours.other;
        if (!legLines[i]) {
          legLines[i] = L.polyline(seg.pts, { className: 'map-track', color: colour, weight: 4, opacity: 0.95, interactive: false }).addTo(map);
        } else {
          legLines[i].setLatLngs(seg.pts);
          legLines[i].setStyle({ color: colour });
        }
        var path = legLines[i].getElement();
        if (path) {
          path.setAttribute('data-leg', seg.leg || 'other');
          path.setAttribute('data-points', String(seg.pts.length));
        }
      });
      box.setAttribute('data-positions', String(pos.length));
      if (!pos.length) return;

      var first = [pos[0].lat, pos[0].lon];
      var last = pos[pos.length - 1];
      var latest = [last.lat, last.lon];
      if (!start) {
        start = circle(first, 'map-start', '#065f46', 6);
        start.bindTooltip(textNode('span', 'Start'));
      } else start.setLatLng(first);
      var finished = status && !status.active;
      if (finished) {
        if (here) { map.removeLayer(here); here = null; }
        if (!finish) {
          finish = circle(latest, 'map-finish', '#111827', 7);
          finish.bindTooltip(textNode('span', 'Finish'));
        } else finish.setLatLng(latest);
      } else {
        if (finish) { map.removeLayer(finish); finish = null; }
        if (!here) {
          here = circle(latest, 'map-current', '#b91c1c', 7);
          here.bindTooltip(textNode('span', ''));
        } else here.setLatLng(latest);
        here.setTooltipContent(textNode('span', (opts.legName ? opts.legName(last.leg) + ' · ' : '') + 'current position at ' + clock(last.t)));
        here.bringToFront();
      }
      box.setAttribute('data-current', last.lat.toFixed(6) + ',' + last.lon.toFixed(6));
      fit(latest, !fitted);
    }

    return { update: update };
  }

  window.LivetrackMap = { create: create };
})();
