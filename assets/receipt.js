// The receipt page's Print button, and its paper links without a reload (progressive
// enhancement: without this script the links reload the receipt on the other paper, and the
// browser's own Print menu prints it). Changing paper here does not show the receipt again, so
// it stays the original (see src/loans/receipts.rs on originals and copies).
(function () {
  "use strict";
  var receipt = document.querySelector("article.receipt");
  if (!receipt) { return; }
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-paper]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      receipt.classList.remove("a5", "roll");
      receipt.classList.add(link.dataset.paper);
      window.print();
    });
  });
})();
