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

  // Response templates in the reply: typing filters the list, Enter inserts the chosen one.
  document.querySelectorAll("[data-filter-options]").forEach(function (filter) {
    filter.hidden = false;
  });
  document.addEventListener("input", function (event) {
    var filter = event.target.closest && event.target.closest("[data-filter-options]");
    if (!filter) return;
    var select = document.getElementById(filter.getAttribute("data-filter-options"));
    if (!select) return;
    var words = filter.value.toLowerCase().trim();
    var first = null;
    Array.prototype.forEach.call(select.options, function (option) {
      option.hidden = words !== "" && option.text.toLowerCase().indexOf(words) === -1;
      if (!option.hidden && first === null) first = option;
    });
    if (first && (select.selectedIndex < 0 || select.options[select.selectedIndex].hidden)) {
      first.selected = true;
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    var picker = event.target.closest && event.target.closest("[data-template-picker]");
    if (!picker || event.target.matches("button")) return;
    event.preventDefault();
    var insert = picker.querySelector("[data-template-insert]");
    if (insert) insert.click();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    // The swap replaces the text area, so ask which element made the request.
    var config = event.detail.requestConfig;
    var source = (config && config.elt) || event.detail.elt;
    if (!source || !source.matches || !source.matches("[data-template-insert]")) return;
    var field = document.getElementById("reply-body");
    if (!field) return;
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  });
})();
