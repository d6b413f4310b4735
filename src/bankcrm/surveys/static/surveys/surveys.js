/* Satisfaction results charts (ECharts; data in #survey-charts data-json; no inline script). */
(function () {
  "use strict";
  var BLUE = "#12407a", GOLD = "#c8a24a", GREY = "#b8c2d1";

  function draw(node, option) {
    if (!window.echarts || !node) { return; }
    var chart = window.echarts.init(node);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function ready() {
    var holder = document.getElementById("survey-charts");
    if (!holder) { return; }
    var data;
    try { data = JSON.parse(holder.getAttribute("data-json")); } catch (e) { return; }
    var L = data.labels;
    draw(document.querySelector("[data-survey-chart=trend]"), {
      color: [GREY, BLUE, GOLD],
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0 },
      grid: { left: 40, right: 45, top: 36, bottom: 28 },
      xAxis: { type: "category", data: data.trend.months, axisLabel: { fontSize: 10 } },
      yAxis: [
        { type: "value", min: 1, max: 5, name: L.csat, nameTextStyle: { fontSize: 10 }, splitNumber: 4 },
        { type: "value", min: -100, max: 100, name: L.nps, nameTextStyle: { fontSize: 10 } },
        { type: "value", show: false, minInterval: 1 }
      ],
      series: [
        { name: L.responses, type: "bar", yAxisIndex: 2, data: data.trend.responses, barMaxWidth: 24 },
        { name: L.csat, type: "line", yAxisIndex: 0, data: data.trend.csat, connectNulls: true, symbolSize: 6 },
        { name: L.nps, type: "line", yAxisIndex: 1, data: data.trend.nps, connectNulls: true, symbolSize: 6 }
      ]
    });
    draw(document.querySelector("[data-survey-chart=branches]"), {
      color: [BLUE, GOLD],
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 30, bottom: 8, containLabel: true },
      yAxis: { type: "category", data: data.branches.names, inverse: true, axisLabel: { fontSize: 10, width: 110, overflow: "truncate" } },
      xAxis: [
        { type: "value", min: 0, max: 5, position: "top", show: false },
        { type: "value", min: -100, max: 100, show: false }
      ],
      series: [
        { name: L.csat, type: "bar", xAxisIndex: 0, data: data.branches.csat, label: { show: true, position: "right", fontSize: 10 } },
        { name: L.nps, type: "bar", xAxisIndex: 1, data: data.branches.nps, label: { show: true, position: "right", fontSize: 10 } }
      ]
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); }
  else { ready(); }
})();
