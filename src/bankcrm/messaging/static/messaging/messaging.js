/* The outbox page's chart: messages by channel, stacked by status (data in data-json). */
(function () {
  "use strict";
  var COLOURS = { queued: "#5b8ff9", sending: "#6dc8ec", sent: "#2e8b57", failed: "#d9534f", suppressed: "#c8a24a", cancelled: "#9aa5b1" };

  function ready() {
    var holder = document.getElementById("outbox-chart-data");
    var node = document.querySelector(".bk-outbox-chart");
    if (!holder || !node || !window.echarts) { return; }
    var data;
    try { data = JSON.parse(holder.getAttribute("data-json")); } catch (e) { return; }
    var series = data.series.filter(function (s) { return s.data.some(function (v) { return v > 0; }); })
      .map(function (s) {
        return { name: s.name, type: "bar", stack: "all", data: s.data, itemStyle: { color: COLOURS[s.status] }, barMaxWidth: 28 };
      });
    var chart = window.echarts.init(node);
    chart.setOption({
      tooltip: { trigger: "axis", confine: true },
      legend: { top: 0, textStyle: { fontSize: 10 } },
      grid: { left: 8, right: 16, top: 34, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: data.channels },
      series: series
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); }
  else { ready(); }
})();
