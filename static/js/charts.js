/*
 * noktvrn charts: a thin, declarative layer over the vendored Chart.js (static/vendor/chart.js/).
 *
 * A page declares a chart and its data; this file draws it on load:
 *
 *   <canvas data-chart="line" data-source="energy-data" aria-label="Energy per week"></canvas>
 *   {{ energy_data|json_script:"energy-data" }}
 *
 * The JSON is {labels: [...], datasets: [{label, data, color?, dashed?, band?}], options?: {...}}:
 *   - kind (data-chart): line, bar, stacked (stacked bars), area (stacked areas), doughnut;
 *   - a dataset with band: {lower: [...], upper: [...]} is drawn as a shaded interval
 *     (two invisible lines filled between), e.g. a forecast's 80 % or 95 % interval;
 *   - null values leave gaps (history and forecast can share one label axis).
 * After drawing, the canvas gets data-drawn="1" (browser tests wait for it) and the Chart
 * instance is kept in noktvrnCharts.instances[canvas.id].
 *
 * From script: noktvrnCharts.draw(canvas, kind, spec) returns the Chart.
 */
(function () {
  "use strict";

  var PALETTE = ["#3b82f6", "#ef4444", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#14b8a6",
    "#f97316", "#6366f1", "#84cc16", "#06b6d4", "#a855f7", "#64748b"];

  function color(index, given) {
    return given || PALETTE[index % PALETTE.length];
  }

  function alpha(hex, a) {
    var n = parseInt(hex.replace("#", ""), 16);
    return "rgba(" + ((n >> 16) & 255) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + a + ")";
  }

  function datasets(kind, spec) {
    var out = [];
    (spec.datasets || []).forEach(function (ds, i) {
      var c = color(i, ds.color);
      if (ds.band) {
        // The interval: an invisible upper line, then the lower line filled up to it ("-1").
        out.push({label: ds.label + " (upper)", data: ds.band.upper, borderWidth: 0, pointRadius: 0,
          fill: false, borderColor: "transparent", backgroundColor: "transparent", _band: true});
        out.push({label: ds.label, data: ds.band.lower, borderWidth: 0, pointRadius: 0, fill: "-1",
          borderColor: "transparent", backgroundColor: alpha(c, ds.opacity || 0.18), _band: true});
        return;
      }
      var item = {label: ds.label, data: ds.data, borderColor: c, backgroundColor: kind === "line" ? c : alpha(c, 0.75),
        borderWidth: kind === "line" || kind === "area" ? 2 : 1, pointRadius: kind === "line" ? 0 : undefined,
        tension: 0.2, spanGaps: false};
      if (ds.dashed) { item.borderDash = [6, 4]; }
      if (kind === "area") { item.fill = i === 0 ? "origin" : "-1"; item.backgroundColor = alpha(c, 0.55); item.pointRadius = 0; }
      if (kind === "doughnut") { item.backgroundColor = spec.labels.map(function (_, j) { return color(j); }); }
      out.push(item);
    });
    return out;
  }

  function draw(canvas, kind, spec) {
    if (!window.Chart) { throw new Error("Chart.js is not loaded (static/vendor/chart.js/chart.umd.min.js)"); }
    var type = {line: "line", area: "line", bar: "bar", stacked: "bar", doughnut: "doughnut"}[kind] || "line";
    var stacked = kind === "stacked" || kind === "area";
    var options = {
      responsive: true, maintainAspectRatio: false, animation: false, interaction: {mode: "index", intersect: false},
      plugins: {legend: {labels: {filter: function (item, data) { return !data.datasets[item.datasetIndex]._band; }}}},
    };
    if (type !== "doughnut") {
      options.scales = {x: {stacked: stacked, ticks: {maxTicksLimit: 12}}, y: {stacked: stacked}};
      if (spec.yLabel) { options.scales.y.title = {display: true, text: spec.yLabel}; }
      if (kind === "area" || kind === "stacked") { options.scales.y.max = spec.yMax || undefined; }
    }
    var chart = new window.Chart(canvas, {type: type, data: {labels: spec.labels, datasets: datasets(kind, spec)},
      options: Object.assign(options, spec.options || {})});
    canvas.dataset.drawn = "1";
    if (canvas.id) { noktvrnCharts.instances[canvas.id] = chart; }
    return chart;
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      var source = document.getElementById(canvas.dataset.source);
      if (!source) { return; }
      draw(canvas, canvas.dataset.chart, JSON.parse(source.textContent));
    });
  }

  var noktvrnCharts = {draw: draw, drawAll: drawAll, palette: PALETTE, instances: {}};
  window.noktvrnCharts = noktvrnCharts;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
})();
