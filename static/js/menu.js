// Small page behaviours, all optional (pages work without JS).
// The header menu on phones: a real button with aria-expanded instead of the no-JS checkbox.
(function () {
  "use strict";
  // Filter panels (<details data-open-wide>) start open on wide screens, closed on phones.
  if (window.matchMedia && window.matchMedia("(min-width: 860px)").matches) {
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  }
  var button = document.querySelector(".menu-button");
  var menu = document.getElementById("site-menu");
  var toggle = document.getElementById("menu-toggle");
  if (!button || !menu) return;
  document.documentElement.classList.add("js-menu");
  button.hidden = false;
  if (toggle) toggle.disabled = true;
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("open", open);
  }
  button.addEventListener("click", function () {
    set(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      set(false);
      button.focus();
    }
  });
})();
