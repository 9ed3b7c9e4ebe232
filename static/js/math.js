/* Typeset the TeX that the Markdown renderer leaves in <span class="math inline"> and
 * <div class="math block">, with the vendored KaTeX, on load and after every htmx swap.
 * The TeX is read with textContent (the server escaped it) and KaTeX never throws on bad input. */
(function () {
  "use strict";

  function typeset(root) {
    if (!window.katex || !root || !root.querySelectorAll) return;
    root.querySelectorAll(".math.inline, .math.block").forEach(function (el) {
      if (el.dataset.typeset) return;
      el.dataset.typeset = "1";
      var tex = el.textContent;
      el.setAttribute("data-tex", tex);
      window.katex.render(tex, el, { throwOnError: false, displayMode: el.classList.contains("block") });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { typeset(document.body); });
  document.addEventListener("htmx:load", function (event) { typeset(event.detail.elt); });
})();
