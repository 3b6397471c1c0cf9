// Sort a table.sortable by a column when its header is clicked (again: the other way round).
// Progressive: without this script the table reads the same, in the order it was written.
// A cell's data-sort (a plain number) is its key where its text carries a unit.
(function () {
  "use strict";
  function key(cell) {
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent;
    raw = raw.trim();
    var n = Number(raw);
    return raw !== "" && isFinite(n) ? n : raw.toLowerCase();
  }
  function order(a, b) {
    if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1; // numbers first
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function sortable(table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, column) {
      function sort() {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r, s) {
          var c = order(key(r.cells[column]), key(s.cells[column]));
          return up ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.tabIndex = 0;
      th.title = "sort by this column";
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), sortable);
})();
