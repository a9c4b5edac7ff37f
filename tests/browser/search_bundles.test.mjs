// The search page of a site indexed in several Pagefind bundles (a large survey's):
// the real site built with a small bundle size, so that its papers span several.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startSite, base, launchChromium, openPage, statusCount } from "./harness.mjs";

let site, browser, origin;

before(async () => {
  site = await startSite({ env: { SURVEY_SEARCH_PAGES_PER_BUNDLE: "40" } });
  origin = site.origin;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  site?.close();
});

const page = () => openPage(browser);

test("the site is split into several bundles", () => {
  const parts = JSON.parse(readFileSync(join(site.dir, "pagefind/parts.json"), "utf8"));
  assert.ok(parts.length >= 4, `parts: ${parts}`);
});

test("an empty search over every bundle lists every paper once, newest first", async () => {
  const { tab, context, errors } = await page();
  await tab.goto(`${origin}${base}papers/`);
  const papers = Number(await tab.getByTestId("papers-count").textContent());
  await tab.goto(`${origin}${base}search/`);
  assert.equal(await statusCount(tab), papers);
  // Two clicks at once show one more batch, not the same one twice.
  await tab.getByTestId("more-results").evaluate((button) => { button.click(); button.click(); });
  await tab.waitForFunction(() => document.querySelectorAll("[data-testid=result]").length >= 40);
  // Show results until they span at least three bundles of 40 pages.
  const more = tab.getByTestId("more-results");
  while ((await tab.getByTestId("result").count()) < 130 && (await more.isVisible())) {
    const before = await tab.getByTestId("result").count();
    await more.click();
    await tab.waitForFunction((n) => document.querySelectorAll("[data-testid=result]").length > n, before);
  }
  const shown = await tab.getByTestId("result").evaluateAll((items) => items.map((item) => ({
    href: item.querySelector("a").getAttribute("href"),
    year: Number(item.querySelector(".result-meta").textContent.match(/\b(19|20)\d\d\b/)[0]),
  })));
  assert.ok(shown.length >= 130, `${shown.length} shown`);
  assert.equal(new Set(shown.map((r) => r.href)).size, shown.length, "each paper once");
  const years = shown.map((r) => r.year);
  assert.deepEqual(years, [...years].sort((a, b) => b - a), "newest first across bundles");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a query finds its paper first, and a year filter lists that year's papers from every bundle", async () => {
  const { tab, context, errors } = await page();
  await tab.goto(`${origin}${base}search/?q=direct+preference`);
  assert.ok((await statusCount(tab)) > 1);
  const first = tab.getByTestId("result").first();
  assert.match(await first.getByRole("link").textContent(), /^Direct Preference Optimization/);
  assert.ok((await first.locator(".result-excerpt mark").count()) > 0, "the excerpt marks the words");
  await tab.goto(`${origin}${base}search/`);
  await statusCount(tab);
  // The year with the most papers: they span several bundles.
  const years = tab.getByTestId("facet-year").locator("li");
  const rows = await years.evaluateAll((items) => items.map((li) => [li.querySelector(".facet-name").textContent, Number(li.querySelector(".count").textContent)]));
  const [year, count] = rows.reduce((a, b) => (b[1] > a[1] ? b : a));
  assert.ok(count > 40, `${year}: ${count}`);
  await years.filter({ hasText: year }).getByRole("checkbox").click();
  await tab.waitForURL(new RegExp(`year=${year}`));
  assert.equal(await statusCount(tab), count);
  const more = tab.getByTestId("more-results");
  while (await more.isVisible()) {
    const before = await tab.getByTestId("result").count();
    await more.click();
    await tab.waitForFunction((n) => document.querySelectorAll("[data-testid=result]").length > n, before);
  }
  const shown = await tab.getByTestId("result").evaluateAll((items) => items.map((item) => item.querySelector(".result-meta").textContent));
  assert.equal(shown.length, count, "every paper of the year, once");
  assert.ok(shown.every((meta) => meta.includes(year)), "only that year");
  assert.deepEqual(errors, []);
  await context.close();
});
