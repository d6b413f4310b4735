/* Charts of the 7P report pages and dashboards (ECharts; no inline script: strict CSP).
 * The page puts every chart's data in the data-json attribute of #report-charts; each
 * [data-report-chart] element names its chart. A bar or point whose series names a drill
 * opens the list of the customers it stands for (drill_url + drill + key). */
(function () {
  "use strict";

  var PALETTE = ["#12407a", "#c8a24a", "#2e8b57", "#5b8ff9", "#e8684a", "#6dc8ec", "#9270ca", "#ff9d4d", "#5d7092", "#a0522d", "#708090", "#269a99", "#d4a5a5"];

  function lang() { return document.documentElement.lang || "zh-hans"; }

  function fmt(value, chart) {
    if (value === null || value === undefined || value === "") { return "—"; }
    var n = Number(value);
    var locale = lang().indexOf("zh") === 0 ? "zh-CN" : "en-GB";
    if (chart.percent) { return n.toLocaleString(locale, { maximumFractionDigits: 1 }) + "%"; }
    return n.toLocaleString(locale, { maximumFractionDigits: chart.money ? 0 : 1 });
  }

  function short(value) {
    var n = Number(value), a = Math.abs(n);
    var locale = lang().indexOf("zh") === 0 ? "zh-CN" : "en-GB";
    function f(x, digits) { return x.toLocaleString(locale, { maximumFractionDigits: digits }); }
    if (lang().indexOf("zh") === 0) {
      if (a >= 1e8) { return f(n / 1e8, 1) + "亿"; }
      if (a >= 1e4) { return f(n / 1e4, a >= 1e6 ? 0 : 1) + "万"; }
      return f(n, 1);
    }
    if (a >= 1e9) { return f(n / 1e9, 1) + "B"; }
    if (a >= 1e6) { return f(n / 1e6, 1) + "M"; }
    if (a >= 1e4) { return f(n / 1e3, 0) + "K"; }
    return f(n, 1);
  }

  function values(data) {
    return data.map(function (d) {
      if (d === null || d === undefined) { return null; }
      if (typeof d === "object") { return { value: Number(d.value), key: d.key }; }
      return Number(d);
    });
  }

  function valueAxis(chart) {
    return {
      type: "value",
      axisLabel: { fontSize: 10, formatter: function (v) { return chart.percent ? v + "%" : short(v); } },
      minInterval: chart.money || chart.percent ? undefined : 1
    };
  }

  function tooltip(chart, trigger) {
    return {
      trigger: trigger,
      confine: true,
      valueFormatter: function (v) { return fmt(v, chart); }
    };
  }

  var BUILD = {
    pie: function (c) {
      var s = c.series[0];
      return {
        color: PALETTE,
        tooltip: tooltip(c, "item"),
        legend: { type: "scroll", orient: "vertical", right: 0, top: "middle", textStyle: { fontSize: 11 } },
        series: [{
          type: "pie", radius: ["42%", "72%"], center: ["35%", "50%"], label: { show: false },
          itemStyle: { borderColor: "#fff", borderWidth: 2 }, drill: s.drill,
          data: s.data.map(function (d, i) { return { name: c.categories[i], value: Number(d.value), key: d.key }; })
        }]
      };
    },
    bar: function (c) {
      return {
        color: PALETTE,
        tooltip: tooltip(c, "axis"),
        legend: c.series.length > 1 ? { bottom: 0, textStyle: { fontSize: 11 } } : undefined,
        grid: { left: 8, right: 12, top: 16, bottom: c.series.length > 1 ? 28 : 8, containLabel: true },
        xAxis: { type: "category", data: c.categories, axisLabel: { fontSize: 10, interval: 0, hideOverlap: true } },
        yAxis: valueAxis(c),
        series: c.series.map(function (s) {
          return { name: s.name, type: "bar", drill: s.drill, data: values(s.data), barMaxWidth: 36 };
        })
      };
    },
    hbar: function (c) {
      var s = c.series[0];
      var cats = c.categories.slice().reverse();
      var data = values(s.data).reverse();
      var links = s.links ? s.links.slice().reverse() : null;
      return {
        color: PALETTE,
        tooltip: tooltip(c, "axis"),
        grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
        yAxis: { type: "category", data: cats, axisLabel: { fontSize: 10, width: 130, overflow: "truncate" } },
        xAxis: valueAxis(c),
        series: [{ name: s.name, type: "bar", drill: s.drill, links: links, data: data, barMaxWidth: 22 }]
      };
    },
    stack: function (c) {
      var o = BUILD.bar(c);
      o.series.forEach(function (s) { s.stack = "all"; });
      o.legend = { type: "scroll", bottom: 0, textStyle: { fontSize: 11 } };
      return o;
    },
    line: function (c) {
      return {
        color: PALETTE,
        tooltip: tooltip(c, "axis"),
        legend: { type: "scroll", bottom: 0, textStyle: { fontSize: 11 } },
        grid: { left: 8, right: 16, top: 16, bottom: 28, containLabel: true },
        xAxis: { type: "category", data: c.categories, boundaryGap: false, axisLabel: { fontSize: 10 } },
        yAxis: valueAxis(c),
        series: c.series.map(function (s) {
          return { name: s.name, type: "line", drill: s.drill || null, data: values(s.data), symbolSize: 6 };
        })
      };
    },
    pareto: function (c) {
      var o = BUILD.line(c);
      o.legend = undefined;
      o.grid.bottom = 24;
      o.xAxis.axisLabel.formatter = function (v) { return v + "%"; };
      o.series[0].symbolSize = 4;
      o.yAxis.max = function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); };
      o.series[0].areaStyle = { opacity: 0.1 };
      o.series[0].markLine = {
        silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#c0392b" },
        label: { position: "insideStartTop", formatter: c.mark + "%", color: "#c0392b" },
        data: [{ yAxis: c.mark }]
      };
      return o;
    },
    forecast: function (c) {
      var o = BUILD.line(c);
      o.yAxis.scale = true;
      o.series[1].lineStyle = { type: "dashed" };
      o.legend.data = [c.series[0].name, c.series[1].name];
      // the 80% interval: a transparent low line and the band's height stacked on it
      o.series[2] = { name: c.series[2].name, type: "line", stack: "band", symbol: "none", lineStyle: { opacity: 0 }, data: values(c.series[2].data) };
      o.series[3] = { name: c.series[3].name, type: "line", stack: "band", symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: "#5b8ff9", opacity: 0.18 }, data: values(c.series[3].data) };
      o.tooltip.formatter = function (items) {
        var lines = [items[0].axisValue];
        items.forEach(function (i) {
          if (i.seriesIndex < 2 && i.value !== null && i.value !== undefined && !isNaN(i.value)) {
            lines.push(i.marker + i.seriesName + ": " + fmt(i.value, c));
          }
        });
        return lines.join("<br>");
      };
      return o;
    },
    heatmap: function (c) {
      return {
        tooltip: {
          confine: true,
          formatter: function (p) { return c.y[p.data[1]] + " × " + c.x[p.data[0]] + ": " + fmt(p.data[2], c); }
        },
        grid: { left: 8, right: 8, top: 8, bottom: 60, containLabel: true },
        xAxis: { type: "category", data: c.x, axisLabel: { fontSize: 10, rotate: 30, interval: 0 } },
        yAxis: { type: "category", data: c.y, axisLabel: { fontSize: 10, interval: 0 } },
        visualMap: { dimension: 2, min: 0, max: c.max, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120, inRange: { color: ["#eef3fb", "#12407a"] }, textStyle: { fontSize: 10 } },
        series: [{
          type: "heatmap", drill: c.drill,
          data: c.data,
          label: { show: true, fontSize: 10 },
          emphasis: { itemStyle: { borderColor: "#c8a24a", borderWidth: 2 } }
        }]
      };
    }
  };

  function onClick(option, spec, params) {
    var series = option.series[params.seriesIndex] || {};
    if (series.links && series.links[params.dataIndex]) {
      window.location.href = series.links[params.dataIndex];
      return;
    }
    var drill = series.drill, key = null;
    if (spec.type === "heatmap" && params.data) { key = params.data[3]; }
    else if (params.data && typeof params.data === "object") { key = params.data.key; }
    if (!drill || key === null || key === undefined) { return; }
    window.location.href = spec.drill_url + "&drill=" + encodeURIComponent(drill) + "&key=" + encodeURIComponent(key);
  }

  function draw() {
    var holder = document.getElementById("report-charts");
    if (!window.echarts || !holder) { return; }
    var all;
    try { all = JSON.parse(holder.getAttribute("data-json")); } catch (e) { return; }
    document.querySelectorAll("[data-report-chart]").forEach(function (el) {
      var spec = all[el.getAttribute("data-report-chart")];
      if (!spec || !BUILD[spec.type]) { return; }
      var empty = spec.type === "heatmap" ? !spec.data.length : !spec.series.some(function (s) { return s.data.some(function (d) { return d && Number(d.value !== undefined ? d.value : d); }); });
      if (empty) {
        el.classList.add("d-flex", "align-items-center", "justify-content-center", "text-body-secondary", "small");
        el.textContent = holder.getAttribute("data-empty") || "—";
        return;
      }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var option = BUILD[spec.type](spec);
      chart.setOption(option);
      chart.on("click", function (params) { onClick(option, spec, params); });
      chart.getZr().on("mousemove", function (e) { chart.getZr().setCursorStyle(e.target ? "pointer" : "default"); });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
