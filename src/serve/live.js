// Live reload for `survey serve` (injected into every served HTML page; never part
// of a built site). Listens to the server's events:
//   reload  -> reload the page (a rebuild changed the site)
//   css     -> swap stylesheets in place (only stylesheets changed)
//   errors  -> show the build's diagnostics in an overlay, until the next good build
(function () {
  "use strict";
  var script = document.currentScript;
  var since = script ? script.getAttribute("data-generation") : "0";
  var overlay = null;

  function hideOverlay() {
    if (overlay) {
      overlay.remove();
      overlay = null;
    }
  }

  function showOverlay(text) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "survey-serve-errors";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:0 0 auto 0;max-height:80vh;overflow:auto;z-index:2147483647;" +
        "margin:0;padding:1rem 1.25rem;background:#1e1e1e;color:#f4f4f4;" +
        "border-bottom:4px solid #e5484d;font:13px/1.45 ui-monospace,Menlo,Consolas,monospace;";
      var title = document.createElement("strong");
      title.textContent = "survey serve: the last change does not build. Showing the last good build.";
      var close = document.createElement("button");
      close.type = "button";
      close.textContent = "Dismiss";
      close.style.cssText = "float:right;font:inherit;";
      close.onclick = hideOverlay;
      // A div, not a pre: the site's own stylesheet must not restyle the message.
      var message = document.createElement("div");
      message.className = "survey-serve-diagnostics";
      message.style.cssText =
        "white-space:pre-wrap;margin:.75rem 0 0;padding:0;border:0;background:none;color:inherit;font:inherit;";
      overlay.append(close, title, message);
      document.body.append(overlay);
    }
    overlay.querySelector(".survey-serve-diagnostics").textContent = text;
  }

  // "style.1a2b3c4d5e.css" and "style.css" are both the stylesheet "style.css".
  function logicalName(href) {
    var path = new URL(href, location.href).pathname.replace(/^\//, "");
    return path.replace(/\.[0-9a-f]{10}\.css$/, ".css");
  }

  function swapStylesheets(urls, generation) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    links.forEach(function (link) {
      var next = urls[logicalName(link.href)];
      if (next) {
        link.href = next + (next.indexOf("?") < 0 ? "?v=" : "&v=") + generation;
      }
    });
  }

  var source = new EventSource("/__survey/events?since=" + encodeURIComponent(since));
  // Lets tests (and the curious) see that the page is listening.
  source.addEventListener("open", function () {
    window.__surveyLive = "open";
  });
  source.addEventListener("reload", function () {
    source.close();
    location.reload();
  });
  source.addEventListener("css", function (event) {
    var message = JSON.parse(event.data);
    since = String(message.generation);
    hideOverlay();
    swapStylesheets(message.stylesheets, message.generation);
  });
  source.addEventListener("errors", function (event) {
    showOverlay(event.data);
  });
  source.addEventListener("ok", hideOverlay);
})();
