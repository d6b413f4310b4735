/* The opportunity board: native HTML5 drag and drop; a drop posts the move with htmx and the
 * server answers the moved card (or an error, and the card goes back). No inline script. */
(function () {
  "use strict";

  function money(cards) {
    var total = 0;
    cards.forEach(function (c) { total += Number(c.dataset.amount || 0); });
    var zh = (document.documentElement.lang || "").indexOf("zh") === 0;
    if (zh && total >= 1e8) { return "¥" + (total / 1e8).toFixed(2) + "亿"; }
    if (zh && total >= 1e4) { return "¥" + (total / 1e4).toFixed(2) + "万"; }
    if (!zh && total >= 1e6) { return "¥" + (total / 1e6).toFixed(2) + "M"; }
    if (!zh && total >= 1e3) { return "¥" + (total / 1e3).toFixed(2) + "K"; }
    return "¥" + total.toFixed(2);
  }

  function recount(board) {
    board.querySelectorAll(".bk-board-col").forEach(function (col) {
      var cards = col.querySelectorAll(".bk-sales-card");
      col.querySelector(".bk-col-count").textContent = cards.length;
      col.querySelector(".bk-col-total").textContent = money(cards);
    });
  }

  function init() {
    var board = document.getElementById("sales-board");
    if (!board) { return; }
    var errorBox = document.getElementById("board-error");
    var dragged = null;
    var origin = null;
    var next = null;

    board.addEventListener("dragstart", function (e) {
      var card = e.target.closest(".bk-sales-card");
      if (!card || card.getAttribute("draggable") !== "true") { e.preventDefault(); return; }
      dragged = card;
      origin = card.parentNode;
      next = card.nextSibling;
      card.classList.add("bk-dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", card.id);
    });
    board.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("bk-dragging"); }
      board.querySelectorAll(".bk-drop-over").forEach(function (c) { c.classList.remove("bk-drop-over"); });
    });
    board.addEventListener("dragover", function (e) {
      var col = e.target.closest(".bk-board-col");
      if (!col || !dragged) { return; }
      e.preventDefault();
      col.classList.add("bk-drop-over");
    });
    board.addEventListener("dragleave", function (e) {
      var col = e.target.closest(".bk-board-col");
      if (col && !col.contains(e.relatedTarget)) { col.classList.remove("bk-drop-over"); }
    });
    board.addEventListener("drop", function (e) {
      var col = e.target.closest(".bk-board-col");
      if (!col || !dragged) { return; }
      e.preventDefault();
      col.classList.remove("bk-drop-over");
      var card = dragged;
      dragged = null;
      if (col.contains(card)) { return; }
      var reason = "";
      if (col.dataset.kind === "lost") {
        reason = window.prompt(board.dataset.lostPrompt || "") || "";
        if (!reason.trim()) { return; }
      }
      var from = origin, before = next;
      col.querySelector(".bk-board-drop").prepend(card);
      recount(board);
      errorBox.classList.add("d-none");
      htmx.ajax("POST", card.dataset.moveUrl, {
        source: card,
        target: card,
        swap: "outerHTML",
        values: { stage: col.dataset.stage, version: card.dataset.version, reason: reason }
      });
      card.addEventListener("htmx:responseError", function (evt) {
        errorBox.textContent = evt.detail.xhr.responseText;
        errorBox.classList.remove("d-none");
        from.insertBefore(card, before);
        recount(board);
      }, { once: true });
    });
    document.body.addEventListener("htmx:afterSwap", function () { recount(board); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
