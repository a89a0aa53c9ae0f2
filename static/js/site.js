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
  var here = document.documentElement.lang.slice(0, 2);
  var home = document.querySelector('link[hreflang="x-default"]');
  if (lang && lang !== here && home && home.href === location.href.split("#")[0]) {
    var alt = document.querySelector('link[rel=alternate][hreflang^="' + lang + '"]');
    if (alt) { location.replace(alt.href); }
  }
})();
