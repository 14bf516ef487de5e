// o2c ops: a little progressive enhancement; every page works without it.
(function () {
  "use strict";
  // A form submits once: its button says what is happening and cannot be pressed twice.
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("button[type=submit][data-busy]");
    if (button) {
      button.textContent = button.getAttribute("data-busy");
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });
  // The home page refreshes its cards every 30 s while it is visible.
  var cards = document.getElementById("flow-cards");
  if (cards && window.fetch && window.DOMParser) {
    setInterval(function () {
      if (document.visibilityState !== "visible") { return; }
      fetch("/", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".home");
          var home = document.querySelector(".home");
          if (fresh && home && !home.contains(document.activeElement)) { home.replaceWith(fresh); }
        }).catch(function () {});
    }, 30000);
  }
})();
