/* The full-screen photo viewer, loaded by product.js on the first tap on a photo: swipe between photos
   (CSS scroll-snap, either direction), pinch or double-tap to zoom (a transform), drag a zoomed photo,
   Escape or the close button to leave. Without it the photos stay a plain strip. */
(function () {
  "use strict";
  var box, rail, count, shots = [];
  var scale = 1, x = 0, y = 0, pointers = {}, pinch = null, drag = null, lastTap = 0;

  function current() {
    var w = rail.clientWidth || 1;
    return Math.min(shots.length - 1, Math.round(Math.abs(rail.scrollLeft) / w));
  }
  function apply(img) {
    img.style.transform = scale > 1 ? "translate(" + x + "px," + y + "px) scale(" + scale + ")" : "";
    rail.classList.toggle("zoomed", scale > 1);
  }
  function reset() {
    scale = 1; x = 0; y = 0;
    shots.forEach(function (s) { s.firstChild.style.transform = ""; });
    rail.classList.remove("zoomed");
  }
  function zoomAt(img, to, cx, cy) { /* keep the point under the finger where it is */
    var r = img.parentNode.getBoundingClientRect();
    var ox = cx - (r.left + r.width / 2), oy = cy - (r.top + r.height / 2);
    var k = to / scale;
    x = ox - (ox - x) * k; y = oy - (oy - y) * k;
    scale = to;
    if (scale <= 1.01) { scale = 1; x = 0; y = 0; }
    apply(img);
  }
  function build(strip) {
    box = document.createElement("dialog");
    box.className = "viewer";
    box.setAttribute("aria-label", (strip.querySelector("img") || {}).alt || "");
    rail = document.createElement("div");
    rail.className = "viewer-strip";
    rail.tabIndex = 0; /* focused on opening: the arrow keys scroll between photos */
    [].forEach.call(strip.querySelectorAll("img"), function (small) {
      var slide = document.createElement("div");
      var img = document.createElement("img");
      img.src = small.currentSrc || small.src; /* the size already loaded first, then the largest offered */
      var offered = (small.parentNode.querySelector("source[type='image/webp']") || small).getAttribute("srcset");
      if (offered) { img.src = offered.split(",").pop().trim().split(" ")[0]; }
      img.alt = small.alt;
      img.draggable = false;
      slide.appendChild(img);
      rail.appendChild(slide);
      shots.push(slide);
    });
    var close = document.createElement("button");
    close.type = "button";
    close.className = "viewer-x";
    close.innerHTML = '<span aria-hidden="true">×</span><span class="visually-hidden"></span>';
    close.lastChild.textContent = strip.dataset.close;
    close.addEventListener("click", function () { box.close(); });
    count = document.createElement("p");
    count.className = "viewer-n";
    count.setAttribute("aria-live", "polite");
    box.appendChild(rail);
    box.appendChild(close);
    box.appendChild(count);
    document.body.appendChild(box);
    rail.addEventListener("scroll", function () { count.textContent = (current() + 1) + "/" + shots.length; }, { passive: true });
    box.addEventListener("close", function () { reset(); document.documentElement.style.overflow = ""; });

    rail.addEventListener("pointerdown", function (e) {
      pointers[e.pointerId] = e;
      var ids = Object.keys(pointers);
      if (ids.length === 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        pinch = { d: Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY), s: scale };
      } else if (scale > 1) {
        drag = { x: e.clientX - x, y: e.clientY - y };
        rail.setPointerCapture(e.pointerId);
      }
    });
    rail.addEventListener("pointermove", function (e) {
      if (!pointers[e.pointerId]) { return; }
      pointers[e.pointerId] = e;
      var img = shots[current()].firstChild;
      var ids = Object.keys(pointers);
      if (pinch && ids.length === 2) {
        var a = pointers[ids[0]], b = pointers[ids[1]];
        var d = Math.hypot(a.clientX - b.clientX, a.clientY - b.clientY);
        zoomAt(img, Math.max(1, Math.min(4, pinch.s * d / pinch.d)), (a.clientX + b.clientX) / 2, (a.clientY + b.clientY) / 2);
      } else if (drag && scale > 1) {
        x = e.clientX - drag.x; y = e.clientY - drag.y;
        apply(img);
      }
    });
    function up(e) {
      delete pointers[e.pointerId];
      if (Object.keys(pointers).length < 2) { pinch = null; }
      if (!Object.keys(pointers).length) { drag = null; }
    }
    rail.addEventListener("pointerup", up);
    rail.addEventListener("pointercancel", up);
    rail.addEventListener("click", function (e) { /* a double tap (or double click) zooms in at that point, or back out */
      var img = scale > 1 ? shots[current()].firstChild : e.target.closest("img"); /* (a drag captures the pointer) */
      var now = Date.now();
      if (!img) { return; }
      if (now - lastTap < 350) {
        zoomAt(img, scale > 1 ? 1 : 2.5, e.clientX, e.clientY);
        lastTap = 0;
      } else {
        lastTap = now;
      }
    });
    rail.addEventListener("dblclick", function (e) { e.preventDefault(); });
  }
  window.sfGallery = function (strip, at) {
    if (!box) { build(strip); }
    document.documentElement.style.overflow = "hidden";
    box.showModal();
    var slide = shots[Math.max(0, at)];
    if (slide) { slide.scrollIntoView({ block: "nearest", inline: "start" }); }
    count.textContent = (Math.max(0, at) + 1) + "/" + shots.length;
    rail.focus({ preventScroll: true });
  };
})();
