// The all-papers table: sorting by column and filtering by year, venue and topic.
// Progressive enhancement: without this script the table is complete, newest first.
(function () {
  "use strict";
  var table = document.querySelector('[data-testid="papers-table"]');
  var form = document.querySelector('[data-testid="papers-controls"]');
  if (!table || !form) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var status = form.querySelector('[data-testid="papers-status"]');
  var headers = Array.prototype.slice.call(table.querySelectorAll("th[data-sort]"));

  var valuesOf = {
    year: function (row) { return [row.getAttribute("data-year")]; },
    venue: function (row) {
      var venue = row.getAttribute("data-venue");
      return venue ? [venue] : [];
    },
    topic: function (row) {
      var topics = row.getAttribute("data-topics");
      return topics ? topics.split("|") : [];
    }
  };

  // Each select lists its values with their counts, the most frequent first.
  function fillSelect(select) {
    var counts = {};
    rows.forEach(function (row) {
      valuesOf[select.name](row).forEach(function (value) { counts[value] = (counts[value] || 0) + 1; });
    });
    Object.keys(counts)
      .sort(function (a, b) { return counts[b] - counts[a] || a.localeCompare(b); })
      .forEach(function (value) { select.add(new Option(value + " (" + counts[value] + ")", value)); });
  }

  function applyFilters() {
    var chosen = Array.prototype.filter.call(form.querySelectorAll("select"), function (s) { return s.value; });
    var visible = 0;
    rows.forEach(function (row) {
      var keep = chosen.every(function (select) { return valuesOf[select.name](row).indexOf(select.value) >= 0; });
      row.hidden = !keep;
      if (keep) visible += 1;
    });
    status.textContent = visible === rows.length
      ? rows.length + " papers."
      : visible + " of " + rows.length + " papers shown.";
  }

  function sortKey(row, column) {
    if (column === "year") return Number(row.getAttribute("data-year"));
    if (column === "venue") return (row.getAttribute("data-venue") || "").toLowerCase();
    return row.cells[0].textContent.trim().toLowerCase();
  }

  // Sorts a copy of the original (newest-first) order, so ties keep that order.
  function sortBy(header) {
    var column = header.getAttribute("data-sort");
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var sorted = rows.slice().sort(function (a, b) {
      var x = sortKey(a, column);
      var y = sortKey(b, column);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    body.append.apply(body, sorted);
  }

  headers.forEach(function (header) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.textContent = header.textContent;
    button.setAttribute("data-testid", "sort-" + header.getAttribute("data-sort"));
    header.textContent = "";
    header.append(button);
    button.addEventListener("click", function () { sortBy(header); });
  });
  form.querySelectorAll("select").forEach(fillSelect);
  form.addEventListener("change", applyFilters);
  form.addEventListener("reset", function () { window.setTimeout(applyFilters); });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.hidden = false;
  applyFilters();
})();
