// Small progressive enhancements; every page reads fully without this script.
(function () {
  "use strict";
  var root = document.documentElement;

  function currentTheme() {
    if (root.dataset.theme) return root.dataset.theme;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function setupThemeToggle() {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    var label = function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      button.textContent = next === "dark" ? "Dark theme" : "Light theme";
      button.setAttribute("aria-pressed", currentTheme() === "dark" ? "true" : "false");
    };
    button.hidden = false;
    label();
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem("survey-theme", next); } catch (e) { /* private mode */ }
      label();
    });
  }

  function setupCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 2000);
        });
      });
    });
  }

  function collapseSidebarOnPhones() {
    var sidebar = document.querySelector("details.sidebar");
    if (sidebar && window.matchMedia && window.matchMedia("(max-width: 59.99rem)").matches) {
      sidebar.open = false;
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupThemeToggle();
    setupCopyButtons();
    collapseSidebarOnPhones();
  });
})();
