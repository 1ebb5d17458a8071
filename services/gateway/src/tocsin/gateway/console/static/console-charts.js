// Tocsin console: draws [data-chart] elements with uPlot (vendored, loaded only when a
// page has a chart). The numbers are also in a table beside each chart; this only draws.
(function () {
  "use strict";
  var base = document.currentScript.src.replace(/console-charts\.js.*$/, "");
  var loading = null;

  function load() {
    if (window.uPlot) { return Promise.resolve(); }
    if (loading) { return loading; }
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = base + "vendor/uPlot-1.6.32.min.css";
    document.head.append(css);
    loading = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = base + "vendor/uPlot-1.6.32.iife.min.js";
      script.onload = resolve;
      script.onerror = reject;
      document.head.append(script);
    });
    return loading;
  }

  var colours = ["#0b5cad", "#2f6b2f", "#c2410c", "#6f42c1"];

  // Vertical lines at the incident's key times (declared, first engaged, ...).
  function marks(list) {
    return {hooks: {draw: [function (u) {
      var ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = "#57606a";
      ctx.fillStyle = "#1b1f24";
      ctx.setLineDash([4, 4]);
      ctx.font = Math.round(11 * devicePixelRatio) + "px system-ui, sans-serif";
      list.forEach(function (m, i) {
        var x = Math.round(u.valToPos(m.time, "x", true));
        if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) { return; }
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        // Key times often coincide (declared, detected, engaged): stagger their labels.
        ctx.fillText(m.label, x + 3, u.bbox.top + (12 + 13 * (i % 4)) * devicePixelRatio);
      });
      ctx.restore();
    }]}};
  }

  function draw(el) {
    if (el.dataset.drawn) { return; }
    var source = document.getElementById(el.dataset.chart);
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    el.dataset.drawn = "1";
    load().then(function () {
      var width = Math.max(280, Math.min(el.clientWidth || 640, 900));
      var opts = {
        title: spec.title, width: width, height: 260,
        scales: {x: {time: true}},
        axes: [{}, {label: "Pages", values: function (u, v) {
          return v.map(function (n) { return Number.isInteger(n) ? n : ""; });
        }}],
        series: [{label: "Time"}].concat(spec.series.map(function (s, i) {
          return {label: s.label, stroke: colours[i % colours.length], width: 2,
                  paths: window.uPlot.paths.stepped({align: 1})};
        })),
        plugins: [marks(spec.marks || [])]
      };
      var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
      new window.uPlot(opts, data, el);
      el.dataset.ready = "1";
    }, function () { el.dataset.drawn = ""; });
  }

  function start() { document.querySelectorAll("[data-chart]").forEach(draw); }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
  // The incident page's "Show the latest" puts in a new pane.
  new MutationObserver(start).observe(document.documentElement, {childList: true, subtree: true});
}());
