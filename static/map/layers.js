/* The map's own JavaScript: thin functions over Leaflet (and Leaflet.markercluster), one per layer.
 *
 * Loaded once by the base map (dashboard/mapview.py) and by a published site; each folium
 * element in dashboard/layers.py renders one call, `ceMap.NAME(map or parent, ..., opts)`, with its
 * data as JSON. Every string inside that data was escaped in Python (dashboard/safe.py): the code
 * here only joins the pieces, it never escapes or trusts.
 */
(function () {
  "use strict";

  // The page draws its timeline and table once the map is drawn (they would slow the map down):
  // tell the page so, once per page load, through the map component's value, keeping what the
  // component itself last sent (a click, the bounds). Outside Streamlit (a published site) a no-op.
  function drawn() {
    if (!window.ceDrawnSent && window.Streamlit && window.__GLOBAL_DATA__) {
      window.ceDrawnSent = true;
      window.Streamlit.setComponentValue(Object.assign({}, window.__GLOBAL_DATA__.previous_data || {}, {ce_drawn: true}));
    }
  }

  // All events of the filtered set as one clustered layer (dashboard/layers.py EventLayer says
  // what opts holds). Every string in opts is escaped already; popups are assembled on opening.
  function eventLayer(parent, host, opts) {
    var data = opts.data;
    var shapes = opts.shapes;
    var types = opts.types;
    var claims = opts.claims;
    var iconCache = {};
    // A region-level event's marker sits in a dashed frame: it stands for the whole region, and
    // must not read as the town its point happens to be near.
    function icon(t, c, region) {
      var k = t + ":" + c + ":" + (region ? 1 : 0);
      if (!iconCache[k]) {
        var ty = types[t], cl = claims[c];
        var fill = cl.fill ? ty.color : "#ffffff";
        var dash = cl.dash ? ' stroke-dasharray="' + cl.dash + '"' : "";
        var svg = '<svg width="18" height="18" viewBox="0 0 20 20" aria-hidden="true"><path d="' + shapes[ty.shape] +
                '" fill="' + fill + '" fill-opacity="' + (cl.fill || 1) + '" stroke="' + (cl.rim || ty.color) +
                '" stroke-width="2.2"' + dash + '/></svg>';
        var size = region ? 26 : 18;
        iconCache[k] = L.divIcon({className: "ce-icon ce-claim-" + cl.name + (region ? " ce-region-pin" : ""),
          iconSize: [size, size], iconAnchor: [size / 2, size / 2], popupAnchor: [0, -size / 2 + 1], html: svg});
      }
      return iconCache[k];
    }
    // Uncertainty: an approximate place's circle, a region-level event's region. Drawn for every
    // event only when few have one (or when asked); otherwise for the event hovered or opened, so
    // hundreds of overlapping circles never make one opaque mass.
    var uncertainty = L.featureGroup(), shapeCache = {}, pinned = {};
    var regionStyle = {color: "#7a4b00", weight: 2, dashArray: "6 4", fillColor: "#E69F00", fillOpacity: 0.10};
    function shapeOf(i) {
      if (shapeCache[i] !== undefined) return shapeCache[i];
      var s = null;
      if (data.u[i] > 0) {
        s = L.circle([data.lat[i], data.lon[i]], {radius: data.u[i], color: types[data.t[i]].color, weight: 1.5,
          dashArray: "4 4", fillOpacity: 0.06, interactive: false});
      } else if (data.rg && data.rg[i] >= 0) {
        s = L.geoJSON(data.regions.features[data.rg[i]], {interactive: false, style: function() { return regionStyle; }});
      }
      return (shapeCache[i] = s);
    }
    var uncertain = 0;
    for (var k = 0; k < data.lat.length; k++) if (data.u[k] > 0 || (data.rg && data.rg[k] >= 0)) uncertain++;
    var showAll = opts.showAll || uncertain <= opts.few;
    function showShape(i, on) {
      var s = shapeOf(i);
      if (!s || showAll) return;
      if (on) uncertainty.addLayer(s); else if (!pinned[i]) uncertainty.removeLayer(s);
    }
    if (showAll) {
      var drawnRegions = {};
      for (var e = 0; e < data.lat.length; e++) {
        if (data.rg && data.rg[e] >= 0) {  // one outline per region, however many events it holds
          if (drawnRegions[data.rg[e]]) continue;
          drawnRegions[data.rg[e]] = true;
        }
        var sh = shapeOf(e);
        if (sh) uncertainty.addLayer(sh);
      }
    }
    var P = data.popup, TYPES = opts.typeNames, CLAIMS = opts.claimNames;
    function v(name, i) { var k = P.cols[name][i]; return k < 0 ? "" : P.dicts[name][k]; }
    function count(x) { return x < 0 ? "unknown" : String(x); }
    // Every piece below was escaped in Python; this only joins them. The essentials first (title,
    // date, type, place, toll, claim and claimant, control, the first source, who else saw it); the
    // quotes, further sources, location notes and notes behind a fold, as TimeMap's cards keep them.
    function popup(i) {
      var claim = CLAIMS[data.c[i]], near = v("near", i), where = v("where", i), flags = v("flags", i),
          cn = v("cn", i), src = v("src", i), notes = v("notes", i), first = v("src1", i);
      var folded = (src ? '<div><b>Sources and quotes:</b><ul class=ce-sources>' + src + '</ul></div>' : '') +
        (flags ? '<div class=ce-flag>' + flags + '</div>' : '') +
        (cn ? '<div class=ce-muted>Region also called: ' + cn + '</div>' : '') +
        (notes ? '<div class=ce-notes><b>Notes:</b> ' + notes + '</div>' : '');
      var told = [src ? "quotes" : "", flags ? "⚠ location notes" : "", cn ? "other names" : "", notes ? "notes" : ""]
        .filter(Boolean);
      return '<div class="ce-popup"><div class="ce-title">' + P.title[i] + '</div>' +
        '<div><b>Date:</b> ' + v("when", i) + ' <span class=ce-muted>(' + v("dp", i) + ')</span></div>' +
        '<div><b>Type:</b> ' + TYPES[data.t[i]] + ' — ' + v("sub", i) + '</div>' +
        '<div><b>Place:</b> ' + v("place", i) + (near ? ' <span class=ce-muted>(' + near + ')</span>' : '') +
          (where ? ', ' + where : '') + '</div>' +
        '<div class=ce-muted>Location precision: ' + v("gp", i) + ', ± ' + P.unc[i] + ' km</div>' +
        '<div><b>Fatalities:</b> ' + count(P.fat[i]) + ' · <b>Injured:</b> ' + count(P.inj[i]) + '</div>' +
        '<div><b>Claim:</b> <span class="ce-claim ce-' + claim + '">' + claim + '</span> by ' + v("by", i) +
          ' <span class=ce-muted>(' + v("meaning", i) + ')</span></div>' +
        (v("ctl", i) ? '<div><b>Control at the place:</b> ' + v("ctl", i) + '</div>' : '') +
        (v("front", i) ? '<div><b>Front line:</b> ' + v("front", i) + '</div>' : '') +
        (v("chk", i) ? '<div class="ce-check"><b>Claim checked against control maps:</b> <span class="ce-claim">' + v("chk", i) +
          '</span><div class=ce-muted>' + v("chkn", i) + '</div></div>' : '') +
        (first ? '<div><b>Source:</b> ' + first + '</div>' : '') +
        (v("rel", i) ? '<div class=ce-related><b>Related:</b><ul class=ce-sources>' + v("rel", i) + '</ul></div>' : '') +
        (folded ? '<details class=ce-more><summary>More: ' + told.join(", ") + '</summary>' + folded + '</details>' : '') +
        '<div class=ce-links><a class=ce-link href="' + link(i) + '" target="_blank" rel="noopener">Link to this event</a>' +
          ' · <a href="#" class=ce-copy data-i="' + i + '">Copy link</a>' +
          (data.cur && data.cur[i] ? ' · <a class=ce-edit href="' + pageBase() + 'add?edit=' + encodeURIComponent(unescapeText(data.id[i])) +
            '" target="_blank" rel="noopener">Edit</a>' : '') + '</div></div>';
    }
    // Links are made against the dashboard's own address (the map lives in a same-origin iframe),
    // so they hold behind a reverse proxy's path prefix too. Ids are escaped text: decode first.
    function pageBase() {
      try {
        var loc = window.top.location;
        return loc.origin + loc.pathname.replace(/(map|add)\/?$/, "").replace(/\/?$/, "/");
      } catch (e) { return "/"; }
    }
    function unescapeText(t) { var d = document.createElement("textarea"); d.innerHTML = t; return d.value; }
    function link(i) { return pageBase() + "?event=" + encodeURIComponent(unescapeText(data.id[i])); }
    // A related event: its popup, here, when it is on this map; else its own page, in a new tab.
    var byRawId = null;
    function marker(rawId) {
      if (!byRawId) { byRawId = {}; markers.forEach(function(m) { byRawId[unescapeText(m.eventId)] = m; }); }
      return byRawId[rawId];
    }
    function wireRelated(el) {
      el.querySelectorAll("a.ce-rel").forEach(function(a) {
        var id = a.getAttribute("data-id"), m = marker(id);
        a.href = pageBase() + "?event=" + encodeURIComponent(id);
        if (m) {
          a.title = "Open it on this map";
          L.DomEvent.on(a, "click", function(ev) { L.DomEvent.preventDefault(ev); open(m.eventId); });
        } else {
          a.target = "_blank"; a.rel = "noopener"; a.title = "Not among the events shown: opens on its own";
        }
      });
    }
    // A cluster says what it holds: a ring with each event type's share, a dashed rim when any
    // member is claimed or disputed, and the same as words for screen readers and on hover.
    var CLAIMED = CLAIMS.indexOf("claimed"), DISPUTED = CLAIMS.indexOf("disputed");
    function clusterIcon(c) {
      var ms = c.getAllChildMarkers(), n = ms.length, byType = {}, claimed = 0, disputed = 0;
      for (var j = 0; j < n; j++) {
        byType[ms[j].ceT] = (byType[ms[j].ceT] || 0) + 1;
        if (ms[j].ceC === CLAIMED) claimed++;
        if (ms[j].ceC === DISPUTED) disputed++;
      }
      var at = 0, stops = [], words = [];
      Object.keys(byType).sort(function(a, b) { return byType[b] - byType[a]; }).forEach(function(t) {
        var to = at + 100 * byType[t] / n;
        stops.push(types[t].color + " " + at.toFixed(1) + "% " + to.toFixed(1) + "%");
        words.push(byType[t] + " " + TYPES[t]);
        at = to;
      });
      var label = n + " events: " + words.join(", ") + (claimed || disputed ? "; " + claimed + " claimed, " +
        disputed + " disputed" : "");
      var size = n < 10 ? 30 : n < 100 ? 36 : 42;
      return L.divIcon({iconSize: [size, size], className: "ce-cluster" + (claimed || disputed ? " ce-cl-claims" : ""),
        // The icon itself is the button Leaflet focuses (tabindex 0, role button): its name comes from here.
        html: '<div class="ce-cl-ring" role="img" aria-label="' + label + '" title="' + label +
              '" style="background: conic-gradient(' + stops.join(", ") + ')"><span>' + n + '</span></div>'});
    }
    var cluster = L.markerClusterGroup({chunkedLoading: true, showCoverageOnHover: false,
                                        spiderfyOnMaxZoom: true, maxClusterRadius: 40, iconCreateFunction: clusterIcon});
    var markers = [];
    var byId = {};
    // A popup fits inside the map, however narrow (a phone): its width here, its height by the
    // stylesheet from the frame's height as it is when the popup opens (map.css, .ce-popup).
    var popupWidth = Math.max(200, Math.min(420, window.innerWidth - 70));
    for (var i = 0; i < data.lat.length; i++) {
      var m = L.marker([data.lat[i], data.lon[i]], {icon: icon(data.t[i], data.c[i], data.rg && data.rg[i] >= 0),
                                                    riseOnHover: true});
      m.bindPopup((function(j) { return function() { return popup(j); }; })(i), {maxWidth: popupWidth,
        autoPanPadding: [8, 8]});
      m.bindTooltip((function(j) { return function() { return v("when", j) + " · " + P.title[j] + " (" + CLAIMS[data.c[j]] + ")"; }; })(i));
      m.eventId = data.id[i];
      m.ceT = data.t[i];
      m.ceC = data.c[i];
      m.ceI = i;
      markers.push(m);
      byId[data.id[i]] = m;
    }
    // Keyboard: Tab reaches every marker and cluster (Leaflet makes their icons buttons); Enter opens a
    // marker's popup (Leaflet) or opens up a cluster (markercluster). Here each says what it is.
    function ariaName(i) {
      return TYPES[data.t[i]] + ", " + unescapeText(v("place", i)) + (data.rg && data.rg[i] >= 0 ? " (the whole region)" : "") +
        ", " + unescapeText(v("when", i)) + ", " +
        CLAIMS[data.c[i]] + ": " + unescapeText(P.title[i]);
    }
    markers.forEach(function(m) {
      m.on("add", function() { if (m._icon && !m._icon.getAttribute("aria-label")) m._icon.setAttribute("aria-label", ariaName(m.ceI)); });
    });
    cluster.on("mouseover", function(e) { if (e.layer.ceI !== undefined) showShape(e.layer.ceI, true); });
    cluster.on("mouseout", function(e) { if (e.layer.ceI !== undefined) showShape(e.layer.ceI, false); });
    cluster.on("popupopen", function(e) { var i = e.layer ? e.layer.ceI : e.propagatedFrom && e.propagatedFrom.ceI;
      if (i !== undefined) { pinned[i] = true; showShape(i, true); } });
    cluster.on("popupclose", function(e) { var i = e.layer ? e.layer.ceI : e.propagatedFrom && e.propagatedFrom.ceI;
      if (i !== undefined) { delete pinned[i]; showShape(i, false); } });
    cluster.on("popupopen", function(e) { if (e.popup.getElement()) wireRelated(e.popup.getElement()); });
    // While its popup is open a marker's tooltip stays away (it would lie across the popup); the fold,
    // opened or closed, pans the map again so the popup stays whole in view.
    cluster.on("popupopen", function(e) {
      var m = e.layer || e.propagatedFrom, tip = m && m.getTooltip && m.getTooltip();
      if (tip) { m.closeTooltip(); m.unbindTooltip(); m.ceTip = tip; }
      var fold = e.popup.getElement() && e.popup.getElement().querySelector("details.ce-more");
      if (fold) {
        L.DomEvent.on(fold, "toggle", function() {
          if (e.popup._adjustPan) e.popup._adjustPan();  // Leaflet 1.9's own pan-into-view (vendored, pinned)
        });
      }
    });
    cluster.on("popupclose", function(e) {
      var m = e.layer || e.propagatedFrom;
      if (m && m.ceTip) { m.bindTooltip(m.ceTip); m.ceTip = null; }
    });
    // "Copy link": the clipboard where the browser allows it, else the link shown selected to copy by hand.
    cluster.on("popupopen", function(e) {
      var a = e.popup.getElement() && e.popup.getElement().querySelector(".ce-copy");
      if (!a) return;
      L.DomEvent.on(a, "click", function(ev) {
        L.DomEvent.preventDefault(ev);
        var href = link(+a.getAttribute("data-i"));
        function fallback() {
          var box = document.createElement("input");
          box.readOnly = true; box.value = href; box.className = "ce-linkbox";
          a.replaceWith(box); box.select();
        }
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(href).then(function() { a.textContent = "Copied"; }, fallback);
        } else fallback();
      });
    });
    cluster.addLayers(markers);
    uncertainty.addTo(parent);
    cluster.addTo(parent);
    if (window.ceGridLegend) { window.ceGridLegend.remove(); window.ceGridLegend = null; }
    host = parent._map || host;
    if (host) { host.getContainer().classList.remove("ce-grid-mode"); host.fire("ce-relayout"); }
    // Show one event's popup, wherever its marker hides in a cluster. zoomToShowLayer alone is not
    // enough: its callback can come while the marker is still off the map (mid re-clustering), or
    // never, when the map has nowhere to move. So: ask it, look again shortly, ask again, a few times.
    // done() runs once, when the popup is open.
    function open(id, done) {
      var m = byId[id], tries = 0;
      if (!m) return false;
      (function attempt() {
        if (m._map) {
          m.openPopup();
          // Opened while the map may still be moving (a link, a table row): Leaflet skips its pan then,
          // so the popup is brought whole into view once more when the map has settled.
          setTimeout(function() { var p = m.getPopup(); if (p && p.isOpen() && p._adjustPan) p._adjustPan(); }, 400);
          if (done) done();
          return;
        }
        if (tries++ >= 10) return;
        if (cluster._map) cluster.zoomToShowLayer(m, function() {});  // not yet on the map: look again
        setTimeout(attempt, 600);
      })();
      return true;
    }
    // For tests and the curious: what this layer drew.
    window.conflictEvents = {count: markers.length, ids: data.id.slice(), byId: byId, cluster: cluster, aggregated: false,
                             uncertaintyShapes: function() { return uncertainty.getLayers().length; },
                             uncertaintyAll: showAll, uncertain: uncertain, open: open,
                             shapeIds: data.id.filter(function(_, i) { return data.u[i] > 0 || (data.rg && data.rg[i] >= 0); }),
                             data: data, typeNames: TYPES, claimNames: CLAIMS,
                             // Show only the events keep(i) says (a published site's filters): the ids shown, after.
                             filter: function(keep) {
                               var shown = markers.filter(function(m) { return keep(m.ceI); });
                               cluster.clearLayers();
                               cluster.addLayers(shown);
                               window.conflictEvents.count = shown.length;
                               window.conflictEvents.ids = shown.map(function(m) { return data.id[m.ceI]; });
                               return window.conflictEvents.ids;
                             }};
    drawn();
    // A link to one event (?event=ID) or a table row: its popup opens once the layer is on the map.
    var wanted = opts.open;
    if (!wanted && !window.Streamlit) {  // a published site: the link's ?event=ID (raw text) opens its popup
      try {
        var raw = new URLSearchParams(window.location.search).get("event"), hit = raw && marker(raw);
        wanted = hit ? hit.eventId : null;
      } catch (e) { wanted = null; }
    }
    if (wanted) setTimeout(function() { open(wanted); }, 200);
  }

  // The control snapshot in force on a date (and the ground that changed hands), in a pane under
  // the events, with its own legend naming date and source. opts.data null: no control map.
  function controlLayer(parent, host, opts) {
    var data = opts.data;
    if (window.ceControlLegend) { window.ceControlLegend.remove(); window.ceControlLegend = null; }
    window.conflictControl = null;
    if (!data) { return; }
    host = parent._map || host;
    var pane = "ce-control";
    function draw(target) {
      if (!target.getPane(pane)) { target.createPane(pane); target.getPane(pane).style.zIndex = 350; }
      function style(f) { var p = f.properties; return {color: p.color, weight: p.status === "taken" || p.status === "regained" ? 2 : 1,
        fillColor: p.fill, fillOpacity: p.opacity, dashArray: p.status === "contested" ? "3 3" : null}; }
      L.geoJSON(data.areas, {pane: pane, interactive: false, style: style}).addTo(parent);
      var changes = data.changes ? L.geoJSON(data.changes, {pane: pane, interactive: false, style: style}).addTo(parent) : null;
      var rows = '<div class="ce-h">Control as of ' + (data.date || "—") + ' (' + data.source + ')</div>';
      if (!data.date) { rows += '<div>No snapshot on or before ' + data.asked + '</div>'; }
      rows += opts.statusRows;
      if (data.change_span) { rows += '<div class="ce-h">Changed hands ' + data.change_span[0] + ' → ' + data.change_span[1] + '</div>' +
        '<div><span class="ce-swatch" style="background:#67001f"></span>taken (newly occupied)</div>' +
        '<div><span class="ce-swatch" style="background:#053061"></span>regained</div>'; }
      var legend = foldableLegend(target, {position: "bottomleft", className: "ce-control-legend", title: "Control map",
                                           html: rows});
      legend.addTo(target);
      window.ceControlLegend = legend;
      window.conflictControl = {source: data.source, date: data.date, areas: data.areas.features.length,
                                changes: changes ? data.changes.features.length : 0};
    }
    if (host) { draw(host); } else { parent.once("add", function() { draw(parent._map); }); }
  }

  // Too many events to draw one by one: a grid of cells, each coloured by its most frequent
  // type, shaded by its count (log scale), hatched by the share of claimed or disputed events.
  function aggregateLayer(parent, host, opts) {
    var data = opts.data;
    var types = opts.types;
    var names = opts.typeNames;
    var group = L.featureGroup();
    var renderer = L.canvas({padding: 0.2});
    var top = Math.log(1 + Math.max.apply(null, data.n.concat([1])));
    var cl = data.cl || [], hatch = [];
    // Lines x - y = c across the unit cell, mapped onto the cell: 1 to 4 of them by the claims' share.
    function hatchLines(i, m) {
      var s = data.south[i], w = data.west[i], out = [];
      for (var k = 1; k <= m; k++) {
        var c = -1 + 2 * k / (m + 1);
        var a = c >= 0 ? [c, 0] : [0, -c], b = c >= 0 ? [1, 1 - c] : [1 + c, 1];
        out.push([[s + a[1] * data.dlat, w + a[0] * data.dlon], [s + b[1] * data.dlat, w + b[0] * data.dlon]]);
      }
      return out;
    }
    for (var i = 0; i < data.n.length; i++) {
      var shade = 0.15 + 0.7 * Math.log(1 + data.n[i]) / top;
      var c = L.rectangle([[data.south[i], data.west[i]], [data.south[i] + data.dlat, data.west[i] + data.dlon]],
        {renderer: renderer, color: types[data.t[i]].color, weight: 0.5, opacity: 0.6,
         fillColor: types[data.t[i]].color, fillOpacity: shade});
      var lines = [];
      for (var k = 0; k < names.length; k++) { if (data.types[i][k]) lines.push(names[k] + ": " + data.types[i][k].toLocaleString()); }
      if (cl[i]) {
        lines.push("<i>claimed or disputed: " + cl[i].toLocaleString() + " (" + Math.round(100 * cl[i] / data.n[i]) + " %)</i>");
        hatch = hatch.concat(hatchLines(i, Math.min(4, Math.ceil(4 * cl[i] / data.n[i]))));
      }
      c.bindTooltip("<b>" + data.n[i].toLocaleString() + " events</b><br>" + lines.join("<br>"));
      c.on("click", function(e) { parent.setView(e.latlng, Math.min(parent.getZoom() + 3, 14)); });
      c.addTo(group);
    }
    if (hatch.length) L.polyline(hatch, {renderer: renderer, color: "#111", weight: 0.8, opacity: 0.55,
                                        interactive: false}).addTo(group);
    group.addTo(parent);
    // Its own legend: what a cell's shade and colour mean, the claims among its events; the
    // base legend's marker shapes are hidden while no markers are drawn.
    host = parent._map || host;
    if (window.ceGridLegend) { window.ceGridLegend.remove(); window.ceGridLegend = null; }
    if (host) {
      host.getContainer().classList.add("ce-grid-mode");
      host.fire("ce-relayout");
      var max = Math.max.apply(null, data.n.concat([1])), steps = [1, Math.round(Math.sqrt(max)), max];
      var present = {};
      for (var j = 0; j < data.t.length; j++) present[data.t[j]] = true;
      var rows = '<div class="ce-h">Grid cells (' + data.n.length.toLocaleString() + ')</div><div>events per cell:</div>';
      steps.filter(function(v, k) { return k === 0 || v > steps[k - 1]; }).forEach(function(v) {
        var a = 0.15 + 0.7 * Math.log(1 + v) / top;
        rows += '<div><span class="ce-swatch" style="background:rgba(60,60,60,' + a.toFixed(2) + ')"></span>' +
                v.toLocaleString() + '</div>';
      });
      rows += '<div class="ce-h">Colour: most frequent type</div>';
      Object.keys(present).forEach(function(t) {
        rows += '<div><span class="ce-swatch" style="background:' + types[t].color + '"></span>' + names[t] + '</div>';
      });
      if (data.claimed) {
        var share = data.filtered ? Math.round(100 * data.claimed / data.filtered) : 0;
        rows += '<div class="ce-h">Claims</div><div>' + data.claimed.toLocaleString() + ' of the ' +
                data.filtered.toLocaleString() + ' filtered events (' + share + ' %) are claimed or disputed.</div>' +
                '<div><svg width="14" height="14" aria-hidden="true"><rect width="14" height="14" fill="#ddd" stroke="#888"/>' +
                '<path d="M0 14L14 0M0 7L7 0M7 14L14 7" stroke="#111"/></svg>hatched by the share of them in the cell ' +
                '(one line up to a quarter … four: all)</div>';
      }
      var legend = foldableLegend(host, {position: "bottomright", className: "ce-grid-legend", title: "Legend",
                                         html: rows});
      legend.addTo(host);
      window.ceGridLegend = legend;
    }
    window.conflictEvents = {count: data.total, cells: data.n.length, aggregated: true, hatchLines: hatch.length,
                             hatchedCells: cl.filter(function(x) { return x > 0; }).length,
                             cellSum: data.n.reduce(function(a, b) { return a + b; }, 0), ids: []};
    drawn();

  }
  // A published site beyond a few thousand events (dashboard/layers.py TiledEvents, events/tiles.py):
  // wherever the event tiles of the view hold few enough events by the index's counts, those
  // tiles fetched (each the events layer's data), joined, and drawn as the events layer; else,
  // zoomed in, the fixed small cells of the view's cell tiles; else the grid of them all.
  // With a filter set (filterPanel, tiled: window.ceFilter), drawn events are filtered by their
  // tiles' filter fields, and cells are counted again from their cubes (opts.facets' codes).
  function tiledEvents(map, opts) {
    var cache = {}, seq = 0, grid = null, gridKey = null, events = null, cells = opts.cells, F = opts.facets;
    var drawn = null;  // the event tiles drawn: their keys, and each event's place in the export
    window.conflictTiles = {fetched: [], bytes: 0, mode: "grid"};
    function active() { return window.ceFilter && window.ceFilter.active ? window.ceFilter : null; }
    function tileLat(y, n) { var r = Math.PI * (1 - 2 * y / n); return 180 / Math.PI * Math.atan(Math.sinh(r)); }
    function tileX(lon, n) { return Math.min(n - 1, Math.max(0, Math.floor((lon + 180) / 360 * n))); }
    function tileY(lat, n) {
      var r = Math.max(-85.05, Math.min(85.05, lat)) * Math.PI / 180;
      return Math.min(n - 1, Math.max(0, Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n)));
    }
    var leaves = Object.keys(opts.counts).map(function(k) {
      var p = k.split("/").map(Number), n = Math.pow(2, p[0]);
      return {key: k, n: opts.counts[k], west: p[1] / n * 360 - 180, east: (p[1] + 1) / n * 360 - 180,
              north: tileLat(p[2], n), south: tileLat(p[2] + 1, n)};
    });
    var cellTiles = {};
    cells.tiles.forEach(function(k) { cellTiles[k] = true; });
    // A tile's JSON; gz: the file is gzipped (the filter files), inflated here unless the server
    // already did (a gzip file starts 1f 8b; JSON never does).
    function fetchJson(path, gz) { return fetchFile(path + ".json" + (gz ? ".gz" : ""), path); }
    function fetchFile(file, path) {
      if (!cache[path]) {
        cache[path] = fetch(opts.base + "/" + file).then(function(r) {
          if (!r.ok) throw new Error(path + ": " + r.status);
          return r.arrayBuffer();
        }).then(function(buf) {
          var head = new Uint8Array(buf, 0, Math.min(2, buf.byteLength));
          window.conflictTiles.fetched.push(path);
          window.conflictTiles.bytes += buf.byteLength;
          if (head[0] === 0x1f && head[1] === 0x8b) {
            return new Response(new Blob([buf]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
          }
          return new TextDecoder().decode(buf);
        }).then(JSON.parse);
        cache[path].catch(function() { delete cache[path]; });  // a failed tile is asked for again next time
      }
      return cache[path];
    }
    // A tile's data, with its filter fields (events) or its cube (cells) once a filter is set.
    function withExtra(path, extra, name) {
      if (!active()) return fetchJson(path);
      return Promise.all([fetchJson(path), fetchJson(path + extra, true)]).then(function(p) {
        var out = Object.assign({}, p[0]);
        out[name] = p[1];
        return out;
      });
    }
    // Tiles' data joined into one: arrays end to end, each tile's popup tables appended and its
    // codes (and region indices) moved past the tables before it.
    function join(parts) {
      if (parts.length === 1) return parts[0];
      var out = {lat: [], lon: [], t: [], c: [], id: [], cur: [], u: [], rg: [],
                 popup: {title: [], unc: [], fat: [], inj: [], cols: {}, dicts: {}},
                 regions: {type: "FeatureCollection", features: []}};
      var rows = 0, fields = parts.every(function(p) { return p.f; });
      if (fields) out.f = {dates: [], sub: [], datasets: [], text: [], regions: []};
      parts.forEach(function(p) {
        ["lat", "lon", "t", "c", "id", "cur", "u"].forEach(function(k) { Array.prototype.push.apply(out[k], p[k]); });
        if (fields) Object.keys(out.f).forEach(function(k) { Array.prototype.push.apply(out.f[k], p.f[k]); });
        ["title", "unc", "fat", "inj"].forEach(function(k) { Array.prototype.push.apply(out.popup[k], p.popup[k]); });
        var shift = out.regions.features.length;
        p.rg.forEach(function(r) { out.rg.push(r < 0 ? r : r + shift); });
        Array.prototype.push.apply(out.regions.features, p.regions.features);
        Object.keys(p.popup.cols).forEach(function(name) {
          var col = out.popup.cols[name] || (out.popup.cols[name] = []);
          var dict = out.popup.dicts[name] || (out.popup.dicts[name] = []), off = dict.length;
          while (col.length < rows) col.push(-1);
          p.popup.cols[name].forEach(function(k) { col.push(k < 0 ? k : k + off); });
          Array.prototype.push.apply(dict, p.popup.dicts[name]);
        });
        rows += p.lat.length;
      });
      Object.keys(out.popup.cols).forEach(function(name) {
        while (out.popup.cols[name].length < rows) out.popup.cols[name].push(-1);
      });
      return out;
    }
    function joinCells(parts) {
      var out = {south: [], west: [], n: [], t: [], types: [], cl: [], dlat: cells.dlat, dlon: cells.dlon,
                 cell_deg: cells.cell_deg, claimed: opts.gridOpts.data.claimed, filtered: opts.gridOpts.data.filtered};
      var cubes = parts.every(function(p) { return p.cube; });
      if (cubes) out.cube = {i: [], m: [], k: [], c: [], d: [], r: [], n: []};
      parts.forEach(function(p) {
        var off = out.n.length;
        ["south", "west", "n", "t", "types", "cl"].forEach(function(k) { Array.prototype.push.apply(out[k], p[k]); });
        if (cubes) Object.keys(out.cube).forEach(function(k) {
          Array.prototype.push.apply(out.cube[k], k === "i" ? p.cube.i.map(function(i) { return i + off; }) : p.cube[k]);
        });
      });
      out.total = out.n.reduce(function(a, b) { return a + b; }, 0);
      return out;
    }
    // The grid layer's data from a cube's rows the filter keeps: per cell its events by type, the
    // most frequent type, the claims among them (cells left with none are not drawn).
    function cubeGrid(geom, cube, keepRow) {
      var nt = opts.gridOpts.typeNames.length, per = {}, order = [], claimed = {};
      F.claimed.forEach(function(c) { claimed[c] = true; });
      for (var k = 0; k < cube.n.length; k++) {
        if (!keepRow(cube, k, false, geom)) continue;
        var i = cube.i[k], row = per[i];
        if (!row) { row = per[i] = {types: new Array(nt).fill(0), cl: 0}; order.push(i); }
        row.types[F.kinds[cube.k[k]][0]] += cube.n[k];
        if (claimed[cube.c[k]]) row.cl += cube.n[k];
      }
      var out = {south: [], west: [], n: [], t: [], types: [], cl: [], dlat: geom.dlat, dlon: geom.dlon,
                 cell_deg: geom.cell_deg, total: 0, claimed: 0};
      order.sort(function(a, b) { return a - b; }).forEach(function(i) {
        var r = per[i], n = 0, best = 0;
        r.types.forEach(function(v, t) { n += v; if (v > r.types[best]) best = t; });
        out.south.push(geom.south[i]); out.west.push(geom.west[i]); out.n.push(n); out.t.push(best);
        out.types.push(r.types); out.cl.push(r.cl);
        out.total += n; out.claimed += r.cl;
      });
      out.filtered = out.total;
      return out;
    }
    function showAll(mine) {  // the whole site: the page's grid, or with a filter the opening cells' cube
      var f = active();
      if (!f) { showGrid("all", opts.gridOpts.data); return; }
      fetchJson("grid", true).then(function(g) {
        if (mine === seq) showGrid("all|" + f.version, cubeGrid(g, g.cube, f.keepRow));
      }, function() { if (mine === seq) showGrid("all", opts.gridOpts.data); });
    }
    function showGrid(key, data) {  // key: which grid (the whole site's, or these cell tiles', and the filter's)
      if (events) { map.removeLayer(events); events = null; }
      if (grid && gridKey !== key) { map.removeLayer(grid); grid = null; }
      if (!grid) {
        grid = L.featureGroup().addTo(map);
        gridKey = key;
        aggregateLayer(grid, map, Object.assign({}, opts.gridOpts, {data: data}));
      }
      window.conflictTiles.mode = key.split("|")[0] === "all" ? "grid" : "cells";
    }
    function update() {
      var b = map.getBounds(), mine = ++seq, total = 0, wanted = [];
      leaves.forEach(function(l) {
        if (l.east > b.getWest() && l.west < b.getEast() && l.north > b.getSouth() && l.south < b.getNorth()) {
          wanted.push(l.key);
          total += l.n;
        }
      });
      if (total && total <= opts.limit && wanted.length <= opts.maxTiles) {
        Promise.all(wanted.map(function(k) { return withExtra(k, ".f", "f"); })).then(function(parts) {
          if (mine !== seq) return;  // the view moved on while these came
          if (grid) { map.removeLayer(grid); grid = null; gridKey = null; }
          if (events) map.removeLayer(events);
          events = L.featureGroup().addTo(map);
          eventLayer(events, map, Object.assign({}, opts.eventOpts, {data: join(parts)}));
          drawn = {keys: wanted, pos: parts.map(function(p) { return p.pos; })};
          window.conflictTiles.mode = "events";
          if (active()) window.conflictEvents.filter(active().keep);
          map.fire("ce-drawn");
        }, function() { if (mine === seq) showAll(mine); });  // a tile that cannot be had
        return;
      }
      var n = Math.pow(2, cells.z), pad = cells.dlon, near = [];
      var x0 = tileX(b.getWest() - pad, n), x1 = tileX(b.getEast() + pad, n);
      var y0 = tileY(b.getNorth() + pad, n), y1 = tileY(b.getSouth() - pad, n);
      if ((x1 - x0 + 1) * (y1 - y0 + 1) > cells.maxTiles) { showAll(mine); return; }
      for (var x = x0; x <= x1; x++) for (var y = y0; y <= y1; y++) if (cellTiles[x + "/" + y]) near.push("cells/" + x + "/" + y);
      if (!near.length) { showAll(mine); return; }
      Promise.all(near.map(function(k) { return withExtra(k, ".cube", "cube"); })).then(function(parts) {
        if (mine !== seq) return;
        var joined = joinCells(parts), f = active();
        showGrid(near.join(",") + (f ? "|" + f.version : ""), f && joined.cube ? cubeGrid(joined, joined.cube, f.keepRow) : joined);
      }, function() { if (mine === seq) showAll(mine); });
    }
    map.on("moveend", update);
    // The filter panel's hook: the drawn events filtered again, or the cells counted again.
    // The features of the event tiles drawn (the export's own, beside each tile), in the export's
    // order; none while cells are shown (a view too busy for events).
    function features() {
      if (window.conflictTiles.mode !== "events" || !drawn) {
        return Promise.reject(new Error("zoom in until the events are drawn, or take events.geojson.gz (all of them)"));
      }
      var mine = drawn;
      return Promise.all(mine.keys.map(function(k) { return fetchFile(k + ".geojson.gz", k + ".geojson"); }))
        .then(function(fcs) {
          var out = [];
          fcs.forEach(function(fc, t) { fc.features.forEach(function(f, j) { out.push([mine.pos[t][j], f]); }); });
          out.sort(function(a, b) { return a[0] - b[0]; });
          return out.map(function(p) { return p[1]; });
        });
    }
    window.ceTiled = {facets: F, features: features, refresh: function() {
      if (events && window.conflictTiles.mode === "events" && window.conflictEvents.filter &&
          (!active() || window.conflictEvents.data.f)) {  // the fields are here: no new fetch
        window.conflictEvents.filter(active() ? active().keep : function() { return true; });
        map.fire("ce-drawn");
      } else update();
    }};
    showGrid("all", opts.gridOpts.data);
    map.whenReady(update);
  }

  // Every legend of the map: a button folds it away; it starts folded wherever, open, it would cover
  // more than a fifth of the map (a phone, a short frame), measured, not guessed from the width; and
  // it steps aside while a popup is open, coming back after. opts: position, className, title, html.
  function foldableLegend(map, opts) {
    var control = L.control({position: opts.position}), handlers = null;
    control.onAdd = function() {
      var div = L.DomUtil.create("div", "ce-legend " + opts.className);
      div.innerHTML = '<button type="button" class="ce-legend-toggle" aria-expanded="true">' + opts.title +
                      '</button><div class="ce-legend-body">' + opts.html + '</div>';
      var button = div.querySelector(".ce-legend-toggle");
      function fold(folded) {
        div.classList.toggle("ce-folded", folded);
        button.setAttribute("aria-expanded", String(!folded));
      }
      var chosen = false;  // once the user folds or unfolds it, the size no longer decides
      var openBeforePopup = null;  // whether it was open when a popup opened
      L.DomEvent.on(button, "click", function() {
        chosen = true;
        var unfold = div.classList.contains("ce-folded");
        if (unfold && openBeforePopup !== null) { openBeforePopup = null; map.closePopup(); }
        fold(!unfold);
      });
      function auto() {
        var size = map.getSize();
        if (chosen || openBeforePopup !== null || size.x <= 0 || size.y <= 0) return;
        if (!div.offsetParent) return;  // hidden (the grid's mode hides the base legend): measured when shown
        fold(false);
        fold(div.offsetWidth * div.offsetHeight > 0.2 * size.x * size.y);
      }
      handlers = {
        popupopen: function() {
          if (openBeforePopup === null) openBeforePopup = !div.classList.contains("ce-folded");
          fold(true);
        },
        popupclose: function() {
          var was = openBeforePopup;
          openBeforePopup = null;
          if (chosen) fold(!was); else auto();
        },
        resize: auto,
        "ce-relayout": auto  // the layers switched between events and grid cells: what shows changed
      };
      map.on(handlers);
      setTimeout(auto, 300);  // the frame may still be sizing itself when the map is made
      auto();
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.onRemove = function() { if (handlers) map.off(handlers); };
    return control;
  }

  // Shapes and colours per event type, line styles per claim status, uncertainty symbols:
  // html is the legend's body, made (and escaped) in Python.
  function legend(map, html) {
    foldableLegend(map, {position: "bottomright", className: "ce-base-legend", title: "Legend", html: html})
      .addTo(map);
    // Leaflet draws every control above the popups: a control (a legend, folded or not, the zoom and
    // tool buttons) that an open popup would run into steps aside, once the popup has been panned
    // into view, until it closes.
    var timer = null;
    function aside() {
      var open = map.getContainer().querySelector(".leaflet-popup-content-wrapper");
      var q = open && open.getBoundingClientRect();
      map.getContainer().querySelectorAll(".leaflet-control").forEach(function(c) {
        var l = c.getBoundingClientRect();
        c.classList.toggle("ce-aside", !!q && !(q.right <= l.left || l.right <= q.left || q.bottom <= l.top ||
                                                 l.bottom <= q.top));
      });
    }
    map.on("popupopen moveend", function() { clearTimeout(timer); timer = setTimeout(aside, 150); });
    map.on("popupclose", function() {
      clearTimeout(timer);
      map.getContainer().querySelectorAll(".ce-aside").forEach(function(c) { c.classList.remove("ce-aside"); });
    });
  }

  // Place names from the gazetteer, thinned by zoom, fetched by tile
  // (dashboard/placelabels.py); a label shows only where it overlaps no larger place's.
  function placeLabels(map, layout) {
    var L_ = layout;
    var pane = map.getPane("ce-labels") || map.createPane("ce-labels");
    pane.style.zIndex = 380; pane.style.pointerEvents = "none";  // over boundaries, under events and shapes
    var group = L.layerGroup().addTo(map), tiles = {}, MAX = 350, seq = 0;
    function fetchTile(tier, name) {
      var k = tier + "/" + name;
      if (!tiles[k]) {
        tiles[k] = fetch(L_.url + "/" + k + ".json").then(function(r) { return r.ok ? r.json() : []; })
                                                    .catch(function() { return []; });
      }
      return tiles[k];
    }
    function wanted(z, b) {
      var tier = L_.zoom_tier[Math.min(19, Math.max(0, Math.round(z)))], size = L_.tiers[tier];
      if (!size) return [[tier, "all"]];
      var out = [], y0 = Math.floor(b.getSouth() / size), y1 = Math.floor(b.getNorth() / size),
          x0 = Math.floor(Math.max(-180, b.getWest()) / size), x1 = Math.floor(Math.min(180, b.getEast()) / size);
      if ((y1 - y0 + 1) * (x1 - x0 + 1) > 80) return [];  // a tier never asks for more than a screenful of cells
      for (var y = y0; y <= y1; y++) for (var x = x0; x <= x1; x++) out.push([tier, y + "_" + x]);
      return out;
    }
    var measure = null;
    function textWidth(name) {
      // the label's own font, measured once per page: a village name's width is not 6 px a letter
      if (!measure) {
        var probe = L.DomUtil.create("div", "ce-label", pane), style = window.getComputedStyle(probe);
        measure = document.createElement("canvas").getContext("2d");
        measure.font = style.fontWeight + " " + style.fontSize + " " + style.fontFamily;
        probe.remove();
      }
      return Math.ceil(measure.measureText("\u25CF " + name).width) + 6;
    }
    function draw() {
      var z = map.getZoom(), b = map.getBounds(), mine = ++seq;
      var minPop = L_.zoom_min_pop[Math.round(z)] || 0;
      Promise.all(wanted(z, b).map(function(w) { return fetchTile(w[0], w[1]); })).then(function(lists) {
        if (mine !== seq) return;  // the map moved on meanwhile
        var all = [].concat.apply([], lists).filter(function(p) { return p[3] >= minPop && b.contains([p[1], p[2]]); });
        all.sort(function(a, c) { return c[3] - a[3]; });
        var boxes = [], shown = [];
        for (var i = 0; i < all.length && shown.length < MAX; i++) {
          var p = all[i], pt = map.latLngToContainerPoint([p[1], p[2]]);
          var w = textWidth(p[0]), box = [pt.x - 4, pt.y - 8, pt.x + w, pt.y + 8];
          var free = true;
          for (var j = 0; j < boxes.length && free; j++) {
            var o = boxes[j];
            if (box[0] < o[2] + 4 && box[2] + 4 > o[0] && box[1] < o[3] + 2 && box[3] + 2 > o[1]) free = false;
          }
          if (!free) continue;
          boxes.push(box);
          shown.push(p);
        }
        group.clearLayers();
        shown.forEach(function(p) {
          L.marker([p[1], p[2]], {interactive: false, keyboard: false, pane: "ce-labels",
            icon: L.divIcon({className: "ce-label", html: "&#9679; " + p[0], iconSize: null, iconAnchor: [4, 7]})}).addTo(group);
        });
        window.conflictLabels = {zoom: z, names: shown.map(function(p) { return p[0]; })};
      });
    }
    map.on("moveend zoomend", draw);
    draw();
  }

  // Says so on the map when the online basemap's tiles fail to load; the offline map stays.
  function tileFailureNotice(map, tiles) {
    var shown = false;
    tiles.on("tileerror", function() {
      if (shown) return;
      shown = true;
      var note = L.control({position: "topright"});
      note.onAdd = function() {
        var div = L.DomUtil.create("div", "ce-legend ce-tile-failure");
        div.setAttribute("role", "status");
        div.textContent = "Online basemap tiles could not be loaded (no internet, or the tile server is " +
                          "blocked): the offline map is shown.";
        return div;
      };
      note.addTo(map);
      window.conflictTileFailure = true;
    });
  }

  // A GeoJSON layer fetched from our own static files (cached by the browser), in a pane of its
  // own under the events.
  function staticGeoJson(map, opts) {
    var pane = map.getPane(opts.pane) || map.createPane(opts.pane);
    pane.style.zIndex = opts.zIndex;  // under the overlay pane (400) where events and cells draw
    var renderer = L.canvas({pane: opts.pane});
    fetch(opts.url).then(function(r) { return r.json(); }).then(function(data) {
      var base = opts.style, byKind = opts.byKind;
      var layer = L.geoJSON(data, {style: function(f) {
          return Object.assign({}, base, byKind[f.properties && f.properties.kind] || {}); },
        smoothFactor: 1.0, pane: opts.pane, attribution: opts.attribution,
        renderer: renderer, interactive: opts.tooltipFields.length > 0});
      if (opts.tooltipFields.length) {
      layer.bindTooltip(function(l) {
        var p = l.feature.properties;
        return opts.tooltipFields.map(function(k) { return p[k]; }).join(" ");
      }, {sticky: true});
      }
      layer.addTo(map);
      window.conflictBase = window.conflictBase || {};
      window.conflictBase[opts.name] = layer;
    });
  }

  // Keeps the map's centre and zoom in the page's URL (view=LAT,LON,ZOOM), debounced, with
  // replaceState; written again when Streamlit rewrites the URL from its own copy of the query.
  function viewInUrl(map, opts) {
    var timer = null;
    // A published site opens a link's view=LAT,LON,ZOOM itself (the dashboard sets it in Python).
    if (!window.Streamlit) {
      try {
        var asked = (new URLSearchParams(window.location.search).get("view") || "").split(",").map(Number);
        if (asked.length === 3 && asked.every(isFinite) && Math.abs(asked[0]) <= 85) {
          map.setView([asked[0], asked[1]], Math.max(3, Math.min(14, Math.round(asked[2]))));
        }
      } catch (e) { /* no view asked */ }
    }
    function write() {
      try {
        if (!map._loaded) return;
        var c = map.getCenter(), top = window.top, u = new URL(top.location.href);
        var view = c.lat.toFixed(4) + "," + c.lng.toFixed(4) + "," + map.getZoom();
        window.conflictView = view;
        if (u.searchParams.get("view") === view) return;
        u.searchParams.set("view", view);
        top.history.replaceState(top.history.state, "", u.toString());
      } catch (e) { /* a page that embeds the map from elsewhere: no URL to write */ }
    }
    map.on("moveend", function() { clearTimeout(timer); timer = setTimeout(write, opts.delayMs); });
    // One re-check per page, however often a map in it is drawn again (the draft page redraws its map).
    if (window.ceViewRecheck) clearInterval(window.ceViewRecheck);
    window.ceViewRecheck = setInterval(write, opts.recheckMs);
  }

  // A map tool: a toggle button under the zoom; while it is on, the pointer is a crosshair. opts:
  // className, title, label, symbol (HTML), toggled(on) told of every change. Returns {on, set(v)}.
  function toolButton(map, opts) {
    var control = L.control({position: "topleft"}), tool = {on: false, set: function() {}};
    control.onAdd = function() {
      var div = L.DomUtil.create("div", "leaflet-bar ce-tools");
      div.innerHTML = '<a href="#" role="button" class="' + opts.className + '" title="' + opts.title +
                      '" aria-label="' + opts.label + '" aria-pressed="false">' + opts.symbol + '</a>';
      var button = div.querySelector("a");
      tool.set = function(v) {
        tool.on = v;
        button.classList.toggle("ce-on", v);
        button.setAttribute("aria-pressed", String(v));
        map.getContainer().style.cursor = v ? "crosshair" : "";
        opts.toggled(v);
      };
      L.DomEvent.on(button, "click", function(e) { L.DomEvent.preventDefault(e); tool.set(!tool.on); });
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    control.addTo(map);
    return tool;
  }

  // Filter to an area drawn on the map: the button turns dragging into drawing a box; the box is
  // sent to the page (the map component's value, `ce_area`: south,west,north,east), which sets the
  // area filter, so the URL (`area=`), the counts, the table and the downloads follow. Mouse only.
  function areaTool(map) {
    var start = null, box = null;
    var tool = toolButton(map, {className: "ce-area-tool", title: "Filter to an area: press, then drag a box on the map",
                                label: "Filter to an area", symbol: "&#9633;",
                                toggled: function(on) { if (on) map.dragging.disable(); else map.dragging.enable(); }});
    map.on("mousedown", function(e) {
      if (!tool.on) return;
      start = e.latlng;
      box = L.rectangle([start, start], {color: "#1f4e79", weight: 2, dashArray: "5 4", fill: false,
                                         interactive: false}).addTo(map);
    });
    map.on("mousemove", function(e) { if (tool.on && start && box) box.setBounds([start, e.latlng]); });
    map.on("mouseup", function(e) {
      if (!tool.on || !start) return;
      var b = L.latLngBounds(start, e.latlng);
      start = null;
      tool.set(false);
      if (box) { map.removeLayer(box); box = null; }
      if (b.getNorth() - b.getSouth() < 1e-3 || b.getEast() - b.getWest() < 1e-3) return;  // a click, not a box
      var area = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map(function(x) { return x.toFixed(4); }).join(",");
      window.conflictArea = area;
      if (window.Streamlit && window.__GLOBAL_DATA__) {
        window.Streamlit.setComponentValue(Object.assign({}, window.__GLOBAL_DATA__.previous_data || {}, {ce_area: area}));
      }
    });
  }

  // Measure: the button's next two clicks on the map are the ends of a line, labelled with its length
  // (great circle, Leaflet's map.distance); a third click starts again; the button again clears it.
  function measureTool(map) {
    var ends = [], drawn = L.layerGroup().addTo(map);
    function clear() { drawn.clearLayers(); ends = []; }
    var tool = toolButton(map, {className: "ce-measure-tool", title: "Measure: click two places on the map",
                                label: "Measure a distance", symbol: "&#8596;",
                                toggled: function(on) { if (!on) { clear(); window.conflictMeasure = null; } }});
    map.on("click", function(e) {
      if (!tool.on) return;
      if (ends.length === 2) clear();
      ends.push(e.latlng);
      L.circleMarker(e.latlng, {radius: 4, color: "#111", weight: 2, fillColor: "#fff", fillOpacity: 1,
                                interactive: false}).addTo(drawn);
      if (ends.length === 2) {
        var km = map.distance(ends[0], ends[1]) / 1000;
        window.conflictMeasure = {km: km, ends: ends.map(function(p) { return [p.lat, p.lng]; })};
        L.polyline(ends, {color: "#111", weight: 2, dashArray: "6 4", interactive: false}).addTo(drawn)
          .bindTooltip((km < 10 ? km.toFixed(1) : Math.round(km).toLocaleString()) + " km",
                       {permanent: true, direction: "center", className: "ce-measure"}).openTooltip();
      }
    });
  }

  // A published site's filters, run in the browser over the events layer's own arrays, with the
  // dashboard's URL keys (from, to, type, claim, dataset, q): a link copied from either opens the same
  // view on the other. opts.dates: [start, end or ""] per event, opts.sub: sub-type names,
  // opts.datasets: dataset per event, opts.text: searchable text per event (lower case).
  // The dashboard's area key (events/filters.py Area): a box "S,W,N,E" (west above east crosses the
  // antimeridian), or rings in Google's encoded polyline format (precision 5) joined by ";", the area
  // their union; boundaries count as inside. null when there is none (or it cannot be read).
  function decodePolyline(code) {
    var pts = [], i = 0, lat = 0, lng = 0;
    function next() {
      var r = 0, s = 0, b;
      do { b = code.charCodeAt(i++) - 63; r |= (b & 31) << s; s += 5; } while (b >= 32 && i <= code.length);
      return (r & 1) ? ~(r >> 1) : (r >> 1);
    }
    while (i < code.length) { lat += next(); lng += next(); pts.push([lat / 1e5, lng / 1e5]); }
    return pts;
  }
  function inRing(lat, lon, ring) {
    var inside = false, eps = 1e-9;
    for (var a = 0, b = ring.length - 1; a < ring.length; b = a++) {
      var y1 = ring[a][0], x1 = ring[a][1], y2 = ring[b][0], x2 = ring[b][1];
      var cross = (lon - x1) * (y2 - y1) - (lat - y1) * (x2 - x1);
      if (Math.abs(cross) < eps && lon >= Math.min(x1, x2) - eps && lon <= Math.max(x1, x2) + eps &&
          lat >= Math.min(y1, y2) - eps && lat <= Math.max(y1, y2) + eps) return true;  // on the edge
      if ((y1 > lat) !== (y2 > lat) && lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1) inside = !inside;
    }
    return inside;
  }
  function parseArea(text) {
    if (!text) return null;
    var parts = text.split(",");
    if (parts.length === 4) {
      var s = +parts[0], w = +parts[1], n = +parts[2], e = +parts[3];
      if ([s, w, n, e].some(isNaN)) return null;
      return function(lat, lon) {
        return lat >= s && lat <= n && (w <= e ? lon >= w && lon <= e : lon >= w || lon <= e);
      };
    }
    var rings = text.split(";").filter(Boolean).map(decodePolyline).filter(function(r) { return r.length >= 3; });
    if (!rings.length) return null;
    return function(lat, lon) { return rings.some(function(r) { return inRing(lat, lon, r); }); };
  }

  // What the reader sees, as a file: the features of the site's events.geojson (the store's own
  // export) whose ids the map shows, as GeoJSON, or as CSV with a spreadsheet's formula cells
  // neutralised the OWASP way (a leading apostrophe), as the dashboard's CSV does.
  function csvCell(v) {
    if (v === null || v === undefined) return "";
    var s = typeof v === "object" ? JSON.stringify(v) : String(v);
    s = s.split(String.fromCharCode(0)).join("");  // no NUL bytes: no reader wants them
    if (/^[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]/.test(s) && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  // features(): a promise of the features to choose from (the site's events.geojson, or a tiled
  // site's drawn tiles).
  function downloadShown(fmt, features) {
    var shown = {};
    window.conflictEvents.ids.forEach(function(id) { shown[id] = true; });
    return features().then(function(all) {
      var features = all.filter(function(f) { return shown[f.properties.id]; });
      var body, type;
      if (fmt === "geojson") {
        body = JSON.stringify({type: "FeatureCollection", features: features});
        type = "application/geo+json";
      } else {
        var cols = features.length ? Object.keys(features[0].properties) : ["id"];
        var lines = [cols.map(csvCell).join(",")].concat(features.map(function(f) {
          return cols.map(function(c) { return csvCell(f.properties[c]); }).join(","); }));
        body = lines.join("\r\n") + "\r\n";
        type = "text/csv";
      }
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([body], {type: type}));
      a.download = "events." + fmt;
      document.body.appendChild(a);
      a.click();
      setTimeout(function() { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    });
  }

  // The published site's timeline: bars over periods (a shape: its periods, [first day, last day]
  // as day numbers, and per item its period and weight), the counts of the items every other filter
  // keeps, the chosen dates dark; dragging across it chooses the dates (chosen(from, to) is told), a
  // double-click takes them all again.
  var DAY = 86400000;
  function dayNumber(iso) { return Math.floor(Date.parse(iso + "T00:00:00Z") / DAY); }
  function isoDay(d) { return new Date(d * DAY).toISOString().slice(0, 10); }
  // Events by day, week or month, whichever gives at most 60 bars: dates is [start, end or ""] per event.
  function dayShape(dates) {
    var lo = Infinity, hi = -Infinity;
    dates.forEach(function(p) { lo = Math.min(lo, dayNumber(p[0])); hi = Math.max(hi, dayNumber(p[1] || p[0])); });
    if (!isFinite(lo)) return null;
    var span = hi - lo + 1, width = span <= 60 ? 1 : span <= 420 ? 7 : span <= 1800 ? 30 : Math.ceil(span / 60);
    var periods = [];
    for (var start = lo; start <= hi; start += width) periods.push([start, Math.min(hi, start + width - 1)]);
    return {periods: periods, n: dates.length, weight: function() { return 1; },
            binOf: function(i) { return Math.floor((dayNumber(dates[i][0]) - lo) / width); }};
  }
  // A tiled site's cube rows by month (grouped so that there are at most 60 bars): months is the
  // "YYYY-MM" of each month code, cube.m and cube.n each row's month and count.
  function monthShape(months, cube) {
    var idx = months.map(function(m) { var p = m.split("-"); return +p[0] * 12 + (+p[1] - 1); });
    if (!idx.length) return null;
    var lo = Math.min.apply(null, idx), hi = Math.max.apply(null, idx), g = Math.ceil((hi - lo + 1) / 60), periods = [];
    function first(a) { return Math.floor(Date.UTC(Math.floor(a / 12), a % 12, 1) / DAY); }
    for (var a = lo; a <= hi; a += g) periods.push([first(a), first(Math.min(hi, a + g - 1) + 1) - 1]);
    return {periods: periods, n: cube.n.length, weight: function(i) { return cube.n[i]; },
            binOf: function(i) { return Math.floor((idx[cube.m[i]] - lo) / g); }};
  }
  function timelineIn(box, shape, keep, state, chosen) {
    var NS = "http://www.w3.org/2000/svg", W = 220, H = 48;
    if (!shape) return null;
    var P = shape.periods, bins = P.length, svg = document.createElementNS(NS, "svg"), drag = null;
    svg.setAttribute("width", W); svg.setAttribute("height", H + 14); svg.setAttribute("role", "img");
    box.appendChild(svg);
    function binAt(ev) {
      var r = svg.getBoundingClientRect();
      return Math.max(0, Math.min(bins - 1, Math.floor((ev.clientX - r.left) / W * bins)));
    }
    function draw() {
      var counts = new Array(bins).fill(0), max = 1;
      for (var i = 0; i < shape.n; i++) {
        if (keep(i, true)) counts[shape.binOf(i)] += shape.weight(i);
      }
      counts.forEach(function(c) { max = Math.max(max, c); });
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      var bw = W / bins, from = state.from ? dayNumber(state.from) : -Infinity, to = state.to ? dayNumber(state.to) : Infinity;
      var a = drag ? Math.min(drag[0], drag[1]) : -1, b = drag ? Math.max(drag[0], drag[1]) : -1;
      counts.forEach(function(c, k) {
        var rect = document.createElementNS(NS, "rect");
        var on = drag ? k >= a && k <= b : P[k][1] >= from && P[k][0] <= to;
        var h = c ? Math.max(2, Math.round(H * c / max)) : 0;
        rect.setAttribute("x", (k * bw).toFixed(1)); rect.setAttribute("width", Math.max(1, bw - 1).toFixed(1));
        rect.setAttribute("y", H - h); rect.setAttribute("height", h);
        rect.setAttribute("class", "ce-bar" + (on ? " ce-bar-on" : ""));
        rect.setAttribute("data-n", c);
        var tip = document.createElementNS(NS, "title");
        tip.textContent = isoDay(P[k][0]) + (P[k][1] > P[k][0] ? " – " + isoDay(P[k][1]) : "") + ": " +
                          c.toLocaleString() + " events";
        rect.appendChild(tip);
        svg.appendChild(rect);
      });
      [[0, "start", isoDay(P[0][0])], [W, "end", isoDay(P[bins - 1][1])]].forEach(function(t) {
        var label = document.createElementNS(NS, "text");
        label.setAttribute("x", t[0]); label.setAttribute("y", H + 12); label.setAttribute("text-anchor", t[1]);
        label.textContent = t[2];
        svg.appendChild(label);
      });
      svg.setAttribute("aria-label", "Timeline from " + isoDay(P[0][0]) + " to " + isoDay(P[bins - 1][1]));
    }
    L.DomEvent.on(svg, "mousedown", function(ev) { L.DomEvent.preventDefault(ev); drag = [binAt(ev), binAt(ev)]; draw(); });
    L.DomEvent.on(svg, "mousemove", function(ev) { if (drag) { drag[1] = binAt(ev); draw(); } });
    L.DomEvent.on(document, "mouseup", function() {
      if (!drag) return;
      var a = Math.min(drag[0], drag[1]), b = Math.max(drag[0], drag[1]);
      drag = null;
      chosen(isoDay(P[a][0]), isoDay(P[b][1]));
    });
    L.DomEvent.on(svg, "dblclick", function() { drag = null; chosen("", ""); });
    draw();
    return {draw: draw};
  }

  // opts.tiled: a site beyond the drawing limit (tiledEvents): the drawn events are tested by their
  // tiles' filter fields (conflictEvents.data.f), the cells and the count by the cubes' codes into
  // ceTiled.facets, whose dates are months and whose area is a cell's centre (text: events only).
  function filterPanel(map, opts) {
    var params = new URLSearchParams(window.location.search), tiled = !!opts.tiled;
    var T = tiled ? window.ceTiled.facets : null, version = 0;
    function ce() { return window.conflictEvents; }
    var typeNames = tiled ? opts.typeNames : ce().typeNames, claimNames = tiled ? opts.claimNames : ce().claimNames;
    function many(key) {
      return params.getAll(key).join(",").split(",").map(function(v) { return v.trim(); }).filter(Boolean);
    }
    var state = {from: params.get("from") || "", to: params.get("to") || "", type: many("type"),
                 claim: many("claim"), dataset: many("dataset"), region: many("region"),
                 q: (params.get("q") || "").toLowerCase()};
    // A region as a URL may spell it, reduced as dashboard/mapview.py region_key reduces the table's.
    function regionKey(text) {
      var t = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/['’`]/g, "");
      return t.replace(/[^a-z0-9]+/g, " ").split(" ").filter(function(w) {
        return w && ["oblast", "region", "krai", "province", "republic", "of", "the"].indexOf(w) < 0; }).join(" ");
    }
    function regionEntries(values) {  // the table entries a list of spellings names
      var keys = values.map(regionKey), out = [];
      opts.regionKeys.forEach(function(r, k) {
        if (r.keys.some(function(x) { return keys.indexOf(x) >= 0; })) out.push(k);
      });
      return out;
    }
    var regionWanted = regionEntries(state.region);
    var area = parseArea((params.get("area") || "").replace(/\s+/g, ""));
    function kept(type, sub, claim, dataset, regions) {
      if (state.type.length && state.type.indexOf(type) < 0 && state.type.indexOf(sub) < 0) return false;
      if (state.claim.length && state.claim.indexOf(claim) < 0) return false;
      if (state.dataset.length && state.dataset.indexOf(dataset) < 0) return false;
      return !state.region.length || regions.some(function(k) { return regionWanted.indexOf(k) >= 0; });
    }
    function keep(i, anyDate) {
      var d = ce().data, F = tiled ? d.f : opts;
      if (area && !area(d.lat[i], d.lon[i])) return false;
      var start = F.dates[i][0], end = F.dates[i][1] || start;
      if (!anyDate && state.from && end < state.from) return false;
      if (!anyDate && state.to && start > state.to) return false;
      if (!kept(typeNames[d.t[i]], F.sub[i], claimNames[d.c[i]], F.datasets[i], F.regions[i])) return false;
      return !state.q || F.text[i].indexOf(state.q) >= 0;
    }
    function keepRow(cube, k, anyDate, geom) {  // a cube's row k (geom: its cells, when it has them)
      if (area && geom && !area(geom.south[cube.i[k]] + geom.dlat / 2, geom.west[cube.i[k]] + geom.dlon / 2)) return false;
      var month = T.months[cube.m[k]], kind = T.kinds[cube.k[k]];
      if (!anyDate && state.from && month < state.from.slice(0, 7)) return false;
      if (!anyDate && state.to && month > state.to.slice(0, 7)) return false;
      return kept(typeNames[kind[0]], kind[1], claimNames[cube.c[k]], T.datasets[cube.d[k]], T.regionSets[cube.r[k]]);
    }
    function counted() {
      var n = document.querySelector(".ce-filter-count");
      if (!n) return;
      if (!tiled) { n.textContent = ce().count.toLocaleString() + " of " + ce().data.id.length.toLocaleString() + " events"; return; }
      var mc = T.monthCube, all = 0, hits = 0;
      for (var k = 0; k < mc.n.length; k++) { all += mc.n[k]; if (keepRow(mc, k, false)) hits += mc.n[k]; }
      var rough = state.from || state.to || area || state.q;
      n.textContent = (rough ? "about " : "") + hits.toLocaleString() + " of " + all.toLocaleString() + " events" +
        (window.conflictTiles && window.conflictTiles.mode === "events" ? "; " + ce().count.toLocaleString() + " drawn here" :
         rough ? " (cells count whole months" + (state.q ? "; text applies to events, zoomed in" : "") + ")" : "");
    }
    function apply() {
      if (tiled) {
        var on = !!(state.from || state.to || state.q || area) ||
                 ["type", "claim", "dataset", "region"].some(function(k) { return state[k].length > 0; });
        window.ceFilter = {active: on, keep: keep, keepRow: keepRow, version: ++version};
        window.ceTiled.refresh();
      } else ce().filter(keep);
      var u = new URL(window.location.href);
      ["from", "to", "type", "claim", "dataset", "region", "q"].forEach(function(k) { u.searchParams.delete(k); });
      ["from", "to", "q"].forEach(function(k) { if (state[k]) u.searchParams.set(k, state[k]); });
      ["type", "claim", "dataset", "region"].forEach(function(k) {
        state[k].forEach(function(v) { u.searchParams.append(k, v); }); });
      window.history.replaceState(window.history.state, "", u.toString());
      counted();
      if (timeline) timeline.draw();
    }
    if (tiled) map.on("ce-drawn", counted);
    var timeline = null;
    function options(values, chosen) {
      return '<option value="">any</option>' + values.map(function(v) {
        return '<option' + (chosen.indexOf(v) >= 0 ? ' selected' : '') + '>' + v + '</option>'; }).join("");
    }
    var control = L.control({position: "topright"});
    control.onAdd = function() {
      var div = L.DomUtil.create("div", "ce-legend ce-filters");
      div.innerHTML = '<div class="ce-h">Filters</div>' +
        '<label>From <input type="date" name="from"></label><label>To <input type="date" name="to"></label>' +
        '<label>Type <select name="type">' + options(typeNames, state.type) + '</select></label>' +
        '<label>Claim <select name="claim">' + options(claimNames, state.claim) + '</select></label>' +
        '<label>Region <select name="region">' + options(opts.regionKeys.map(function(r) { return r.label; }),
                                                            state.region) + '</select></label>' +
        '<label>Text <input type="search" name="q"></label><div class="ce-filter-count"></div>' +
        '<div class="ce-timeline" title="Events per period; drag across it to choose the dates, double-click for all">' +
        '</div>' +
        (opts.source || tiled ? '<div class="ce-downloads">Download what is shown: <button type="button" ' +
         'data-fmt="geojson">GeoJSON</button> <button type="button" data-fmt="csv">CSV</button>' +
         '<div class="ce-download-note"></div></div>' : "");
      var source = tiled ? window.ceTiled.features : function() {
        return fetch(opts.source).then(function(r) { return r.json(); }).then(function(all) { return all.features; });
      };
      div.querySelectorAll(".ce-downloads button").forEach(function(b) {
        L.DomEvent.on(b, "click", function() {
          var note = div.querySelector(".ce-download-note");
          note.textContent = "";
          downloadShown(b.getAttribute("data-fmt"), source).catch(function(e) { note.textContent = e.message; });
        });
      });
      ["from", "to", "q"].forEach(function(k) { div.querySelector('[name="' + k + '"]').value = state[k]; });  // text, never HTML
      var shape = tiled ? monthShape(T.months, T.monthCube) : dayShape(opts.dates);
      var keepBar = tiled ? function(i, anyDate) { return keepRow(T.monthCube, i, anyDate); } : keep;
      timeline = timelineIn(div.querySelector(".ce-timeline"), shape, keepBar, state, function(from, to) {
        state.from = from; state.to = to;
        div.querySelector('[name="from"]').value = from;
        div.querySelector('[name="to"]').value = to;
        apply();
      });
      div.querySelectorAll("input, select").forEach(function(el) {
        L.DomEvent.on(el, "change input", function() {
          var v = el.value.trim();
          if (el.name === "type" || el.name === "claim" || el.name === "region") state[el.name] = v ? [v] : [];
          else state[el.name] = el.name === "q" ? v.toLowerCase() : v;
          regionWanted = regionEntries(state.region);
          apply();
        });
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    apply();
  }

  window.ceMap = {filterPanel: filterPanel, areaTool: areaTool, measureTool: measureTool, eventLayer: eventLayer, controlLayer: controlLayer, aggregateLayer: aggregateLayer, tiledEvents: tiledEvents, legend: legend, placeLabels: placeLabels, tileFailureNotice: tileFailureNotice, staticGeoJson: staticGeoJson, viewInUrl: viewInUrl};
})();
