/* Sorting and filtering for `pledgetrack report --format html`. Without this script the page
   still lists every pledge (the controls stay hidden): nothing here is needed to read it. */
(function () {
  "use strict";
  // A table wider than its box scrolls sideways; its hint says so while that is the case.
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".table-box"));
  function markOverflow() {
    boxes.forEach(function (box) {
      var scroller = box.querySelector(".scroll");
      var hint = box.querySelector(".scroll-hint");
      if (scroller && hint) {
        hint.hidden = scroller.scrollWidth <= scroller.clientWidth + 1;
      }
    });
  }
  markOverflow();
  window.addEventListener("resize", markOverflow);
  // Tables inside closed <details> are laid out again when opened.
  document.addEventListener("toggle", markOverflow, true);

  // Data blocks (type application/json): as they are, or gzipped and base64-encoded when
  // large. Gives the parsed value, or a promise of it while a gzipped block is unpacked.
  function unpack(store) {
    if (store.dataset.encoding === "json") {
      return JSON.parse(store.textContent);
    }
    if (typeof DecompressionStream === "undefined") {
      return null;
    }
    var binary = atob(store.textContent.trim());
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  var table = document.getElementById("pledges-table");
  var controls = document.getElementById("controls");
  if (!table || !controls) {
    return;
  }
  var body = table.tBodies[0];
  // A large table comes packed: its rows are put in first.
  var rowStore = document.getElementById("pledge-rows");
  if (rowStore) {
    var rowsHtml = unpack(rowStore);
    if (rowsHtml && rowsHtml.then) {
      rowsHtml.then(function (html) {
        body.innerHTML = html;
        setup();
      });
    } else if (rowsHtml) {
      body.innerHTML = rowsHtml;
      setup();
    }
    return;
  }
  setup();

  function setup() {
    var rows = Array.prototype.slice.call(body.rows);
    var statusFilter = document.getElementById("filter-status");
    var domainFilter = document.getElementById("filter-domain");
    var count = document.getElementById("filter-count");
    var empty = document.getElementById("filter-empty");
    var columns = table.tHead.rows[0].cells.length;
    // id -> the row under a pledge's row that holds its card, while the card is open.
    var opened = {};
    var byId = {};
    rows.forEach(function (row, index) {
      row.dataset.index = String(index);
      byId[row.dataset.id] = row;
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
        var cardRow = opened[row.dataset.id];
        if (cardRow) {
          cardRow.hidden = !keep;
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
        if (opened[row.dataset.id]) {
          body.appendChild(opened[row.dataset.id]);
        }
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

    // Cards: each pledge's facts, texts, sources and timeline, kept as JSON (gzipped when large)
    // in #pledge-cards and put under the pledge's row when it is opened. The HTML in it was made
    // and escaped by pledgetrack like the rest of the page; the page's policy runs no script in it.
    var store = document.getElementById("pledge-cards");
    var cards = null;
    var loading = null;

    function loadCards() {
      if (cards || loading || !store) {
        return loading;
      }
      var value = unpack(store);
      if (value && value.then) {
        loading = value.then(function (found) {
          cards = found;
          loading = null;
        });
        return loading;
      }
      cards = value || {};
      return null;
    }

    function link(row) {
      return row.cells[0].querySelector("a.open");
    }

    function openCard(id) {
      var row = byId[id];
      if (!row || opened[id]) {
        return;
      }
      var cardRow = document.createElement("tr");
      cardRow.className = "card-row";
      cardRow.hidden = row.hidden;
      var cell = document.createElement("td");
      cell.colSpan = columns;
      cardRow.appendChild(cell);
      opened[id] = cardRow;
      row.parentNode.insertBefore(cardRow, row.nextSibling);
      link(row).setAttribute("aria-expanded", "true");
      function fill() {
        if (opened[id] !== cardRow) {
          return;
        }
        var html = cards && cards[id];
        if (html) {
          cell.innerHTML = html;
          var timeline = cell.querySelector("details.timeline-box");
          if (timeline) {
            timeline.open = true;
          }
        } else {
          cell.textContent = cards ? "No details for this pledge." :
            "This browser cannot unpack the details (it needs DecompressionStream).";
        }
      }
      var pending = loadCards();
      if (pending) {
        cell.textContent = "Loading\u2026";
        pending.then(fill);
      } else {
        fill();
      }
    }

    function closeCard(id) {
      var cardRow = opened[id];
      if (cardRow) {
        cardRow.parentNode.removeChild(cardRow);
        delete opened[id];
        link(byId[id]).setAttribute("aria-expanded", "false");
      }
    }

    rows.forEach(function (row) {
      var a = link(row);
      a.setAttribute("aria-expanded", "false");
      a.addEventListener("click", function (event) {
        event.preventDefault();
        var id = row.dataset.id;
        if (opened[id]) {
          closeCard(id);
        } else {
          openCard(id);
          // The address now links to this pledge, without jumping.
          history.replaceState(null, "", "#pledge-" + id);
        }
      });
    });

    // A permalink (#pledge-<id>) opens that pledge's card; the browser scrolls to its row.
    function followHash() {
      var hash = decodeURIComponent(location.hash.slice(1));
      if (hash.indexOf("pledge-") === 0 && byId[hash.slice(7)]) {
        var id = hash.slice(7);
        openCard(id);
        if (byId[id].hidden) {
          statusFilter.value = "";
          domainFilter.value = "";
          applyFilters();
        }
        byId[id].scrollIntoView();
      }
    }
    window.addEventListener("hashchange", followHash);
    followHash();

    // Printing shows the card of every pledge shown, and closes them again afterwards.
    var openedForPrint = [];
    window.addEventListener("beforeprint", function () {
      loadCards();
      openedForPrint = rows.filter(function (row) {
        return !row.hidden && !opened[row.dataset.id];
      }).map(function (row) {
        return row.dataset.id;
      });
      openedForPrint.forEach(openCard);
    });
    window.addEventListener("afterprint", function () {
      openedForPrint.forEach(closeCard);
      openedForPrint = [];
    });
    document.documentElement.dataset.ready = "true";
  }
}());
