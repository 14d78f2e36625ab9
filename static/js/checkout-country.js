// Another country changes which address fields the form asks for: re-render the form
// through its own "Update total" button (what a visitor without JavaScript presses), which
// keeps everything typed and places nothing.
(function () {
  var country = document.querySelector("[data-country-select]");
  var form = document.getElementById("checkout-form");
  if (!country || !form) return;
  country.addEventListener("change", function () {
    var button = form.querySelector("[name=recalculate]");
    if (button) { button.hidden = false; button.click(); }
  });
})();
