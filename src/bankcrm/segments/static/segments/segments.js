/* Segment pages: the condition builder, the live preview's charts and the membership history
 * chart. A static file (no inline scripts: CSP); data arrives in data-json / data-catalogue
 * attributes, since htmx drops script tags from swapped content.
 *
 * The builder keeps the definition (analytics.segments' JSON tree) in the form's textarea
 * `definition`; every change rewrites it and fires `bk-definition-changed` on the body, which
 * the preview panel (htmx, debounced) listens for. */
(function () {
  "use strict";

  var PALETTE = ["#12407a", "#c8a24a", "#2e8b57", "#5b8ff9", "#e8684a", "#6dc8ec", "#9270ca"];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { node.appendChild(child); } });
    return node;
  }

  function readJSON(text) { try { return JSON.parse(text); } catch (e) { return null; } }

  /* ---------------------------------------------------------------- the builder */

  function Builder(root, textarea, catalogue) {
    this.root = root;
    this.textarea = textarea;
    this.cat = catalogue;
    this.L = catalogue.labels;
    this.fields = {};
    var self = this;
    catalogue.groups.forEach(function (g) { g.fields.forEach(function (f) { self.fields[f.name] = f; }); });
    this.state = this.load();
  }

  Builder.prototype.load = function () {
    var doc = readJSON(this.textarea.value);
    if (!doc || typeof doc !== "object" || !doc.conditions) {
      doc = { op: "and", conditions: [this.newCondition()] };
    }
    return doc;
  };

  Builder.prototype.newCondition = function (name) {
    var f = this.fields[name] || this.cat.groups[0].fields[0];
    var c = { field: f.name, op: f.operators[0] };
    if (f.kind === "flag") { c.value = true; }
    else if (f.kind === "choice") { c.value = []; }
    else { c.op = f.operators.indexOf("gte") >= 0 ? "gte" : f.operators[0]; c.value = ""; }
    if (f.windowed) { c.window_days = 90; }
    return c;
  };

  Builder.prototype.changed = function () {
    this.textarea.value = JSON.stringify(this.state);
    document.body.dispatchEvent(new CustomEvent("bk-definition-changed", { bubbles: true }));
  };

  Builder.prototype.render = function () {
    this.root.textContent = "";
    this.root.appendChild(this.group(this.state, "", 1, null, ""));
  };

  Builder.prototype.select = function (options, value, cls, label) {
    var s = el("select", { className: "form-select form-select-sm " + (cls || ""), "aria-label": label || "" });
    options.forEach(function (o) {
      var opt = el("option", { value: o[0], text: o[1] });
      if (String(o[0]) === String(value)) { opt.selected = true; }
      s.appendChild(opt);
    });
    return s;
  };

  Builder.prototype.group = function (node, path, depth, parent, number) {
    var self = this, L = this.L;
    var box = el("div", { className: "bk-group", "data-path": path });
    var op = this.select([["and", L.and], ["or", L.or]], node.op, "w-auto bk-op", L.operator);
    op.addEventListener("change", function () { node.op = op.value; self.changed(); });
    var addCond = el("button", { type: "button", className: "btn btn-outline-primary btn-sm bk-add-condition" }, [
      el("i", { className: "bi bi-plus-lg" }), document.createTextNode(" " + L.add_condition)]);
    addCond.addEventListener("click", function () { node.conditions.push(self.newCondition()); self.render(); self.changed(); });
    var head = el("div", { className: "bk-group-head" }, [op, addCond]);
    if (depth < this.cat.max_depth) {
      var addGroup = el("button", { type: "button", className: "btn btn-outline-secondary btn-sm bk-add-group" }, [
        el("i", { className: "bi bi-diagram-3" }), document.createTextNode(" " + L.add_group)]);
      addGroup.addEventListener("click", function () {
        node.conditions.push({ op: node.op === "and" ? "or" : "and", conditions: [self.newCondition()] });
        self.render(); self.changed();
      });
      head.appendChild(addGroup);
    }
    if (parent) {
      var remove = el("button", { type: "button", className: "btn btn-link btn-sm text-danger ms-auto", title: L.remove, "aria-label": L.remove }, [el("i", { className: "bi bi-x-lg" })]);
      remove.addEventListener("click", function () { parent.conditions.splice(parent.conditions.indexOf(node), 1); self.render(); self.changed(); });
      head.appendChild(remove);
    }
    box.appendChild(head);
    var items = el("div", { className: "bk-group-items" });
    node.conditions.forEach(function (child, i) {
      var childPath = (path ? path + "." : "") + "conditions[" + i + "]";
      var childNumber = (number ? number + "." : "") + (i + 1);
      items.appendChild(child && child.conditions ? self.group(child, childPath, depth + 1, node, childNumber)
        : self.condition(child, childPath, node, childNumber));
    });
    box.appendChild(items);
    return box;
  };

  Builder.prototype.condition = function (c, path, parent, number) {
    var self = this, L = this.L;
    var f = this.fields[c.field] || this.cat.groups[0].fields[0];
    var row = el("div", { className: "bk-cond", "data-path": path });
    row.appendChild(el("span", { className: "bk-cond-num", text: number }));

    var field = el("select", { className: "form-select form-select-sm bk-field", "aria-label": L.field });
    this.cat.groups.forEach(function (g) {
      var og = el("optgroup", { label: g.label });
      g.fields.forEach(function (x) {
        var opt = el("option", { value: x.name, text: x.label });
        if (x.name === f.name) { opt.selected = true; }
        og.appendChild(opt);
      });
      field.appendChild(og);
    });
    field.addEventListener("change", function () {
      var fresh = self.newCondition(field.value);
      Object.keys(c).forEach(function (k) { delete c[k]; });
      Object.keys(fresh).forEach(function (k) { c[k] = fresh[k]; });
      self.render(); self.changed();
    });
    row.appendChild(field);

    var op = this.select(f.operators.map(function (o) { return [o, self.cat.operators[o] || o]; }), c.op, "w-auto bk-operator", L.operator);
    op.addEventListener("change", function () {
      var was = c.op; c.op = op.value;
      if (op.value === "between" && was !== "between") { c.value = [c.value === "" ? "" : c.value, ""]; }
      if (was === "between" && op.value !== "between") { c.value = Array.isArray(c.value) ? c.value[0] : c.value; }
      self.render(); self.changed();
    });
    row.appendChild(op);
    this.valueInputs(row, c, f);

    if (f.windowed) {
      row.appendChild(el("span", { className: "small text-body-secondary", text: L.window }));
      var days = el("input", { type: "number", min: "1", max: "3660", step: "1", className: "form-control form-control-sm bk-days", value: c.window_days || "", "aria-label": L.days });
      days.addEventListener("input", function () { var n = parseInt(days.value, 10); c.window_days = isNaN(n) ? days.value : n; self.changed(); });
      row.appendChild(days);
      row.appendChild(el("span", { className: "small text-body-secondary", text: L.days }));
    }
    [["category", this.cat.categories, L.category], ["channel", this.cat.channels, L.channel]].forEach(function (spec) {
      if (f.filters.indexOf(spec[0]) < 0) { return; }
      var s = self.select([["", spec[2] + ": " + L.any]].concat(spec[1]), c[spec[0]] || "", "w-auto bk-" + spec[0], spec[2]);
      s.addEventListener("change", function () { if (s.value) { c[spec[0]] = s.value; } else { delete c[spec[0]]; } self.changed(); });
      row.appendChild(s);
    });

    var remove = el("button", { type: "button", className: "btn btn-link btn-sm text-danger bk-remove", title: L.remove, "aria-label": L.remove }, [el("i", { className: "bi bi-x-lg" })]);
    remove.addEventListener("click", function () {
      parent.conditions.splice(parent.conditions.indexOf(c), 1);
      self.render(); self.changed();
    });
    row.appendChild(remove);
    return row;
  };

  function numberOrText(text) {
    var trimmed = String(text).trim();
    if (trimmed === "") { return ""; }
    var n = Number(trimmed);
    return isNaN(n) ? trimmed : n;
  }

  Builder.prototype.valueInputs = function (row, c, f) {
    var self = this, L = this.L;
    if (f.kind === "flag") {
      var yes = this.select([["true", L.yes], ["false", L.no]], String(c.value !== false), "w-auto bk-flag", L.value);
      yes.addEventListener("change", function () { c.value = yes.value === "true"; self.changed(); });
      row.appendChild(yes);
      return;
    }
    if (f.kind === "choice") {
      if (!Array.isArray(c.value)) { c.value = []; }
      if (!f.choices) {
        var text = el("input", { type: "text", className: "form-control form-control-sm bk-text", value: c.value.join(", "), placeholder: L.comma, "aria-label": L.value });
        text.addEventListener("input", function () {
          c.value = text.value.split(/[,，]/).map(function (v) { return v.trim(); }).filter(Boolean);
          self.changed();
        });
        row.appendChild(text);
        return;
      }
      var box = el("div", { className: "bk-choices", role: "group", "aria-label": L.value });
      f.choices.forEach(function (choice, i) {
        var id = "c" + Math.random().toString(36).slice(2) + i;
        var input = el("input", { type: "checkbox", className: "form-check-input", id: id, value: choice[0] });
        input.checked = c.value.indexOf(choice[0]) >= 0;
        input.addEventListener("change", function () {
          var at = c.value.indexOf(choice[0]);
          if (input.checked && at < 0) { c.value.push(choice[0]); }
          if (!input.checked && at >= 0) { c.value.splice(at, 1); }
          self.changed();
        });
        box.appendChild(el("div", { className: "form-check" }, [input, el("label", { className: "form-check-label", "for": id, text: choice[1] })]));
      });
      row.appendChild(box);
      return;
    }
    var step = f.kind === "ratio" ? "0.01" : "any";
    function number(value, onInput) {
      var input = el("input", { type: "number", step: step, className: "form-control form-control-sm bk-num", value: value === undefined ? "" : value, "aria-label": L.value });
      input.addEventListener("input", function () { onInput(numberOrText(input.value)); self.changed(); });
      return input;
    }
    if (c.op === "between") {
      if (!Array.isArray(c.value)) { c.value = [c.value, ""]; }
      row.appendChild(number(c.value[0], function (v) { c.value[0] = v; }));
      row.appendChild(el("span", { className: "small text-body-secondary", text: L.to }));
      row.appendChild(number(c.value[1], function (v) { c.value[1] = v; }));
    } else {
      row.appendChild(number(c.value, function (v) { c.value = v; }));
    }
  };

  Builder.prototype.markError = function (path) {
    this.root.querySelectorAll(".is-invalid").forEach(function (n) { n.classList.remove("is-invalid"); });
    if (!path) { return; }
    var bad = this.root.querySelector('[data-path="' + path.replace(/"/g, "") + '"]');
    if (bad) { bad.classList.add("is-invalid"); }
  };

  var builder = null;

  function initBuilder() {
    var root = document.getElementById("segment-builder");
    var textarea = document.getElementById("id_definition");
    if (!root || !textarea) { return; }
    var catalogue = readJSON(root.getAttribute("data-catalogue"));
    if (!catalogue) { return; }
    builder = new Builder(root, textarea, catalogue);
    builder.render();
    builder.markError(root.getAttribute("data-error-path"));
    /* Typing JSON by hand: the builder follows once the text parses. */
    textarea.addEventListener("change", function () {
      var doc = readJSON(textarea.value);
      if (doc && doc.conditions) { builder.state = doc; builder.render(); }
      document.body.dispatchEvent(new CustomEvent("bk-definition-changed", { bubbles: true }));
    });
  }

  /* ---------------------------------------------------------------- charts */

  function barOption(d) {
    return {
      color: [PALETTE[0]],
      title: { text: d.title, left: "center", top: 0, textStyle: { fontSize: 12, fontWeight: 500 } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 4, right: 8, top: 40, bottom: 4, containLabel: true },
      /* Long labels ("Middle-aged (中年)") wrap under their bar instead of overlapping. */
      xAxis: { type: "category", data: d.categories, axisLabel: { fontSize: 10, interval: 0, width: Math.max(40, Math.floor(220 / Math.max(1, d.categories.length))), overflow: "break" } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: 10 } },
      series: [{ type: "bar", data: d.values, barMaxWidth: 28, label: { show: true, position: "top", fontSize: 10 } }]
    };
  }

  function historyOption(d) {
    return {
      tooltip: { trigger: "axis" },
      legend: { bottom: 0, textStyle: { fontSize: 11 } },
      grid: { left: 4, right: 8, top: 12, bottom: 28, containLabel: true },
      xAxis: { type: "category", data: d.at, axisLabel: { fontSize: 10 } },
      yAxis: [{ type: "value", minInterval: 1, axisLabel: { fontSize: 10 } }],
      series: [
        { name: d.labels.entered, type: "bar", stack: "change", color: "#2e8b57", data: d.entered },
        { name: d.labels.left, type: "bar", stack: "change", color: "#c0392b", data: d.left },
        { name: d.labels.members, type: "line", color: PALETTE[0], data: d.members, symbolSize: 5 }
      ]
    };
  }

  function drawCharts(root) {
    if (!window.echarts || !root.querySelectorAll) { return; }
    root.querySelectorAll("[data-segment-chart]").forEach(function (node) {
      if (node.getAttribute("data-chart-ready")) { return; }
      var source = document.getElementById(node.getAttribute("data-source"));
      var all = source ? readJSON(source.getAttribute("data-json")) : null;
      if (!all) { return; }
      var kind = node.getAttribute("data-segment-chart");
      var option = kind === "history" ? historyOption(all) : (all[node.getAttribute("data-key")] ? barOption(all[node.getAttribute("data-key")]) : null);
      if (!option) { return; }
      var chart = window.echarts.init(node, null, { renderer: "svg" });
      chart.setOption(option);
      node.setAttribute("data-chart-ready", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function afterPreview(target) {
    drawCharts(target);
    if (!builder) { return; }
    var marker = target.querySelector ? target.querySelector("[data-error-path]") : null;
    builder.markError(marker ? marker.getAttribute("data-error-path") : "");
  }

  document.addEventListener("DOMContentLoaded", function () { initBuilder(); drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { afterPreview(event.target || document); });
})();
