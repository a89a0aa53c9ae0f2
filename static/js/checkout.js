/* Progressive enhancement for checkout: areas, delivery fee and total update in place; resend countdown. */
(function () {
  "use strict";
  var form = document.getElementById("checkout");
  if (form) {
    var province = form.querySelector("select[name=province]");
    var area = form.querySelector("select[name=area]");
    province.addEventListener("change", function () {
      var first = area.options[0];
      area.disabled = true;
      fetch(form.dataset.areasUrl + "?province=" + encodeURIComponent(province.value), {
        headers: { Accept: "application/json" }, credentials: "same-origin"
      }).then(function (r) {
        if (!r.ok) { throw new Error(r.status); }
        return r.json();
      }).then(function (areas) {
        area.length = 1;
        areas.forEach(function (a) { area.add(new Option(a.name, a.id)); });
        area.disabled = false;
        area.focus();
      }).catch(function () {
        area.disabled = false;
        var fallback = form.querySelector("button[value=areas].js-hide");
        if (fallback) { fallback.hidden = false; }
      });
      first.selected = true;
    });
    // a field in use is never left under the phone's bottom bar (flow.css .co-bar), also once the keyboard is up
    var bar = form.querySelector(".co-bar");
    var clear = function () {
      var el = document.activeElement;
      if (form.contains(el) && !bar.contains(el) && el.getBoundingClientRect().bottom > bar.getBoundingClientRect().top) {
        el.scrollIntoView({ block: "nearest" });
      }
    };
    form.addEventListener("focusin", clear);
    window.addEventListener("resize", clear);
    var table = document.getElementById("fees");
    var fees = table && JSON.parse(table.textContent);
    if (fees) {  // the fee and total to the governorate chosen: texts the server formatted (templating.delivery_table)
      province.addEventListener("change", function () {
        var texts = fees.t[fees.p[province.value]] || fees.t[fees.p[""]];
        ["fee", "total", "nudge", "fee-note"].forEach(function (id, i) {
          var line = document.getElementById(id);
          (line.lastElementChild || line).textContent = texts[i];
          line.hidden = !texts[i];
        });
        // what is due, at the top and in the phone's bottom bar: the total once known, else the subtotal
        var sum = document.querySelector(".top-sum");
        document.querySelectorAll("[data-due]").forEach(function (due) {
          due.textContent = texts[1] || sum.dataset.sub;
          due.previousElementSibling.textContent = texts[1] ? sum.dataset.totalLabel : sum.dataset.subLabel;
        });
      });
    }
  }
  var hint = document.getElementById("resend-hint");
  var clock = hint && hint.querySelector(".countdown");
  if (clock) {
    var button = hint.parentNode.querySelector("button[value=resend]");
    var left = parseInt(hint.dataset.wait, 10) || 0;
    button.disabled = true;
    var timer = setInterval(function () {
      left -= 1;
      clock.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        hint.hidden = true;
      }
    }, 1000);
  }
})();
