/* Sorting and filtering for `pledgetrack report --format html`. Without this script the page
   still lists every pledge (the controls stay hidden): nothing here is needed to read it. */
(function () {
  "use strict";
  var table = document.getElementById("pledges-table");
  var controls = document.getElementById("controls");
  if (!table || !controls) {
    return;
  }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var statusFilter = document.getElementById("filter-status");
  var domainFilter = document.getElementById("filter-domain");
  var count = document.getElementById("filter-count");
  var empty = document.getElementById("filter-empty");
  var articles = {};
  rows.forEach(function (row, index) {
    row.dataset.index = String(index);
    articles[row.dataset.id] = document.getElementById("pledge-" + row.dataset.id);
  });

  function domainsOf(row) {
    try {
      return JSON.parse(row.dataset.domains || "[]");
    } catch (e) {
      return [];
    }
  }

  function applyFilters() {
    var status = statusFilter.value;
    var domain = domainFilter.value;
    var shown = 0;
    rows.forEach(function (row) {
      var keep = (!status || row.dataset.status === status) &&
        (!domain || domainsOf(row).indexOf(domain) !== -1);
      row.hidden = !keep;
      var article = articles[row.dataset.id];
      if (article) {
        article.hidden = !keep;
      }
      if (keep) {
        shown += 1;
      }
    });
    count.textContent = "Showing " + shown + " of " + rows.length +
      (rows.length === 1 ? " pledge" : " pledges");
    empty.hidden = shown > 0;
  }

  function sortBy(th, column, type) {
    var descending = th.getAttribute("aria-sort") === "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var sign = descending ? -1 : 1;
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.sort || "";
      var y = b.cells[column].dataset.sort || "";
      var order;
      if (x === "" || y === "") {
        order = (x === "") - (y === "");  // empty values last, whichever the direction
      } else if (type === "number") {
        order = sign * (Number(x) - Number(y));
      } else {
        order = sign * (x < y ? -1 : x > y ? 1 : 0);
      }
      return order || Number(a.dataset.index) - Number(b.dataset.index);
    });
    rows.forEach(function (row) {
      body.appendChild(row);
    });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    while (th.firstChild) {
      button.appendChild(th.firstChild);
    }
    th.appendChild(button);
    button.addEventListener("click", function () {
      sortBy(th, column, th.dataset.type);
    });
  });

  statusFilter.addEventListener("change", applyFilters);
  domainFilter.addEventListener("change", applyFilters);
  document.getElementById("filter-reset").addEventListener("click", function () {
    statusFilter.value = "";
    domainFilter.value = "";
    applyFilters();
  });
  controls.hidden = false;
  applyFilters();

  // Timelines: one button opens or closes them all; printing shows them all.
  var timelines = Array.prototype.slice.call(document.querySelectorAll("details.timeline-box"));
  var toggle = document.getElementById("toggle-timelines");
  if (toggle && timelines.length) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.textContent.indexOf("Open") === 0;
      timelines.forEach(function (d) {
        d.open = open;
      });
      toggle.textContent = open ? "Close all timelines" : "Open all timelines";
    });
  }
  var closedBeforePrint = [];
  window.addEventListener("beforeprint", function () {
    closedBeforePrint = timelines.filter(function (d) {
      return !d.open;
    });
    closedBeforePrint.forEach(function (d) {
      d.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    closedBeforePrint.forEach(function (d) {
      d.open = false;
    });
  });
}());
