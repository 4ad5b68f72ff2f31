// missions-kg: sorting and filtering of a results table, in the browser.
// The server renders the table (a page of at most 1,000 rows, the other
// pages linked); this script adds a filter box above each table and makes
// each column header a button that sorts the rows shown, numbers as
// numbers and dates as text (ISO dates sort as text). Without the script
// the table is the same, unsorted and unfiltered.
(function () {
  "use strict";
  var fr = document.documentElement.lang === "fr";
  var tables = document.querySelectorAll("table.results");
  Array.prototype.forEach.call(tables, function (table, index) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    var count = document.createElement("span");
    count.className = "shown";
    count.setAttribute("aria-live", "polite");

    // The filter: rows holding every word typed, case and accents ignored.
    var fold = function (text) {
      return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    };
    var texts = rows.map(function (row) { return fold(row.textContent); });
    var box = document.createElement("p");
    box.className = "filter";
    var id = "filter-" + index;
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = fr ? "Filtrer les lignes " : "Filter rows ";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var keep = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
        row.hidden = !keep;
        if (keep) shown++;
      });
      count.textContent = words.length
        ? " " + shown + (fr ? " sur " : " of ") + rows.length
        : "";
    });
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(count);
    var holder = table.parentNode.classList.contains("scroll") ? table.parentNode : table;
    holder.parentNode.insertBefore(box, holder);

    // Sorting: a click on a header sorts by that column, a second click
    // the other way.
    var collator = new Intl.Collator(fr ? "fr" : "en", { numeric: true, sensitivity: "base" });
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var key = function (row) {
          var cell = row.cells[column];
          return cell ? cell.textContent.trim() : "";
        };
        var sorted = rows.slice().sort(function (a, b) {
          var ka = key(a), kb = key(b);
          // Empty cells last, whichever the direction.
          if (!ka || !kb) return ka ? -1 : kb ? 1 : 0;
          var order = collator.compare(ka, kb);
          return ascending ? order : -order;
        });
        sorted.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
