/* People pages: progress bars and ECharts charts (no inline script or style: strict CSP).
 * Bars: .progress-bar[data-value] gets its width; .bk-pace[data-value] marks where the period
 * is. Charts read the JSON of #people-chart-data; each [data-people-chart] names its chart. */
(function () {
  "use strict";

  var BLUE = "#12407a", GOLD = "#c8a24a", GREEN = "#2e8b57", RED = "#d9534f", GREY = "#adb5bd";

  function lang() { return document.documentElement.lang || "zh-hans"; }

  function short(value) {
    var n = Number(value), a = Math.abs(n);
    var locale = lang().indexOf("zh") === 0 ? "zh-CN" : "en-GB";
    function f(x, digits) { return x.toLocaleString(locale, { maximumFractionDigits: digits }); }
    if (lang().indexOf("zh") === 0) {
      if (a >= 1e8) { return f(n / 1e8, 1) + "亿"; }
      if (a >= 1e4) { return f(n / 1e4, 1) + "万"; }
      return f(n, 1);
    }
    if (a >= 1e9) { return f(n / 1e9, 1) + "B"; }
    if (a >= 1e6) { return f(n / 1e6, 1) + "M"; }
    if (a >= 1e4) { return f(n / 1e3, 0) + "K"; }
    return f(n, 1);
  }

  function bars(root) {
    root.querySelectorAll(".progress-bar[data-value], .bk-pace[data-value]").forEach(function (el) {
      var v = Math.max(0, Math.min(100, Number(el.getAttribute("data-value")) || 0));
      if (el.classList.contains("bk-pace")) { el.style.left = v + "%"; } else { el.style.width = v + "%"; }
    });
  }

  var BUILD = {
    ranking: function (c) {
      var names = c.names.slice().reverse(), values = c.values.slice().reverse(), ids = c.ids.slice().reverse();
      return {
        grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
        xAxis: { type: "value", axisLabel: { fontSize: 10, formatter: function (v) { return c.percent ? v + "%" : short(v); } } },
        yAxis: { type: "category", data: names, axisLabel: { fontSize: 11 } },
        series: [{
          type: "bar", barMaxWidth: 18,
          label: { show: true, position: "right", fontSize: 10, formatter: function (p) { return c.percent ? p.value + "%" : short(p.value); } },
          data: values.map(function (v, i) { return { value: v, itemStyle: { color: ids[i] === c.me ? GOLD : BLUE } }; })
        }]
      };
    },
    attainment: function (c) {
      return {
        grid: { left: 8, right: 12, top: 24, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return v === null ? "—" : v + "%"; } },
        xAxis: { type: "category", data: c.labels, axisLabel: { fontSize: 10, interval: 0, width: 70, overflow: "break" } },
        yAxis: { type: "value", axisLabel: { fontSize: 10, formatter: "{value}%" } },
        series: [{
          type: "bar", barMaxWidth: 36, data: c.percent.map(function (v) { return { value: v, itemStyle: { color: v >= 100 ? GREEN : BLUE } }; }),
          label: { show: true, position: "top", fontSize: 10, formatter: "{c}%" },
          markLine: { silent: true, symbol: "none", lineStyle: { color: GOLD, type: "dashed" }, data: [{ yAxis: 100 }], label: { formatter: "100%", position: "insideEndTop" } }
        }]
      };
    },
    progress: function (c) {
      return {
        color: [BLUE, GREY],
        legend: { bottom: 0, textStyle: { fontSize: 11 } },
        grid: { left: 8, right: 12, top: 24, bottom: 28, containLabel: true },
        tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
        xAxis: { type: "category", data: c.labels, axisLabel: { fontSize: 10, interval: 0, width: 70, overflow: "break" } },
        yAxis: { type: "value", axisLabel: { fontSize: 10, formatter: "{value}%" } },
        series: [
          { name: c.period, type: "bar", barMaxWidth: 28, data: c.current,
            markLine: { silent: true, symbol: "none", lineStyle: { color: GOLD, type: "dashed" }, data: [{ yAxis: 100 }], label: { formatter: "100%", position: "insideEndTop" } } },
          { name: c.previous_period, type: "bar", barMaxWidth: 28, data: c.previous }
        ]
      };
    },
    completion: function (c) {
      var colors = [GREEN, BLUE, RED];
      return {
        color: colors,
        legend: { bottom: 0, textStyle: { fontSize: 11 } },
        grid: { left: 8, right: 16, top: 8, bottom: 28, containLabel: true },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
        xAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
        yAxis: { type: "category", data: c.labels.slice().reverse(), axisLabel: { fontSize: 11, width: 160, overflow: "truncate" } },
        series: ["completed", "open", "overdue"].map(function (key, i) {
          return { name: c.names[i], type: "bar", stack: "all", barMaxWidth: 22, data: c[key].slice().reverse() };
        })
      };
    }
  };

  function charts() {
    var source = document.getElementById("people-chart-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-people-chart]").forEach(function (el) {
      var c = data[el.getAttribute("data-people-chart")];
      if (!c) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(BUILD[el.getAttribute("data-people-chart")](c));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function assignChoice() {
    var form = document.getElementById("assign-form");
    if (!form) { return; }
    function show() {
      var picked = form.querySelector("input[name=who]:checked");
      form.querySelectorAll("[data-who]").forEach(function (el) {
        el.classList.toggle("d-none", !picked || el.getAttribute("data-who") !== picked.value);
      });
    }
    form.querySelectorAll("input[name=who]").forEach(function (el) { el.addEventListener("change", show); });
    show();
  }

  function materialKind() {
    var form = document.getElementById("material-form");
    if (!form) { return; }
    var kind = form.querySelector("select[name=kind]");
    function show() {
      form.querySelectorAll("[data-kind]").forEach(function (el) {
        el.classList.toggle("d-none", el.getAttribute("data-kind") !== kind.value);
      });
    }
    kind.addEventListener("change", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    bars(document);
    charts();
    assignChoice();
    materialKind();
  });
})();
