// The class booking form, made quicker where JavaScript runs (the form works without it):
// typing the codice meccanografico fills in the school from the Ministry's registry, and
// the adults needed for the pupils typed are said as the numbers change.
(function () {
  "use strict";
  var form = document.querySelector("form.school-form[data-lookup]");
  if (!form) return;

  var code = form.querySelector("#school_code");
  var found = document.getElementById("school-found");
  var name = form.querySelector("#school_name");
  var city = form.querySelector("#city");
  var pattern = /^[A-Z]{2}[A-Z0-9]{2}[A-Z0-9]{5}[A-Z0-9]$/;
  var asked = "";

  function lookUp() {
    var value = code.value.replace(/\s+/g, "").toUpperCase();
    if (!pattern.test(value) || value === asked) return;
    asked = value;
    fetch(form.dataset.lookup.replace("CODE", encodeURIComponent(value)), {
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (school) {
        if (!school || value !== asked) return;
        if (!name.value.trim()) name.value = school.name;
        if (!city.value.trim()) city.value = school.city;
        found.textContent = form.dataset.found.replace("{name}", school.name)
          .replace("{address}", school.address).replace("{city}", school.city);
      })
      .catch(function () { /* offline: the server fills them in after submitting */ });
  }
  code.addEventListener("input", lookUp);
  code.addEventListener("change", lookUp);

  var ratios = JSON.parse(form.dataset.ratios || "{}");
  var grade = form.querySelector("#grade");
  var pupils = form.querySelector("#pupils");
  var others = form.querySelector("#pupils_with_disabilities");
  var said = document.getElementById("adults-needed");
  var rule = said.textContent.split(/(?<=\.)\s/)[0];

  function sayAdults() {
    var ratio = ratios[grade.value];
    var n = parseInt(pupils.value, 10);
    if (!ratio || !(n > 0)) { said.textContent = rule; return; }
    var apart = parseInt(others.value, 10) || 0;
    var needed = Math.max(1, Math.ceil(Math.max(n - apart, 0) / ratio));
    said.textContent = rule + " " + form.dataset.needOne
      .replace("{pupils}", n).replace("{needed}", needed);
  }
  [grade, pupils, others].forEach(function (el) { el.addEventListener("input", sayAdults); });
})();
