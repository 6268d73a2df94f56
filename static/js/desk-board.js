/* Today's board: the counts and each arrival kept up to date from /api/v1/desk/today every
   10 seconds, without reloading; the filter narrows the list as one types. */
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) return;
  var states = JSON.parse(root.dataset.states);
  var filter = document.getElementById("board-filter");

  function applyFilter() {
    var words = filter.value.trim().toLowerCase();
    root.querySelectorAll("li[data-search]").forEach(function (li) {
      li.hidden = words !== "" && li.dataset.search.indexOf(words) === -1;
    });
  }

  function refresh() {
    fetch(root.dataset.todayUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        data.items.forEach(function (slot) {
          var section = root.querySelector('[data-slot="' + slot.slot_id + '"]');
          if (!section) { window.location.reload(); return; } // a slot added today: draw it anew
          var count = section.querySelector("[data-count]");
          count.textContent = count.textContent.replace(/\d+/, slot.arrived).replace(/(\d+)(?!.*\d)/, slot.expected);
          slot.tickets.forEach(function (t) {
            var state = section.querySelector('li[data-code="' + t.code + '"] [data-state]');
            if (!state) return;
            state.className = "arrival-state arrival-" + t.state;
            state.textContent = states[t.state];
          });
        });
        document.getElementById("board-updated").textContent = new Date().toLocaleTimeString();
      }, function () {});
  }

  filter.addEventListener("input", applyFilter);
  setInterval(refresh, 10000);
})();
