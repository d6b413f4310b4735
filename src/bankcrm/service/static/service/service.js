/* Service dashboard charts (ECharts). A static file (no inline scripts: CSP); the figures come
 * from the json_script element #service-chart-data written by the page. */
(function () {
  "use strict";

  var GREEN = "#2e8b57", AMBER = "#f0ad4e", RED = "#c0392b", BLUE = "#12407a", GOLD = "#c8a24a";

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node || !window.echarts) { return; }
    var c = window.echarts.init(node);
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }

  function start() {
    var source = document.getElementById("service-chart-data");
    if (!source) { return; }
    var d = JSON.parse(source.textContent), L = d.labels;
    var grid = { left: 48, right: 24, top: 40, bottom: 40, containLabel: true };
    chart("chart-age", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: grid,
      xAxis: { type: "category", data: d.age.buckets },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: L.on_track, type: "bar", stack: "age", data: d.age.on_track, itemStyle: { color: GREEN } },
        { name: L.at_risk, type: "bar", stack: "age", data: d.age.at_risk, itemStyle: { color: AMBER } },
        { name: L.breached, type: "bar", stack: "age", data: d.age.breached, itemStyle: { color: RED } }
      ]
    });
    chart("chart-breaches", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: grid,
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: L.opened, type: "bar", data: d.opened, itemStyle: { color: BLUE } },
        { name: L.breaches, type: "line", data: d.breaches, itemStyle: { color: RED } }
      ]
    });
    chart("chart-times", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: grid,
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value" },
      series: [
        { name: L.first, type: "line", data: d.first, connectNulls: true, itemStyle: { color: GOLD } },
        { name: L.resolution, type: "line", data: d.resolution, connectNulls: true, itemStyle: { color: BLUE } }
      ]
    });
    chart("chart-categories", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 16, right: 32, top: 16, bottom: 16, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: d.categories.slice().reverse() },
      series: [{ name: L.complaints, type: "bar", data: d.category_counts.slice().reverse(), itemStyle: { color: RED } }]
    });
    chart("chart-channels", {
      tooltip: { trigger: "item" },
      legend: { bottom: 0, type: "scroll" },
      series: [{ name: L.cases, type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"], data: d.channels }]
    });
    chart("chart-trend", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: grid,
      xAxis: { type: "category", data: d.trend.months },
      yAxis: [
        { type: "value", name: L.csat, min: 1, max: 5 },
        { type: "value", name: L.nps, min: -100, max: 100 }
      ],
      series: [
        { name: L.csat, type: "line", data: d.trend.csat, connectNulls: true, itemStyle: { color: GREEN } },
        { name: L.nps, type: "line", yAxisIndex: 1, data: d.trend.nps, connectNulls: true, itemStyle: { color: BLUE } }
      ]
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
