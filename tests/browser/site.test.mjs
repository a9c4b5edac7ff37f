// Reader journeys in a real browser: Debian's chromium, driven by playwright-core, on
// the real site as harness.mjs builds and serves it.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { startSite, base, launchChromium, openPage, statusCount } from "./harness.mjs";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let site, browser, origin;

before(async () => {
  site = await startSite();
  origin = site.origin;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  site?.close();
});

const page = (options) => openPage(browser, options);

test("a reader follows a citation from a chapter to the paper page and back", async () => {
  const { tab, context, errors } = await page();
  await tab.goto(`${origin}${base}`);
  await tab.getByRole("navigation", { name: "Survey chapters" }).getByRole("link", { name: "Offline Human Alignment" }).click();
  await tab.waitForURL(`${origin}${base}training/offline/`);
  const citation = tab.locator("main .prose a.citation", { hasText: "Rafailov et al., 2023" }).first();
  await citation.click();
  await tab.waitForURL(`${origin}${base}papers/rafailov2023direct/`);
  await assert.doesNotReject(tab.getByRole("heading", { level: 1, name: /Direct Preference Optimization/ }).waitFor());
  const places = tab.locator("[data-testid=mentions] > li > a");
  assert.ok((await places.count()) >= 2, "the paper is discussed in several places");
  const backToChapter = places.filter({ hasText: "Offline Human Alignment" }).first();
  await backToChapter.click();
  await tab.waitForURL(/training\/offline\/#/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("every chapter link in the sidebar opens a page with a title", async () => {
  const { tab, context } = await page();
  await tab.goto(`${origin}${base}`);
  const links = await tab.getByRole("navigation", { name: "Survey chapters" }).getByRole("link").evaluateAll((as) => as.map((a) => a.href));
  assert.ok(links.length >= 17, `${links.length} links: every chapter and section`);
  for (const link of links) {
    const response = await tab.goto(link);
    assert.equal(response.status(), 200, link);
    assert.ok((await tab.locator("h1").textContent()).trim().length > 0, link);
  }
  await context.close();
});

test("on a phone the pages do not scroll sideways", async () => {
  const { tab, context } = await page({ viewport: { width: 375, height: 800 }, isMobile: true });
  for (const path of ["", "training/offline/", "papers/rafailov2023direct/", "papers/", "evaluation/benchmarks/"]) {
    await tab.goto(`${origin}${base}${path}`);
    const overflow = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path || "home"} overflows by ${overflow}px`);
  }
  await context.close();
});

test("the theme toggle switches to dark and is remembered across pages", async () => {
  const { tab, context } = await page({ colorScheme: "light" });
  await tab.goto(`${origin}${base}`);
  const background = () => tab.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  await tab.getByTestId("theme-toggle").click();
  assert.equal(await tab.evaluate(() => document.documentElement.dataset.theme), "dark");
  assert.notEqual(await background(), light);
  await tab.goto(`${origin}${base}papers/`);
  assert.equal(await tab.evaluate(() => document.documentElement.dataset.theme), "dark");
  await context.close();
});

test("the BibTeX copy button works from the keyboard", async () => {
  const { tab, context } = await page();
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  await tab.goto(`${origin}${base}papers/rafailov2023direct/`);
  const button = tab.getByTestId("copy-bibtex");
  await button.focus();
  await tab.keyboard.press("Enter");
  await assert.doesNotReject(tab.getByText("Copied").first().waitFor({ timeout: 5000 }));
  const copied = await tab.evaluate(() => navigator.clipboard.readText());
  assert.match(copied, /^@\w+\{rafailov2023direct,/);
  await context.close();
});

test("the skip link is the first stop for keyboard users and is visible", async () => {
  const { tab, context } = await page();
  await tab.goto(`${origin}${base}training/`);
  await tab.keyboard.press("Tab");
  const focused = await tab.evaluate(() => ({ text: document.activeElement.textContent, left: document.activeElement.getBoundingClientRect().left }));
  assert.equal(focused.text, "Skip to content");
  assert.ok(focused.left >= 0, "visible when focused");
  await context.close();
});

test("unknown addresses show the site's 404 page with working links", async () => {
  const { tab, context } = await page();
  const response = await tab.goto(`${origin}${base}no/such/page/`);
  assert.equal(response.status(), 404);
  await tab.getByRole("link", { name: "Go to the home page" }).click();
  await tab.waitForURL(`${origin}${base}`);
  await context.close();
});

// ---- Search, filters and listings (Pagefind's index, our own search script).

test("the header search finds a paper by its title words, the paper first", async () => {
  const { tab, context, errors } = await page();
  await tab.goto(`${origin}${base}training/`);
  const box = tab.getByRole("search", { name: "Site search" }).getByRole("searchbox");
  await box.fill("direct preference");
  await box.press("Enter");
  await tab.waitForURL(`${origin}${base}search/?q=direct+preference`);
  assert.ok((await statusCount(tab)) > 1);
  const first = tab.getByTestId("result").first();
  assert.match(await first.getByRole("link").textContent(), /^Direct Preference Optimization/);
  assert.equal(await first.getByRole("link").getAttribute("href"), `${base}papers/rafailov2023direct/`);
  assert.ok((await first.locator(".result-excerpt mark").count()) > 0, "the excerpt marks the words");
  assert.deepEqual(errors, []);
  await context.close();
});

test("an empty search lists every paper and each facet value narrows it to its count", async () => {
  const { tab, context, errors } = await page();
  await tab.goto(`${origin}${base}papers/`);
  const papers = Number(await tab.getByTestId("papers-count").textContent());
  await tab.goto(`${origin}${base}search/`);
  assert.equal(await statusCount(tab), papers);
  const years = tab.getByTestId("facet-year").getByRole("checkbox");
  assert.ok((await years.count()) > 1);
  const shownYears = (await tab.getByTestId("facet-year").locator(".facet-name").allTextContents()).map(Number);
  assert.deepEqual(shownYears, [...shownYears].sort((a, b) => b - a), "newest year first");
  const venueCounts0 = (await tab.getByTestId("facet-venue").locator(".count").allTextContents()).map(Number);
  assert.deepEqual(venueCounts0, [...venueCounts0].sort((a, b) => b - a), "venues with most results first");
  const second = tab.getByTestId("facet-year").locator("li").nth(1);
  const [year, count] = [await second.locator(".facet-name").textContent(), Number(await second.locator(".count").textContent())];
  // The facet lists redraw after a choice (here leaving a single year), so click once
  // instead of check(), which would re-verify a checkbox that no longer exists.
  await second.getByRole("checkbox").click();
  await tab.waitForURL(new RegExp(`year=${year}`));
  await assert.doesNotReject(tab.getByTestId("search-status").filter({ hasText: `${count} paper` }).waitFor());
  assert.equal(await years.count(), 1, "other years would leave no result and are hidden");
  const venueCounts = await tab.getByTestId("facet-venue").locator(".count").allTextContents();
  assert.ok(venueCounts.every((n) => Number(n) > 0 && Number(n) <= count));
  await tab.getByTestId("clear-filters").click();
  assert.equal(await statusCount(tab), papers);
  assert.deepEqual(errors, []);
  await context.close();
});

// Every row of every page of one order of the all-papers table, following "Next".
async function tableRows(tab, firstUrl) {
  const rows = [];
  let url = firstUrl;
  while (url) {
    await tab.goto(url);
    rows.push(...(await tab.getByTestId("paper-row").evaluateAll((trs) => trs.map((tr) => ({
      href: tr.querySelector("a").getAttribute("href"),
      title: tr.cells[0].textContent.trim(),
      year: Number(tr.dataset.year),
    })))));
    const next = tab.locator("[data-testid=papers-pager] a[rel=next]");
    url = (await next.count()) ? new URL(await next.getAttribute("href"), origin).href : null;
  }
  return rows;
}

test("without JavaScript the paper table pages through every paper, newest first or by title", async () => {
  const { tab, context } = await page({ javaScriptEnabled: false });
  await tab.goto(`${origin}${base}papers/`);
  const total = Number(await tab.getByTestId("papers-count").textContent());
  const newest = await tableRows(tab, `${origin}${base}papers/`);
  assert.equal(newest.length, total, "every paper once");
  assert.equal(new Set(newest.map((r) => r.href)).size, total);
  assert.ok(newest.every((r, i) => i === 0 || newest[i - 1].year >= r.year), "newest first");
  await tab.goto(`${origin}${base}papers/`);
  await tab.getByTestId("sort-title").click();
  await tab.waitForURL(`${origin}${base}papers/by-title/`);
  assert.equal(await tab.locator("th[aria-sort]").textContent(), "Title");
  const byTitle = await tableRows(tab, tab.url());
  assert.deepEqual([...byTitle.map((r) => r.href)].sort(), [...newest.map((r) => r.href)].sort(), "the same papers");
  const titles = byTitle.map((r) => r.title.toLowerCase());
  assert.ok(titles.every((t, i) => i === 0 || titles[i - 1] <= t), "titles A to Z");
  await tab.goto(`${origin}${base}search/?q=dpo`);
  assert.ok(await tab.getByRole("link", { name: "all papers" }).first().isVisible());
  await context.close();
});

test("an author's page lists their papers and is linked from the paper page", async () => {
  const { tab, context } = await page();
  await tab.goto(`${origin}${base}papers/rafailov2023direct/`);
  await tab.getByTestId("authors").getByRole("link", { name: "Chelsea Finn" }).click();
  await tab.waitForURL(`${origin}${base}authors/chelsea-finn/`);
  assert.match(await tab.locator("h1").textContent(), /Papers by Chelsea Finn/);
  assert.ok((await tab.getByTestId("paper-item").count()) >= 1);
  await context.close();
});

test("without the Clipboard API the copy button selects the BibTeX and announces it", async () => {
  const { tab, context, errors } = await page();
  await tab.addInitScript(() => Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined }));
  await tab.goto(`${origin}${base}papers/rafailov2023direct/`);
  await tab.getByTestId("copy-bibtex").focus();
  await tab.keyboard.press("Enter");
  const status = tab.locator(".copyable [role=status]");
  await assert.doesNotReject(status.filter({ hasText: /Copied|Selected/ }).waitFor({ timeout: 5000 }));
  const selected = await tab.evaluate(() => window.getSelection().toString());
  assert.match(selected, /^@\w+\{rafailov2023direct,/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("formulas display as MathML with JavaScript turned off", async () => {
  const { tab, context } = await page({ javaScriptEnabled: false });
  await tab.goto(`${origin}${base}training/offline/`);
  const formula = tab.locator("math[display=block]").first();
  const box = await formula.boundingBox();
  assert.ok(box && box.width > 200 && box.height > 30, `rendered as a block formula: ${JSON.stringify(box)}`);
  assert.equal(await tab.locator("math[display=block] mfrac").count(), 2);
  await context.close();
});

// axe-core, an accessibility checker nobody here wrote, with the WCAG 2.1 A/AA rules, on
// every kind of page in both themes and at phone and desktop widths.
test("pages have no WCAG 2.1 AA violations found by axe-core", async () => {
  const paths = ["", "training/offline/", "evaluation/", "papers/rafailov2023direct/", "papers/", "authors/", "years/", "search/?q=preference", "404.html"];
  const problems = [];
  for (const [colorScheme, width] of [["light", 1280], ["dark", 375]]) {
    const { tab, context } = await page({ colorScheme, viewport: { width, height: 900 } });
    for (const path of paths) {
      await tab.goto(`${origin}${base}${path}`);
      if (path.startsWith("search")) await tab.getByTestId("result").first().waitFor();
      await tab.addScriptTag({ content: axeSource });
      const violations = await tab.evaluate(async () => {
        const result = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
        return result.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(" ")}`);
      });
      for (const violation of violations) problems.push(`${colorScheme} ${width}px /${path}: ${violation}`);
    }
    await context.close();
  }
  assert.deepEqual(problems, []);
});

test("the venue filter joins a series' editions: every NeurIPS paper is one choice", async () => {
  const { tab, context, errors } = await page();
  await tab.goto(`${origin}${base}venues/`);
  const entries = await tab.locator(".index-list li").evaluateAll((lis) => lis.map((li) => [li.querySelector("a").textContent, Number(li.querySelector(".count").textContent)]));
  const neurips = entries.filter(([name]) => /^NeurIPS \d{4}\b/.test(name));
  assert.ok(neurips.length >= 2, `several NeurIPS editions: ${JSON.stringify(neurips)}`);
  const expected = neurips.reduce((sum, [, count]) => sum + count, 0);
  await tab.goto(`${origin}${base}search/?venue=NeurIPS`);
  await assert.doesNotReject(tab.getByTestId("search-status").filter({ hasText: `${expected} paper` }).waitFor());
  const shown = await tab.getByTestId("facet-venue").locator(".facet-name").allTextContents();
  assert.ok(shown.includes("NeurIPS") && !shown.some((v) => /^NeurIPS \d/.test(v)), `one NeurIPS value: ${shown}`);
  assert.deepEqual(errors, []);
  await context.close();
});
