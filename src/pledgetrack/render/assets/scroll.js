/* A table wider than its box scrolls sideways; the box's hint says so while that is the case.
   Shared by the pages of `report` and `changes`; `markOverflow` is called again by the report's
   script after it lays out rows. */
var markOverflow = (function () {
  "use strict";
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".table-box"));
  function mark() {
    boxes.forEach(function (box) {
      var scroller = box.querySelector(".scroll");
      var hint = box.querySelector(".scroll-hint");
      if (scroller && hint) {
        hint.hidden = scroller.scrollWidth <= scroller.clientWidth + 1;
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
  // Tables inside closed <details> are laid out again when opened.
  document.addEventListener("toggle", mark, true);
  return mark;
}());
