/* Per-shopper bits on shareable (CDN-cached) pages: cart count and remembered language. */
(function () {
  "use strict";
  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }
  var badge = document.querySelector("[data-cart-count]");
  var count = parseInt(cookie("sf_cart"), 10);
  if (badge && count > 0) {
    badge.textContent = String(count);
    badge.hidden = false;
  }
  var lang = cookie("sf_lang");
  if (!/^(ar|en|ckb)$/.test(lang)) { lang = ""; } /* only a language the server sets (a planted value must not loop) */
  var here = document.documentElement.lang.split("-")[0];
  var home = document.querySelector('link[hreflang="x-default"]');
  if (lang && lang !== here && home && home.href === location.href.split("#")[0]) {
    var alt = document.querySelector('link[rel=alternate][hreflang^="' + lang + '"]');
    if (alt) { location.replace(alt.href); }
  }
})();
/* Header search: search.js added on the first tap; else the link's search page. */
(function (a, s) {
  if (a && "noModule" in s) {
    a.onclick = function (e) {
      e.preventDefault();
      s.type = "module";
      s.src = a.dataset.js;
      s.onerror = function () { location = a.href; };
      document.head.appendChild(s);
    };
  }
})(document.querySelector("[data-suggest]"), document.createElement("script"));
/* "Load more": the next page's cards appended in place; the numbered links stay for crawlers. */
(function () {
  "use strict";
  var more = document.querySelector("[data-more]");
  var grid = document.querySelector(".grid");
  if (!more || !grid || !window.fetch) { return; }
  more.hidden = false;
  more.addEventListener("click", function () {
    var next = document.querySelector(".pages a[rel=next]");
    if (!next) { return; }
    more.disabled = true;
    fetch(next.href, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.text();
    }).then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var cards = [].slice.call(page.querySelectorAll(".grid > li"));
      cards.forEach(function (li) { grid.appendChild(document.adoptNode(li)); });
      var pages = page.querySelector(".pages");
      document.querySelector(".pages").replaceWith(pages ? document.adoptNode(pages) : "");
      history.replaceState(history.state, "", next.href);
      more.disabled = false;
      more.hidden = !page.querySelector("[data-more]");
      if (cards.length) { cards[0].querySelector("a").focus(); }
    }).catch(function () { location.href = next.href; });
  });
})();
/* Cart: a typed quantity is sent when the field changes (− and + post by themselves). */
[].forEach.call(document.querySelectorAll(".qty-form input[name=quantity]"), function (q) {
  "use strict";
  q.addEventListener("change", function () { q.form.submit(); });
});
