// Progressive enhancement for the checkout: fill the commune/ward list when the province
// changes. Without JavaScript the server re-renders the form with the list instead.
(function () {
  var province = document.getElementById("province_code");
  var commune = document.getElementById("commune_code");
  if (!province || !commune) return;
  province.addEventListener("change", function () {
    fetch("/api/geo/communes/" + encodeURIComponent(province.value))
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) {
        commune.innerHTML = "";
        items.forEach(function (item) {
          var option = document.createElement("option");
          option.value = item.code; option.textContent = item.name;
          commune.appendChild(option);
        });
      });
  });
})();
