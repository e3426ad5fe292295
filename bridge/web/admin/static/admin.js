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

// Slow parts of a page (a group's similar groups) come after it: each [data-fragment] box is replaced by what its
// address renders; without scripts (or if that fails) the box keeps its link to the same part as a page.
(function () {
  Array.prototype.forEach.call(document.querySelectorAll("[data-fragment]"), function (box) {
    fetch(box.getAttribute("data-fragment"), { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.text() : Promise.reject(answer.status); })
      .then(function (html) { box.innerHTML = html; })
      .catch(function () {});
  });
})();
