// The follow-up note form: narrows each dependent list (Call Status, Call Status Action, Party
// Response) to the choices that may follow what is picked in the list before it, from each
// option's data-parents, and fills the message from the chosen template. Progressive
// enhancement: without this script the "Show matching choices" button asks the server to draw
// the lists narrowed, and the server checks every note whatever the page sent.
(function () {
  "use strict";
  var form = document.querySelector("form[data-followup]");
  if (!form) { return; }
  var narrowButton = form.querySelector("[data-no-js]");
  if (narrowButton) { narrowButton.hidden = true; }
  var dependents = form.querySelectorAll("select[data-narrowed-by]");
  function narrow(select) {
    var parent = form.elements[select.dataset.narrowedBy];
    var picked = parent ? parent.value : "";
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { return; }
      var fits = !picked || (option.dataset.parents || "").split(" ").indexOf(picked) >= 0;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) { select.value = ""; }
    });
  }
  function narrowAll() { dependents.forEach(narrow); }
  dependents.forEach(function (select) {
    var parent = form.elements[select.dataset.narrowedBy];
    if (parent) { parent.addEventListener("change", narrowAll); }
  });
  narrowAll();
  var template = form.elements.template;
  var message = form.elements.message;
  if (template && message) {
    template.addEventListener("change", function () {
      var option = template.options[template.selectedIndex];
      if (option && option.dataset.text) { message.value = option.dataset.text; }
    });
  }
})();
