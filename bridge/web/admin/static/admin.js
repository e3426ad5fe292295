// Only what helps: the subcategory list follows the chosen category on the new-wish form.
(function () {
  var category = document.getElementById("category");
  var subcategory = document.getElementById("subcategory");
  if (!category || !subcategory) { return; }
  function follow() {
    var chosen = category.value;
    Array.prototype.forEach.call(subcategory.querySelectorAll("optgroup"), function (group) {
      var shown = !chosen || group.getAttribute("data-category") === chosen;
      group.hidden = !shown;
      group.disabled = !shown;
    });
    var selected = subcategory.selectedOptions[0];
    if (selected && selected.parentNode.disabled) { subcategory.value = ""; }
  }
  category.addEventListener("change", follow);
  follow();
})();
