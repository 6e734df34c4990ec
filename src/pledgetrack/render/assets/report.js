/* Sorting, filtering and pledge cards for `pledgetrack report --format html`. Without this
   script the page still lists every pledge (the controls stay hidden), except a page too large
   to send its table as HTML, which says so. */
(function () {
  "use strict";
  // markOverflow: scroll.js, which comes first in the same script element.

  // Gzipped, base64-encoded text, unpacked: a promise of the text (null: the browser cannot).
  function inflate(base64) {
    if (typeof DecompressionStream === "undefined") {
      return null;
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  var table = document.getElementById("pledges-table");
  var controls = document.getElementById("controls");
  if (!table || !controls) {
    return;
  }
  var body = table.tBodies[0];
  // A large table comes packed (gzipped JSON of its rows' HTML). Its rows are made in an inert
  // template: only the rows listed are put in the page, since laying out 10,000 rows takes a
  // browser many seconds.
  var rowStore = document.getElementById("pledge-rows");
  if (rowStore) {
    var unpacked = inflate(rowStore.textContent.trim());
    if (unpacked) {
      unpacked.then(function (text) {
        var template = document.createElement("template");
        template.innerHTML = JSON.parse(text);
        setup(Array.prototype.slice.call(template.content.children));
      });
    } else {
      body.textContent = "This browser cannot unpack the table (it needs DecompressionStream).";
    }
    return;
  }
  setup(Array.prototype.slice.call(body.rows));

  function setup(rows) {
    // Rows listed at once; "Show more" adds as many again.
    var PAGE = 500;
    var limit = PAGE;
    var statusFilter = document.getElementById("filter-status");
    var domainFilter = document.getElementById("filter-domain");
    var count = document.getElementById("filter-count");
    var empty = document.getElementById("filter-empty");
    var more = document.createElement("button");
    more.type = "button";
    more.id = "show-more";
    more.hidden = true;
    table.parentNode.parentNode.insertBefore(more, table.parentNode.nextSibling);
    var columns = table.tHead.rows[0].cells.length;
    // id -> the row under a pledge's row that holds its card, while the card is open.
    var opened = {};
    var byId = {};
    var kept = rows;
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

    // The rows that pass the filters, in the current order; the first `limit` are listed.
    function list() {
      var fragment = document.createDocumentFragment();
      kept.slice(0, limit).forEach(function (row) {
        fragment.appendChild(row);
        if (opened[row.dataset.id]) {
          fragment.appendChild(opened[row.dataset.id]);
        }
      });
      while (body.firstChild) {
        body.removeChild(body.firstChild);
      }
      body.appendChild(fragment);
      var rest = kept.length - Math.min(limit, kept.length);
      more.hidden = rest <= 0;
      more.textContent = "Show " + Math.min(rest, PAGE) + " more (" + rest + " not listed)";
      count.textContent = "Showing " + kept.length + " of " + rows.length +
        (rows.length === 1 ? " pledge" : " pledges") +
        (rest > 0 ? " (the first " + limit + " listed)" : "");
      empty.hidden = kept.length > 0;
    }

    function applyFilters() {
      var status = statusFilter.value;
      var domain = domainFilter.value;
      kept = rows.filter(function (row) {
        return (!status || row.dataset.status === status) &&
          (!domain || domainsOf(row).indexOf(domain) !== -1);
      });
      limit = PAGE;
      list();
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
      var shown = new Set(kept);
      kept = rows.filter(function (row) {
        return shown.has(row);
      });
      list();
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
    more.addEventListener("click", function () {
      limit += PAGE;
      list();
    });
    controls.hidden = false;
    applyFilters();

    // Cards: each pledge's facts, texts, sources and timeline, kept as JSON in #pledge-cards
    // (gzipped in pieces of a hundred pledges when large) and put under the pledge's row when
    // it is opened. The HTML in it was made and escaped by pledgetrack like the rest of the
    // page; the page's policy runs no script in it.
    var store = document.getElementById("pledge-cards");
    var cards = {};
    var pieces = null;
    var loading = {};

    // The card of pledge `id` (HTML), or a promise of it while its piece is unpacked.
    function cardOf(id) {
      if (!store) {
        return null;
      }
      if (store.dataset.encoding === "json") {
        if (!pieces) {
          pieces = true;
          cards = JSON.parse(store.textContent);
        }
        return cards[id] || null;
      }
      if (cards[id]) {
        return cards[id];
      }
      if (!pieces) {
        pieces = JSON.parse(store.textContent);
      }
      var piece = Math.floor(Number(byId[id].dataset.index) / Number(store.dataset.perPiece));
      if (!loading[piece]) {
        var text = inflate(pieces[piece]);
        if (!text) {
          return null;
        }
        loading[piece] = text.then(function (found) {
          var some = JSON.parse(found);
          Object.keys(some).forEach(function (key) {
            cards[key] = some[key];
          });
        });
      }
      return loading[piece].then(function () {
        return cards[id] || null;
      });
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
      var cell = document.createElement("td");
      cell.colSpan = columns;
      cardRow.appendChild(cell);
      opened[id] = cardRow;
      if (row.parentNode) {
        row.parentNode.insertBefore(cardRow, row.nextSibling);
      }
      link(row).setAttribute("aria-expanded", "true");
      function fill(html) {
        if (opened[id] !== cardRow) {
          return;
        }
        if (html) {
          cell.innerHTML = html;
          var timeline = cell.querySelector("details.timeline-box");
          if (timeline) {
            timeline.open = true;
          }
        } else {
          cell.textContent = "This browser cannot show the details (it needs " +
            "DecompressionStream).";
        }
      }
      var html = cardOf(id);
      if (html && html.then) {
        cell.textContent = "Loading\u2026";
        html.then(fill);
      } else {
        fill(html);
      }
    }

    function closeCard(id) {
      var cardRow = opened[id];
      if (cardRow) {
        if (cardRow.parentNode) {
          cardRow.parentNode.removeChild(cardRow);
        }
        delete opened[id];
        link(byId[id]).setAttribute("aria-expanded", "false");
      }
    }

    // One listener for every title link (10,000 rows need no 10,000 listeners).
    body.addEventListener("click", function (event) {
      var a = event.target.closest ? event.target.closest("a.open") : null;
      if (!a || !body.contains(a)) {
        return;
      }
      event.preventDefault();
      var id = a.closest("tr").dataset.id;
      if (opened[id]) {
        closeCard(id);
      } else {
        openCard(id);
        // The address now links to this pledge, without jumping.
        history.replaceState(null, "", "#pledge-" + id);
      }
    });
    rows.forEach(function (row) {
      link(row).setAttribute("aria-expanded", "false");
    });

    // A permalink (#pledge-<id>) opens that pledge's card and brings its row into view,
    // listing it first if the filters or the listing's length left it out.
    function followHash() {
      var hash = decodeURIComponent(location.hash.slice(1));
      var id = hash.slice(7);
      if (hash.indexOf("pledge-") !== 0 || !byId[id]) {
        return;
      }
      if (kept.indexOf(byId[id]) === -1) {
        statusFilter.value = "";
        domainFilter.value = "";
        applyFilters();
      }
      limit = Math.max(limit, kept.indexOf(byId[id]) + 1);
      openCard(id);
      list();
      byId[id].scrollIntoView();
    }
    window.addEventListener("hashchange", followHash);
    followHash();

    // Printing shows the card of every pledge listed, and closes them again afterwards.
    var openedForPrint = [];
    window.addEventListener("beforeprint", function () {
      openedForPrint = kept.slice(0, limit).filter(function (row) {
        return !opened[row.dataset.id];
      }).map(function (row) {
        return row.dataset.id;
      });
      openedForPrint.forEach(openCard);
    });
    window.addEventListener("afterprint", function () {
      openedForPrint.forEach(closeCard);
      openedForPrint = [];
    });
    markOverflow();
    document.documentElement.dataset.ready = "true";
  }
}());
