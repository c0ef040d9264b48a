// Draws the overview's trend chart with the vendored Apache ECharts. The figures come from the
// element's data-* attributes (the CSP allows no inline script); the table beside it has the same numbers.
(function () {
  "use strict";
  function read(el, name) {
    try { return JSON.parse(el.getAttribute("data-" + name)); } catch (e) { return []; }
  }
  function draw(el) {
    if (typeof echarts === "undefined") { return; }
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: read(el, "labels") },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: el.getAttribute("data-completion-label"), type: "line", data: read(el, "completion") },
        { name: el.getAttribute("data-on-time-label"), type: "line", data: read(el, "on-time") }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart=trend]").forEach(draw);
  });
})();
