// Zapros's few behaviours that need a script. Everything works without it too, only slower.
(function () {
  "use strict";

  // Selects marked data-autosubmit submit their form when changed (language switch, filters).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  });

  // "Quote": put the text selected in the conversation into the reply, as e-mail quotes it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-quote-into]");
    if (!button) return;
    event.preventDefault();
    var selection = window.getSelection ? String(window.getSelection()) : "";
    var field = document.getElementById(button.getAttribute("data-quote-into"));
    if (!field || !selection.trim()) {
      if (button.dataset.hint) window.alert(button.dataset.hint);
      return;
    }
    var quoted = selection.trim().split(/\r?\n/).map(function (line) {
      return "> " + line;
    }).join("\n");
    field.value = (field.value ? field.value.replace(/\s*$/, "\n\n") : "") + quoted + "\n\n";
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  });

  // Buttons marked data-confirm ask before they submit.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
