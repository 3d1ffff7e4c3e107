/* Confirmation of irreversible acts. A form with data-confirm="what will happen" opens the page's
   <dialog id="confirm-dialog"> on submit; only the dialog's confirm button sends the form. No inline
   code (the CSP forbids it). Without JavaScript the form submits as before. */
(function () {
  "use strict";
  var dialog = document.getElementById("confirm-dialog");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var text = dialog.querySelector("[data-confirm-text]");
  var ok = dialog.querySelector("[data-confirm-ok]");
  var cancel = dialog.querySelector("[data-confirm-cancel]");
  var pending = null;

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm")) { return; }
    if (form.getAttribute("data-confirmed") === "1") { form.removeAttribute("data-confirmed"); return; }
    if (!form.checkValidity()) { return; }
    event.preventDefault();
    pending = {form: form, submitter: event.submitter || null};
    text.textContent = form.getAttribute("data-confirm");
    ok.textContent = form.getAttribute("data-confirm-ok") || ok.getAttribute("data-default");
    dialog.showModal();
  }, true);

  ok.addEventListener("click", function () {
    var p = pending;
    pending = null;
    dialog.close();
    if (!p) { return; }
    p.form.setAttribute("data-confirmed", "1");
    if (p.form.requestSubmit) { p.form.requestSubmit(p.submitter || undefined); } else { p.form.submit(); }
  });
  cancel.addEventListener("click", function () { pending = null; dialog.close(); });
  dialog.addEventListener("cancel", function () { pending = null; });
}());
