/* Charts of the customer 360's transaction panel (ECharts; no inline script: CSP).
 * The panel arrives through htmx, so charts are drawn after each swap as well as on load.
 * Data comes from the json_script element named by each chart's data-source. */
(function () {
  "use strict";

  var IN = "#2e8b57", OUT = "#c0392b", PALETTE = ["#12407a", "#c8a24a", "#2e8b57", "#5b8ff9", "#e8684a", "#6dc8ec", "#9270ca", "#ff9d4d", "#5d7092", "#a0522d", "#708090"];

  function read(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.getAttribute("data-json") || el.textContent); } catch (e) { return null; }
  }

  function numbers(list) { return list.map(function (v) { return Number(v); }); }

  function pie(items) {
    return {
      color: PALETTE,
      tooltip: { trigger: "item" },
      legend: { type: "scroll", orient: "vertical", right: 0, top: "middle", textStyle: { fontSize: 11 } },
      series: [{
        type: "pie", radius: ["45%", "75%"], center: ["35%", "50%"], label: { show: false },
        itemStyle: { borderColor: "#fff", borderWidth: 2 },
        data: items.map(function (i) { return { name: i.name, value: Number(i.value) }; })
      }]
    };
  }

  var BUILD = {
    flows: function (d) {
      return {
        tooltip: { trigger: "axis" },
        legend: { bottom: 0, textStyle: { fontSize: 11 } },
        grid: { left: 8, right: 12, top: 12, bottom: 28, containLabel: true },
        xAxis: { type: "category", data: d.months, axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", axisLabel: { fontSize: 10 } },
        series: [
          { name: d.labels.inflow, type: "bar", color: IN, data: numbers(d.inflow) },
          { name: d.labels.outflow, type: "bar", color: OUT, data: numbers(d.outflow) }
        ]
      };
    },
    balance: function (d) {
      return {
        tooltip: { trigger: "axis" },
        grid: { left: 8, right: 12, top: 12, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: d.days, axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", scale: true, axisLabel: { fontSize: 10 } },
        series: [{ name: d.label, type: "line", showSymbol: false, color: PALETTE[0], areaStyle: { opacity: 0.12 }, data: numbers(d.values) }]
      };
    },
    spending: function (d) { return pie(d.items); },
    channels: function (d) { return pie(d.items); }
  };

  function draw(root) {
    if (!window.echarts || !root.querySelectorAll) { return; }
    root.querySelectorAll("[data-activity-chart]").forEach(function (el) {
      if (el.getAttribute("data-chart-ready")) { return; }
      var all = read(el.getAttribute("data-source"));
      var kind = el.getAttribute("data-activity-chart");
      if (!all || !all[kind] || !BUILD[kind]) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(BUILD[kind](all[kind]));
      el.setAttribute("data-chart-ready", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
})();
