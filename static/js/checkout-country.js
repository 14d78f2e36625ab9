// Another country changes which address fields the form asks for: re-render the form
// through its own button (checkout's "Update total", the address book's "Show this
// country's address fields": what a visitor without JavaScript presses), which keeps
// everything typed and places or saves nothing.
(function () {
  var country = document.querySelector("[data-country-select]");
  var form = country && country.form;
  if (!form) return;
  var refresh = form.querySelector("[name=refresh]");
  if (refresh) (refresh.closest(".recalculate") || refresh).hidden = true;  // pressed below
  country.addEventListener("change", function () {
    var button = form.querySelector("[name=recalculate], [name=refresh]");
    if (button) { button.hidden = false; button.click(); }
  });
})();
