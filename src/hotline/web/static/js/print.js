/* The print view's button: the browser's print dialog (A4, see print.css). */
document.addEventListener("click", function (evt) {
  if (evt.target.closest && evt.target.closest("[data-print-now]")) window.print();
});
