/* Knowledge base: "copy answer" buttons (search results, article page, the case panel loaded by
 * htmx) and the bilingual tabs' remembered choice. A static file: the CSP forbids inline script.
 * Delegated listeners, so content swapped in later works without re-binding. */
(function () {
  "use strict";
  if (window.bankcrmKnowledge) { return; }
  window.bankcrmKnowledge = true;

  function answerOf(button) {
    var holder = button.closest("[data-kb-hit]") || document;
    var source = holder.querySelector("template[data-kb-answer], [data-kb-answer]");
    if (!source) { return ""; }
    var text = source.content ? source.content.textContent : source.textContent;
    return (text || "").trim();
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "bk-kb-offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  function show(button, ok) {
    var label = button.querySelector("span") || button;
    if (!button.hasAttribute("data-kb-label")) { button.setAttribute("data-kb-label", label.textContent); }
    label.textContent = ok ? button.getAttribute("data-kb-copied") : button.getAttribute("data-kb-failed");
    button.classList.toggle("btn-success", ok);
    button.setAttribute("data-kb-done", ok ? "1" : "0");
    window.setTimeout(function () {
      label.textContent = button.getAttribute("data-kb-label");
      button.classList.remove("btn-success");
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-kb-copy]");
    if (!button) { return; }
    event.preventDefault();
    var text = answerOf(button);
    if (!text) { show(button, false); return; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { show(button, true); },
        function () { show(button, fallbackCopy(text)); }
      );
    } else {
      show(button, fallbackCopy(text));
    }
  });
})();
