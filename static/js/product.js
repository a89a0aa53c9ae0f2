/* Product pickers: choosing updates price, stock, SKU, photo and ?variant= in place. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-variants]");
  if (!form) { return; }
  var all = JSON.parse(form.dataset.variants); /* [sku, values, price, was, in stock, photo] */
  var sets = [].slice.call(form.querySelectorAll(".pick"));
  var buy = form.parentNode;
  var gallery = document.querySelector(".gallery");
  var shots = gallery ? [].slice.call(gallery.children) : [];
  if (gallery && String(shots.length) !== gallery.dataset.shots) { shots = []; }
  function values() {
    return sets.map(function (s) { var c = s.querySelector(":checked"); return c ? c.value : null; });
  }
  function fits(v, chosen, upto, skip) {
    for (var j = 0; j < upto; j++) { if (j !== skip && chosen[j] !== null && v[1][j] !== chosen[j]) { return false; } }
    return true;
  }
  function photo(i) {
    var shot = shots[i];
    if (!shot || shot === gallery.firstElementChild) { return; }
    (shot.querySelector("img") || shot).loading = "eager";
    gallery.insertBefore(shot, gallery.firstChild);
    gallery.scrollLeft = 0; /* the start, in either direction */
    [].forEach.call(gallery.querySelectorAll(".shot-n"), function (n, k) { n.textContent = (k + 1) + "/" + shots.length; });
  }
  function show(v, initial) {
    var price = buy.querySelector(".price");
    var stock = buy.querySelector(".stock");
    if (v) {
      price.innerHTML = "";
      var now = document.createElement("span");
      now.className = "now";
      now.textContent = v[2];
      price.appendChild(now);
      if (v[3]) {
        var was = document.createElement("del");
        was.innerHTML = '<span class="visually-hidden"></span> ';
        was.firstChild.textContent = form.dataset.was;
        was.appendChild(document.createTextNode(v[3]));
        price.appendChild(document.createTextNode(" "));
        price.appendChild(was);
      }
    } else {
      price.outerHTML = form.dataset.base;
    }
    var ok = !v || v[4] === 1;
    stock.textContent = ok ? stock.dataset.in : stock.dataset.out;
    stock.className = "stock " + (ok ? "in" : "out");
    var sku = buy.querySelector(".sku bdi");
    if (sku) { sku.textContent = v ? v[0] : form.elements.sku.value; }
    form.querySelector("button[type=submit]").disabled = !ok;
    var bar = form.querySelector(".bar-price");
    if (bar) { bar.textContent = buy.querySelector(".price .now").textContent; }
    if (!initial) {
      history.replaceState(history.state, "", location.pathname + (v ? "?variant=" + encodeURIComponent(v[0]) : ""));
    }
  }
  function refresh(initial) {
    var chosen = values();
    sets.forEach(function (s, i) {
      [].forEach.call(s.querySelectorAll("input"), function (r) {
        var some = all.filter(function (v) { return v[1][i] === r.value && fits(v, chosen, i, -1); });
        r.disabled = !some.length;
        if (r.disabled && r.checked) { r.checked = false; chosen[i] = null; }
        var near = some.filter(function (v) { return fits(v, chosen, chosen.length, i); });
        var out = near.length > 0 && !near.some(function (v) { return v[4] === 1; });
        r.nextElementSibling.classList.toggle("so", out);
        r.nextElementSibling.classList.toggle("na", !r.disabled && !near.length);
        r.nextElementSibling.querySelector("[data-so]").hidden = !out;
      });
      if (chosen[i] !== null) { s.querySelector(".err").hidden = true; }
    });
    var fitting = all.filter(function (v) { return fits(v, chosen, chosen.length, -1); });
    var found = chosen.indexOf(null) < 0 ? fitting[0] : null;
    var pics = fitting.map(function (v) { return v[5]; });
    if (!initial && pics.length && pics[0] >= 0 && pics.every(function (i) { return i === pics[0]; })) { photo(pics[0]); }
    show(found || null, initial);
  }
  form.addEventListener("change", function () {
    var problem = form.querySelector("[data-problem]");
    if (problem) { problem.hidden = true; }
    refresh();
  });
  form.addEventListener("submit", function (e) {
    var missing = sets.filter(function (s) { return !s.querySelector(":checked"); });
    missing.forEach(function (s) {
      var err = s.querySelector(".err");
      err.hidden = false;
      s.setAttribute("aria-describedby", err.id);
    });
    if (missing.length) { /* the first missing option in view (clear of the header and the sticky bar), focused and announced */
      e.preventDefault();
      missing[0].scrollIntoView({ block: "center" });
      missing[0].focus({ preventScroll: true });
    }
  });
  refresh(true);
})();
/* Product page (product.js, loaded by the product page only): the −/+ stepper, adding without leaving the page, sharing. Without JS: a number field,
   a normal form post to the cart page, and a WhatsApp share link. */
