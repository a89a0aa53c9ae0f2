/* Order-status link: "copy link" and "share" buttons (without JavaScript the link stays selectable). */
(function () {
  "use strict";
  var box = document.querySelector("[data-share-box]");
  if (!box) { return; }
  var input = box.querySelector("[data-share-url]");
  var copy = box.querySelector("[data-copy]");
  var share = box.querySelector("[data-share]");
  var said = box.querySelector("[data-copied]");
  var copiedText = box.querySelector("[data-copied-text]").dataset.copiedText;
  function copied() {
    said.textContent = copiedText;
    setTimeout(function () { said.textContent = ""; }, 4000);
  }
  function fallback() {
    input.focus();
    input.select();
    try { if (document.execCommand("copy")) { copied(); } } catch (e) { /* the link stays selected */ }
  }
  copy.hidden = false;
  copy.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(copied, fallback);
    } else {
      fallback();
    }
  });
  if (navigator.share) {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({ title: input.dataset.shareTitle, url: input.value }).catch(function () {});
    });
  }
  input.addEventListener("focus", function () { input.select(); });
})();
