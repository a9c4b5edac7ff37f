// The search page: a small client for Pagefind's browser API, loaded only on this page.
// Without a query it lists every paper (newest first), so the filters double as a way to
// browse. Filters combine with AND; each value shows how many results it would leave,
// years are listed newest first and other values by that count, and values that would
// leave none are hidden. The venue filter holds a venue's series (crate::venue). The
// query and filters live in the URL, so a search can be bookmarked and shared.
(function () {
  "use strict";
  var FACETS = ["year", "venue", "topic", "author"];
  var PAGE_SIZE = 20;
  var VALUES_SHOWN = 8;

  var root = document.querySelector('[data-testid="search"]');
  if (!root) return;
  var input = root.querySelector('[data-testid="search-input"]');
  var form = root.querySelector('[data-testid="search-form"]');
  var status = root.querySelector('[data-testid="search-status"]');
  var list = root.querySelector('[data-testid="results"]');
  var more = root.querySelector('[data-testid="more-results"]');
  var aside = root.querySelector('[data-testid="facets"]');
  var clear = root.querySelector('[data-testid="clear-filters"]');

  var state = readUrl();
  var expanded = {};
  var pagefind = null;
  var results = [];
  var total = 0;
  var shown = 0;
  // A large site is indexed in several bundles, newest papers in the first; each
  // carries the filter `bundle` with its number. Pagefind sorts results by date
  // within one bundle only, so a list by date is fetched bundle after bundle.
  var bundles = 1;
  var nextBundle = 0;
  var browse = null;
  var generation = 0;
  var timer = null;

  function readUrl() {
    var params = new URLSearchParams(window.location.search);
    var filters = {};
    FACETS.forEach(function (facet) {
      var values = params.getAll(facet).filter(Boolean);
      if (values.length) filters[facet] = values;
    });
    return { q: (params.get("q") || "").trim(), filters: filters };
  }

  function writeUrl() {
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    FACETS.forEach(function (facet) {
      (state.filters[facet] || []).forEach(function (value) { params.append(facet, value); });
    });
    var query = params.toString();
    window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Runs the current search; a newer run makes older ones stop drawing.
  function run() {
    var mine = ++generation;
    var filters = {};
    Object.keys(state.filters).forEach(function (facet) { filters[facet] = state.filters[facet]; });
    var options = { filters: filters };
    if (!state.q) {
      filters.type = "paper";
      options.sort = { date: "desc" };
    }
    status.textContent = "Searching…";
    return pagefind.search(state.q || null, options).then(function (response) {
      if (mine !== generation) return;
      var byBundle = !state.q && bundles > 1;
      total = response.results.length;
      results = byBundle ? [] : response.results;
      nextBundle = byBundle ? 0 : bundles;
      browse = options;
      shown = 0;
      list.replaceChildren();
      drawFacets(response.filters || {});
      return showMore(mine).then(function () { describe(); });
    });
  }

  // Fetches the next bundles' lists by date until `wanted` results are at hand.
  function fill(mine, wanted) {
    if (results.length >= wanted || nextBundle >= bundles) return Promise.resolve();
    var filters = Object.assign({}, browse.filters, { bundle: String(nextBundle++) });
    return pagefind.search(null, { filters: filters, sort: browse.sort }).then(function (response) {
      if (mine !== generation) return;
      results = results.concat(response.results);
      return fill(mine, wanted);
    });
  }

  // One batch at a time: a second click while one loads would show it twice.
  var loading = null;

  function showMore(mine) {
    if (loading && loading.mine === mine) return loading.promise;
    var promise = nextBatch(mine);
    loading = { mine: mine, promise: promise };
    return promise.finally(function () {
      if (loading && loading.promise === promise) loading = null;
    });
  }

  function nextBatch(mine) {
    return fill(mine, shown + PAGE_SIZE).then(function () {
      if (mine !== generation) return;
      var batch = results.slice(shown, shown + PAGE_SIZE);
      return Promise.all(batch.map(function (result) { return result.data(); }));
    }).then(function (pages) {
      if (!pages || mine !== generation) return;
      pages.forEach(function (page) { list.append(resultItem(page)); });
      shown += pages.length;
      more.hidden = shown >= total;
    });
  }

  function resultItem(page) {
    var meta = page.meta || {};
    var item = element("li", "result");
    item.setAttribute("data-testid", "result");
    var link = element("a", "result-title", meta.title || page.url);
    link.href = page.url;
    item.append(link);
    var facts = [shortAuthors(meta.authors), meta.year, meta.venue].filter(Boolean);
    item.append(element("p", "result-meta", facts.length ? facts.join(" · ") : "Survey text"));
    if (state.q && page.excerpt) {
      var excerpt = element("p", "result-excerpt");
      // Pagefind escapes the page text and only adds <mark> around matched words.
      excerpt.innerHTML = page.excerpt;
      item.append(excerpt);
    }
    return item;
  }

  // "A, B, C, D" -> "A, B, C et al.", as the site's paper lists write it.
  function shortAuthors(authors) {
    if (!authors) return "";
    var names = authors.replace(/ et al\.$/, "").split(", ");
    return names.length > 3 || / et al\.$/.test(authors)
      ? names.slice(0, 3).join(", ") + " et al." : authors;
  }

  function describe() {
    var count = total;
    var noun = state.q ? (count === 1 ? "result" : "results") : (count === 1 ? "paper" : "papers");
    var text = count + " " + noun + (state.q ? " for “" + state.q + "”" : "");
    var chosen = [];
    FACETS.forEach(function (facet) {
      (state.filters[facet] || []).forEach(function (value) { chosen.push(facet + " " + value); });
    });
    if (chosen.length) text += ", filtered by " + chosen.join(", ");
    status.textContent = text + ".";
  }

  function drawFacets(counts) {
    var focused = document.activeElement;
    var refocus = focused && focused.name && focused.closest && focused.closest(".facet")
      ? { facet: focused.name, value: focused.value } : null;
    FACETS.forEach(function (facet) { drawFacet(facet, counts[facet] || {}); });
    aside.hidden = false;
    clear.hidden = Object.keys(state.filters).length === 0;
    if (refocus) {
      var again = Array.prototype.find.call(aside.querySelectorAll("input"), function (box) {
        return box.name === refocus.facet && box.value === refocus.value;
      });
      if (again) again.focus();
    }
  }

  // Years read naturally newest first; other values by the results they would leave.
  function newestFirst(a, b) { return Number(b[0]) - Number(a[0]); }
  function mostResultsFirst(a, b) { return b[1] - a[1] || a[0].localeCompare(b[0]); }

  function drawFacet(facet, counts) {
    var box = aside.querySelector('[data-facet="' + facet + '"]');
    var selected = state.filters[facet] || [];
    var values = Object.keys(counts)
      .filter(function (value) { return counts[value] > 0 || selected.indexOf(value) >= 0; })
      .map(function (value) { return [value, counts[value]]; });
    selected.forEach(function (value) {
      if (!(value in counts)) values.push([value, 0]);
    });
    values.sort(facet === "year" ? newestFirst : mostResultsFirst);
    var limit = expanded[facet] ? values.length : VALUES_SHOWN;
    var ul = box.querySelector("ul");
    ul.replaceChildren.apply(ul, values.slice(0, limit).map(function (entry) {
      return facetValue(facet, entry[0], entry[1], selected.indexOf(entry[0]) >= 0);
    }));
    var toggle = box.querySelector(".facet-toggle");
    if (toggle) toggle.remove();
    if (values.length > VALUES_SHOWN) box.append(facetToggle(facet, values.length));
    box.hidden = values.length === 0;
  }

  function facetValue(facet, value, count, checked) {
    var item = element("li");
    var label = element("label");
    var box = element("input");
    box.type = "checkbox";
    box.name = facet;
    box.value = value;
    box.checked = checked;
    box.addEventListener("change", function () { choose(facet, value, box.checked); });
    label.append(box, " ", element("span", "facet-name", value), " ", element("span", "count", String(count)));
    item.append(label);
    return item;
  }

  function facetToggle(facet, total) {
    var button = element("button", "facet-toggle", expanded[facet] ? "Show fewer" : "Show all " + total);
    button.type = "button";
    button.setAttribute("aria-expanded", expanded[facet] ? "true" : "false");
    button.addEventListener("click", function () {
      expanded[facet] = !expanded[facet];
      run().then(function () {
        var again = aside.querySelector('[data-facet="' + facet + '"] .facet-toggle');
        if (again) again.focus();
      });
    });
    return button;
  }

  function choose(facet, value, on) {
    var values = (state.filters[facet] || []).filter(function (v) { return v !== value; });
    if (on) values.push(value);
    if (values.length) state.filters[facet] = values; else delete state.filters[facet];
    writeUrl();
    run();
  }

  function unavailable() {
    status.replaceChildren(
      "Search is not available in this build of the site. Browse ",
      linkTo("papers/", "all papers"),
      " instead."
    );
  }

  function linkTo(path, text) {
    var link = element("a", null, text);
    link.href = root.getAttribute("data-pagefind-url").replace(/pagefind\/pagefind\.js$/, path);
    return link;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    state.q = input.value.trim();
    writeUrl();
    if (pagefind) run();
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      state.q = input.value.trim();
      writeUrl();
      if (pagefind) run();
    }, 250);
  });
  more.addEventListener("click", function () {
    var next = list.children.length;
    showMore(generation).then(function () {
      var first = list.children[next] && list.children[next].querySelector("a");
      if (first) first.focus();
    });
  });
  clear.addEventListener("click", function () {
    state.filters = {};
    writeUrl();
    run().then(function () { input.focus(); });
  });

  input.value = state.q;
  var pagefindUrl = root.getAttribute("data-pagefind-url");
  var bundleBase = pagefindUrl.replace(/pagefind\.js$/, "");
  var EXCERPT = 24;
  // parts.json lists the bundles after the first; merged into it, all are searched
  // as one index.
  function mergeParts(module) {
    return fetch(bundleBase + "parts.json")
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (parts) {
        bundles = parts.length + 1;
        return Promise.all(parts.map(function (part, i) {
          return module.mergeIndex(bundleBase + part, { excerptLength: EXCERPT, mergeFilter: { bundle: String(i + 1) } });
        }));
      });
  }
  import(pagefindUrl).then(function (module) {
    // filters() loads every filter index once; searches then count every facet.
    return module.options({ excerptLength: EXCERPT, mergeFilter: { bundle: "0" } })
      .then(function () { return mergeParts(module); })
      .then(function () { pagefind = module; return module.filters(); })
      .then(run);
  }).catch(unavailable);
})();