(function () {
  "use strict";
  var form = document.querySelector("form.add");
  var qty = form && form.elements.quantity;
  if (qty) {
    [].forEach.call(form.querySelectorAll("[data-step]"), function (b) {
      b.hidden = false;
      b.addEventListener("click", function () {
        var n = (parseInt(qty.value, 10) || 1) + parseInt(b.dataset.step, 10);
        qty.value = String(Math.min(99, Math.max(1, n)));
      });
    });
  }
  if (form && window.fetch && window.FormData) {
    /* Adding without leaving the page: the mini-cart shows the line, the subtotal, "view cart" and "checkout". */
    var toast = form.querySelector("[data-toast]");
    var mini = document.querySelector("dialog.mini");
    var busy = false;
    var timer;
    var say = function (text) {
      toast.textContent = text;
      clearTimeout(timer);
      timer = setTimeout(function () { toast.textContent = ""; }, 6000);
    };
    form.addEventListener("submit", function (e) {
      if (e.defaultPrevented) { return; }
      e.preventDefault();
      if (busy) { return; } /* a double tap adds once */
      busy = true;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      var done = function () { busy = false; button.disabled = false; };
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok || (r.headers.get("Content-Type") || "").indexOf("json") < 0) {
          done();
          say(toast.dataset.failed); /* refused or not understood: nothing was added, say so */
          return null;
        }
        return r.json();
      }).then(function (data) {
        if (!data) { return; }
        if (data.go) { location.href = data.go; return; }
        done();
        var badge = document.querySelector("[data-cart-count]") || document.querySelector(".cart-link .badge");
        if (badge) { badge.textContent = String(data.count); badge.hidden = false; }
        if (!mini || !mini.showModal) { say(data.message); return; }
        var line = data.line;
        var row = mini.querySelector("[data-line]"), img = row.querySelector("img");
        if (img) { img.remove(); }
        if (line.image) { /* made here: an <img> without a source is not valid HTML */
          img = new Image(72, 72);
          img.alt = "";
          img.src = line.image;
          row.prepend(img);
        }
        mini.querySelector("[data-name]").textContent = line.name;
        var opts = mini.querySelector("[data-opts]");
        opts.textContent = "";
        line.options.forEach(function (pair, i) { /* each name and value isolated, as in the cart */
          var name = document.createElement("bdi"), value = document.createElement("bdi");
          name.textContent = pair[0];
          value.textContent = pair[1];
          opts.append(i ? " · " : "", name, ": ", value);
        });
        mini.querySelector("[data-price]").textContent = (line.quantity > 1 ? line.quantity + " × " : "") + line.price;
        mini.querySelector("[data-subtotal]").textContent = data.subtotal;
        mini.showModal(); /* focus moves into it; Escape closes it */
      }).catch(function () { /* no answer: it may have been added; the cart page tells (never post twice) */
        location.href = document.querySelector(".cart-link").href;
      });
    });
    if (mini) {
      mini.querySelector("[data-close]").addEventListener("click", function () { mini.close(); });
      mini.addEventListener("click", function (e) { if (e.target === mini) { mini.close(); } }); /* a tap outside */
    }
  }
  /* The gallery: a thumbnail scrolls the strip (without JS it jumps to the photo); a tap on a photo opens the viewer, loaded on first use. */
  var strip = document.querySelector(".gallery[data-zoom]");
  if (strip) {
    [].forEach.call(document.querySelectorAll(".thumbs a"), function (a) {
      a.addEventListener("click", function (e) {
        var shot = document.getElementById(a.hash.slice(1));
        if (!shot) { return; }
        e.preventDefault();
        shot.scrollIntoView({ block: "nearest", inline: "start", behavior: "smooth" }); /* either direction */
        [].forEach.call(document.querySelectorAll(".thumbs a"), function (t) { t.toggleAttribute("aria-current", t === a); });
      });
    });
    var loading = false;
    strip.addEventListener("click", function (e) {
      var img = e.target.closest("img");
      if (!img) { return; }
      var at = [].indexOf.call(strip.querySelectorAll("img"), img);
      if (window.sfGallery) { window.sfGallery(strip, at); return; }
      if (loading) { return; }
      loading = true;
      var s = document.createElement("script");
      s.src = strip.dataset.zoom;
      s.onload = function () { window.sfGallery(strip, at); };
      s.onerror = function () { loading = false; };
      document.head.appendChild(s);
    });
  }
  var share = document.querySelector("[data-share]");
  if (share && navigator.share) {
    share.addEventListener("click", function (e) {
      e.preventDefault();
      navigator.share({ title: share.dataset.title, url: share.dataset.url }).catch(function () {});
    });
  }
})();
