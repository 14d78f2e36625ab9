// Progressive enhancement for the checkout summary: when the province changes, fetch the
// server's summary for it (the same template and rule as the "Update total" button that
// works without JavaScript) and swap it in. The button is then not needed.
(function () {
  var province = document.getElementById("province_code");
  var summary = document.getElementById("checkout-summary");
  if (!province || !summary || !window.fetch) return;
  var recalculate = document.querySelector(".recalculate");
  if (recalculate) recalculate.hidden = true;
  var latest = 0;
  province.addEventListener("change", function () {
    var ask = ++latest;
    var url = summary.getAttribute("data-summary-url") + "?province_code=" +
      encodeURIComponent(province.value);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null && ask === latest) summary.innerHTML = html;
      })
      .catch(function () { if (recalculate) recalculate.hidden = false; });
  });
})();
