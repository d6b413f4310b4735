/* bankcrm staff UI behaviour. Loaded as a static file (no inline scripts: a strict CSP comes).
 * Data reaches it through json_script elements and data- attributes. */
(function () {
  "use strict";

  var PALETTE = ["#12407a", "#c8a24a", "#2e8b57", "#5b8ff9", "#e8684a", "#6dc8ec", "#9270ca", "#ff9d4d", "#5d7092"];

  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function lang() { return document.documentElement.lang || "zh-hans"; }

  function formatNumber(value) {
    var locale = lang().indexOf("zh") === 0 ? "zh-CN" : "en-GB";
    return Number(value).toLocaleString(locale, { maximumFractionDigits: 0 });
  }

  function pieOption(data, donut) {
    var option = {
      color: PALETTE,
      tooltip: {
        trigger: "item",
        valueFormatter: function (v) { return formatNumber(v); }
      },
      series: [{
        name: data.title,
        type: "pie",
        avoidLabelOverlap: true,
        itemStyle: { borderColor: "#fff", borderWidth: 2 },
        data: data.items
      }]
    };
    if (donut) {
      /* Small donut beside a legend; the card or header gives the title. */
      option.legend = { orient: "vertical", right: 0, top: "middle", itemWidth: 10, itemHeight: 10, textStyle: { fontSize: 11 } };
      option.series[0].radius = ["50%", "80%"];
      option.series[0].center = ["28%", "50%"];
      option.series[0].label = { show: false };
    } else {
      option.title = { text: data.title, left: "center", top: 0, textStyle: { fontSize: 13, fontWeight: 500 } };
      option.legend = { type: "scroll", bottom: 0, left: "center", textStyle: { fontSize: 11 } };
      option.series[0].radius = ["0%", "56%"];
      option.series[0].center = ["50%", "53%"];
      option.series[0].label = { formatter: "{b}\n{d}%", fontSize: 11 };
    }
    return option;
  }

  function barOption(data) {
    return {
      color: [PALETTE[0]],
      title: { text: data.title, left: "center", top: 0, textStyle: { fontSize: 13, fontWeight: 500 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.categories, axisLabel: { fontSize: 10, interval: 0, rotate: 20 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
      series: [{ name: data.series, type: "bar", data: data.values, barMaxWidth: 36, label: { show: true, position: "top", fontSize: 10 } }]
    };
  }

  function initCharts(root) {
    if (!window.echarts) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-chart-ready")) { return; }
      var data = readJSON(el.getAttribute("data-source"));
      if (!data) { return; }
      var kind = el.getAttribute("data-chart");
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var option = kind === "bar" ? barOption(data) : pieOption(data, kind === "donut");
      chart.setOption(option);
      el.setAttribute("data-chart-ready", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  /* Customer form: the ID types offered follow the kind (individual or corporate), and the
   * fields that only describe a person are hidden for a company. */
  function initKindSwitch(root) {
    root.querySelectorAll("form[data-kind-form]").forEach(function (form) {
      var kind = form.querySelector("select[name=kind]");
      var idType = form.querySelector("select[name=id_type]");
      if (!kind || !idType) { return; }
      var byKind = {};
      try { byKind = JSON.parse(idType.getAttribute("data-id-types-by-kind") || "{}"); } catch (e) { byKind = {}; }
      function apply() {
        var allowed = byKind[kind.value] || [];
        Array.prototype.forEach.call(idType.options, function (opt) {
          var ok = !opt.value || allowed.indexOf(opt.value) !== -1;
          opt.disabled = !ok;
          opt.hidden = !ok;
        });
        if (idType.value && allowed.indexOf(idType.value) === -1) {
          idType.value = allowed.length === 1 ? allowed[0] : "";
        }
        form.querySelectorAll("[data-individual-only]").forEach(function (el) {
          el.classList.toggle("bk-hidden", kind.value === "corporate");
        });
      }
      kind.addEventListener("change", apply);
      apply();
    });
  }

  function init(root) {
    initCharts(root);
    initKindSwitch(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { init(evt.target || document); });
})();
