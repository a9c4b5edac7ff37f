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
    label();
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try { localStorage.setItem("survey-theme", next); } catch (e) { /* private mode */ }
      label();
    });
  }

  // Copy buttons: the Clipboard API where the browser offers it, else select the text
  // and ask the browser to copy it, else leave it selected and say how to copy.
  // Every outcome is announced through the button's role="status" sibling.
  function selectContents(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyBySelection(element) {
    selectContents(element);
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  function setupCopyButton(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var status = button.parentNode.querySelector("[role=status]");
    var label = button.textContent;
    var timer = null;
    function announce(message, copied) {
      button.textContent = copied ? "Copied" : label;
      if (status) status.textContent = message;
      clearTimeout(timer);
      timer = setTimeout(function () {
        button.textContent = label;
        if (status) status.textContent = "";
      }, 3000);
    }
    function fallback() {
      if (copyBySelection(source)) announce("Copied", true);
      else announce("Selected: press Ctrl+C (Command+C on a Mac) to copy", false);
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.textContent).then(function () {
          announce("Copied", true);
        }, fallback);
      } else {
        fallback();
      }
    });
  }

  function setupCopyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(setupCopyButton);
  }

  // On phones the head script marked the contents as closed before the first paint
  // (class nav-closed hides them), so closing the <details> now moves nothing.
  function collapseSidebarOnPhones() {
    var sidebar = document.querySelector("details.sidebar");
    if (sidebar && root.classList.contains("nav-closed")) sidebar.open = false;
    root.classList.remove("nav-closed");
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupThemeToggle();
    setupCopyButtons();
    collapseSidebarOnPhones();
  });
})();
