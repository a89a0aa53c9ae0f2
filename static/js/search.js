/* The header's search overlay (a module site.js adds on the first tap of the search icon; it opens at once): a <dialog> with the
   search form, and suggestions from /<store>/search/suggest as the shopper types (debounced, the previous
   request aborted). Merchant text goes in with textContent only. Enter without a chosen suggestion submits
   the form (the results page, as without JavaScript). */
/* The close button's name in the page's language (kept here, not in every page's header: the first-view budget). */
/* Its styles, adopted through the CSSOM (the page's CSP allows no inline <style>), out of the first view. */
var CSS = ".sheet {inline-size:100%;max-inline-size:40rem;margin:0 auto auto;padding:12px var(--gap);border:0;border-radius:0 0 var(--radius) var(--radius);background:var(--card);color:var(--ink)}.sheet::backdrop {background:#0008}.sheet .search {margin:0}.sheet-x {flex:0 0 44px;min-block-size:44px;padding:0;border:0;background:none;font-size:1.6rem;color:var(--muted)}.sg {list-style:none;margin:8px 0 0;padding:0;max-block-size:70vh;overflow-y:auto}.sg a {display:flex;align-items:center;gap:10px;min-block-size:52px;padding:4px 8px;border-radius:8px;color:var(--ink);text-decoration:none}.sg [aria-selected=true] a, .sg a:hover {background:#eef1f3}.sg img {flex-shrink:0;border-radius:6px;object-fit:cover;background:#eef1f3}.sg-n {flex:1;min-inline-size:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.sg-pr {color:var(--muted);font-size:.9rem;white-space:nowrap}.sg-c .sg-n::before {content:'#';color:var(--muted);margin-inline-end:6px}";
var CLOSE = { ar: "إغلاق", en: "Close", ckb: "داخستن" };
var dialog, input, list, timer, pending, active = -1;

function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) { e.className = cls; }
  if (text) { e.textContent = text; }
  return e;
}

function options() { return list.querySelectorAll("[role=option]"); }

function choose(i) {
  var all = options();
  active = all.length ? (i + all.length) % all.length : -1;
  [].forEach.call(all, function (o, n) { o.setAttribute("aria-selected", String(n === active)); });
  if (active >= 0) {
    input.setAttribute("aria-activedescendant", all[active].id);
    all[active].scrollIntoView({ block: "nearest" });
  } else {
    input.removeAttribute("aria-activedescendant");
  }
}

function option(item, n, product) {
  var li = el("li", product ? "sg-p" : "sg-c");
  li.id = "sg-" + n;
  li.setAttribute("role", "option");
  var a = el("a");
  a.href = item.url;
  a.tabIndex = -1;
  if (product) {
    var img = el("img");
    img.alt = "";
    img.width = img.height = 40;
    if (item.image) { img.src = item.image; }
    a.appendChild(img);
  }
  var name = el("span", "sg-n", item.name);
  name.dir = "auto";
  a.appendChild(name);
  if (product) { a.appendChild(el("bdi", "sg-pr", item.price)); }
  else if (item.parent) { a.appendChild(el("span", "sg-pr", item.parent)); }
  li.appendChild(a);
  return li;
}

function show(data) {
  list.textContent = "";
  var n = 0;
  (data.categories || []).forEach(function (c) { list.appendChild(option(c, n++, false)); });
  (data.products || []).forEach(function (p) { list.appendChild(option(p, n++, true)); });
  list.hidden = !n;
  input.setAttribute("aria-expanded", String(n > 0));
  active = -1;
  input.removeAttribute("aria-activedescendant");
}

function ask(url) {
  var q = input.value.trim();
  if (pending) { pending.abort(); }
  if (!q) { show({}); return; }
  pending = window.AbortController ? new AbortController() : null;
  fetch(url + "?q=" + encodeURIComponent(q.slice(0, 100)), { signal: pending && pending.signal, credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(show)
    .catch(function (e) { if (e.name !== "AbortError") { show({}); } });
}

function build(link) {
  var sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  document.adoptedStyleSheets = document.adoptedStyleSheets.concat(sheet);
  var home = document.querySelector(".brand");
  dialog = el("dialog", "sheet");
  dialog.setAttribute("aria-label", link.textContent.trim());
  var form = el("form", "search");
  form.method = "get";
  form.action = home ? home.href : "/";
  form.setAttribute("role", "search");
  input = el("input");
  input.type = "search";
  input.name = "q";
  input.maxLength = 100;
  input.autocomplete = "off";
  input.enterKeyHint = "search";
  input.placeholder = link.textContent.trim();
  input.setAttribute("aria-label", link.textContent.trim());
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", "sg-list");
  input.setAttribute("aria-expanded", "false");
  var close = el("button", "sheet-x", "×");
  close.type = "button";
  close.setAttribute("aria-label", CLOSE[document.documentElement.lang.split("-")[0]] || CLOSE.en);
  close.addEventListener("click", function () { dialog.close(); });
  form.appendChild(input);
  form.appendChild(close);
  list = el("ul", "sg");
  list.id = "sg-list";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  dialog.appendChild(form);
  dialog.appendChild(list);
  document.body.appendChild(dialog);
  var url = link.getAttribute("data-suggest");
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { ask(url); }, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      choose(active + (e.key === "ArrowDown" ? 1 : -1));
    } else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      location.href = options()[active].querySelector("a").href;
    }
  });
  dialog.addEventListener("click", function (e) { if (e.target === dialog) { dialog.close(); } });
}

function open(link) {
  if (!document.adoptedStyleSheets || !window.HTMLDialogElement) { location = link.href; return; } /* older: the search page */
  if (!dialog) { build(link); }
  dialog.showModal();
  input.focus();
  input.select();
}

var link = document.querySelector("[data-suggest]");
link.onclick = function (e) { e.preventDefault(); open(link); };
open(link);
