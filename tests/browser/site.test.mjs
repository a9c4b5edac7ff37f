// Reader journeys in a real browser: Debian's chromium, driven by playwright-core.
// The real site is built under a GitHub Pages-like sub-path (/survey/) and served by a
// small static server that behaves like Pages (clean URLs, 404.html with status 404).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, existsSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname, normalize, resolve } from "node:path";
import { chromium } from "playwright-core";
import { createRequire } from "node:module";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const repo = resolve(import.meta.dirname, "../..");
const base = "/survey/";
const types = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".xml": "application/xml", ".json": "application/json", ".bib": "text/plain" };
let site, server, browser, origin;

function serve(dir) {
  return createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    const send = (file, status) => {
      response.writeHead(status, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      response.end(readFileSync(file));
    };
    if (!path.startsWith(base)) return send(join(dir, "404.html"), 404);
    let file = normalize(join(dir, path.slice(base.length)));
    if (!file.startsWith(dir)) return send(join(dir, "404.html"), 404);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    existsSync(file) ? send(file, 200) : send(join(dir, "404.html"), 404);
  });
}

before(async () => {
  site = mkdtempSync(join(tmpdir(), "survey-site-"));
  const binary = process.env.SURVEY_BIN ?? join(repo, "target/release/survey");
  execFileSync(binary, ["build", "--output", site, "--base-url", "https://example.github.io/survey/"], { cwd: repo, stdio: "inherit" });
  server = serve(site);
  await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

async function page(options = {}) {
  const context = await browser.newContext(options);
  const tab = await context.newPage();
  const errors = [];
  tab.on("pageerror", (error) => errors.push(error.message));
  tab.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  return { tab, context, errors };
}

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

const statusCount = async (tab) => {
  const status = tab.getByTestId("search-status");
  await assert.doesNotReject(status.filter({ hasText: /^\d+ (papers?|results?)/ }).waitFor());
  return Number((await status.textContent()).match(/^\d+/)[0]);
};

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
  const papers = await tab.getByTestId("paper-row").count();
  await tab.goto(`${origin}${base}search/`);
  assert.equal(await statusCount(tab), papers);
  const years = tab.getByTestId("facet-year").getByRole("checkbox");
  assert.ok((await years.count()) > 1);
  const counts = await tab.getByTestId("facet-year").locator(".count").allTextContents();
  assert.deepEqual(counts.map(Number), [...counts.map(Number)].sort((a, b) => b - a), "most results first");
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

test("the papers table sorts and filters in place", async () => {
  const { tab, context, errors } = await page();
  await tab.goto(`${origin}${base}papers/`);
  const rows = tab.getByTestId("paper-row");
  const total = await rows.count();
  await tab.getByRole("combobox", { name: "Year" }).selectOption("2022");
  const visible = tab.locator("[data-testid=paper-row]:visible");
  const years = await visible.evaluateAll((trs) => trs.map((tr) => tr.dataset.year));
  assert.ok(years.length > 0 && years.length < total);
  assert.ok(years.every((y) => y === "2022"));
  await assert.doesNotReject(tab.getByTestId("papers-status").filter({ hasText: `${years.length} of ${total}` }).waitFor());
  await tab.getByTestId("sort-title").click();
  assert.equal(await tab.locator("th[data-sort=title]").getAttribute("aria-sort"), "ascending");
  const titles = await visible.evaluateAll((trs) => trs.map((tr) => tr.cells[0].textContent.trim().toLowerCase()));
  assert.deepEqual(titles, [...titles].sort());
  assert.deepEqual(errors, []);
  await context.close();
});

test("without JavaScript the paper table is complete and the search page says what to do", async () => {
  const { tab, context } = await page({ javaScriptEnabled: false });
  await tab.goto(`${origin}${base}papers/`);
  assert.equal(await tab.locator("[data-testid=paper-row]:visible").count(), await tab.getByTestId("paper-row").count());
  assert.equal(await tab.getByTestId("papers-controls").isVisible(), false);
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
