/* Sales report charts (ECharts). Data comes from the #sales-charts json_script element. */
(function () {
  "use strict";
  var COLORS = ["#12407a", "#c8a24a", "#2e8b57", "#5b8ff9", "#e8684a"];

  function zh() { return (document.documentElement.lang || "").indexOf("zh") === 0; }

  function short(v) {
    var n = Number(v), a = Math.abs(n);
    if (zh()) {
      if (a >= 1e8) { return (n / 1e8).toFixed(1) + "亿"; }
      if (a >= 1e4) { return (n / 1e4).toFixed(0) + "万"; }
      return String(n);
    }
    if (a >= 1e9) { return (n / 1e9).toFixed(1) + "B"; }
    if (a >= 1e6) { return (n / 1e6).toFixed(1) + "M"; }
    if (a >= 1e3) { return (n / 1e3).toFixed(0) + "K"; }
    return String(n);
  }

  function nums(list) { return list.map(function (v) { return v === null ? null : Number(v); }); }

  var BUILD = {
    funnel: function (d, names) {
      var amounts = nums(d.amounts);
      return {
        color: COLORS,
        tooltip: { trigger: "item", formatter: function (p) { return p.name + "<br>" + names.count + ": " + p.value + "<br>" + names.amount + ": " + short(amounts[p.dataIndex]); } },
        series: [{
          type: "funnel", sort: "none", left: "10%", width: "80%", minSize: "15%", gap: 2,
          label: { show: true, position: "inside", formatter: "{b}: {c}" },
          data: d.labels.map(function (l, i) { return { name: l, value: d.counts[i] }; })
        }]
      };
    },
    forecast: function (d, names) {
      return {
        color: COLORS,
        tooltip: { trigger: "axis", valueFormatter: short },
        legend: { top: 0, textStyle: { fontSize: 11 } },
        grid: { left: 50, right: 10, top: 30, bottom: 25 },
        xAxis: { type: "category", data: d.labels, axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", axisLabel: { fontSize: 10, formatter: short } },
        series: [
          { name: names.pipeline, type: "bar", data: nums(d.amounts) },
          { name: names.weighted, type: "bar", data: nums(d.weighted) }
        ]
      };
    },
    cycle: function (d, names) {
      return {
        color: [COLORS[2]],
        tooltip: { trigger: "axis" },
        grid: { left: 40, right: 10, top: 10, bottom: 40 },
        xAxis: { type: "category", data: d.labels, axisLabel: { fontSize: 10, interval: 0, width: 70, overflow: "break" } },
        yAxis: { type: "value", name: names.days, nameTextStyle: { fontSize: 10 }, axisLabel: { fontSize: 10 } },
        series: [{ name: names.days, type: "bar", barMaxWidth: 48, data: nums(d.days) }]
      };
    },
    win_owner: function (d, names) {
      return {
        color: [COLORS[1]],
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
        grid: { left: 90, right: 20, top: 10, bottom: 25 },
        xAxis: { type: "value", max: 100, axisLabel: { fontSize: 10, formatter: "{value}%" } },
        yAxis: { type: "category", data: d.labels, inverse: true, axisLabel: { fontSize: 10, width: 80, overflow: "truncate" } },
        series: [{ name: names.rate, type: "bar", barMaxWidth: 24, data: nums(d.rates) }]
      };
    }
  };

  function init() {
    var source = document.getElementById("sales-charts");
    if (!source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-sales-chart]").forEach(function (el) {
      var name = el.getAttribute("data-sales-chart");
      var chart = echarts.init(el);
      chart.setOption(BUILD[name](data[name], data.names));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
