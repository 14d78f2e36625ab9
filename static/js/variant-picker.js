// The product page's size picker: choosing an option updates the price, stock and SKU shown
// (and the quantity's maximum) without a reload. Without JavaScript the radio buttons still
// post the chosen variant, and each option shows its own price and stock.
document.querySelectorAll("[data-variant-form]").forEach(function (form) {
  var page = form.closest(".details") || document;
  var price = page.querySelector("[data-variant-price]");
  var stock = page.querySelector("[data-variant-stock]");
  var sku = page.querySelector("[data-variant-sku]");
  var estimate = page.querySelector("[data-variant-estimate]");
  var quantity = form.querySelector("input[name=quantity]");
  function show(radio) {
    var left = parseInt(radio.dataset.stock, 10) || 0;
    if (price) price.textContent = radio.dataset.price;
    if (sku) sku.textContent = radio.dataset.sku;
    if (estimate) estimate.hidden = true; // the estimate was for the first option
    if (stock) {
      stock.textContent = "";
      var span = document.createElement("span");
      span.className = left > 0 ? "stock in" : "stock out";
      span.textContent = radio.dataset.stockText;
      stock.appendChild(span);
    }
    if (quantity) {
      quantity.max = left > 0 ? String(left) : "";
      if (left > 0 && parseInt(quantity.value, 10) > left) quantity.value = String(left);
    }
  }
  form.querySelectorAll("input[name=variant][type=radio]").forEach(function (radio) {
    radio.addEventListener("change", function () { if (radio.checked) show(radio); });
  });
});
