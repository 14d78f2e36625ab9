// The packing slip's Print button (no inline script: the CSP forbids it). Without
// JavaScript the button stays hidden and the browser's own Print command does the same.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
