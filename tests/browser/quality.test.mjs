// Web-quality budgets (budgets.json) on the real site as harness.mjs builds and serves
// it: the Nu HTML Checker over every page, the all-papers page's weight and DOM size,
// layout shift on every page kind in both themes, at phone and desktop widths, with
// and without JavaScript, and Lighthouse's four category scores with the mobile and
// desktop presets. Each test collects every miss, then fails once listing them all.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { startSite, base } from "./harness.mjs";
import { launchChrome, audit } from "./lighthouse.mjs";

const budgets = JSON.parse(readFileSync(new URL("./budgets.json", import.meta.url), "utf8"));
const kinds = Object.entries(budgets.pages);
let site;

before(async () => {
  site = await startSite();
});

after(() => site?.close());

// One JVM for the whole folder: starting Java per page would take minutes.
test("the Nu HTML Checker finds no error on any page", async () => {
  const jar = createRequire(import.meta.url).resolve("vnu-jar/build/dist/vnu.jar");
  const run = promisify(execFile);
  const args = ["-jar", jar, "--skip-non-html", "--errors-only", "--format", "json", site.dir];
  const report = await run("java", args, { maxBuffer: 64 << 20 }).then(
    ({ stderr }) => stderr,
    (failure) => failure.stderr,
  );
  const messages = JSON.parse(report || '{"messages": []}').messages;
  const errors = messages
    .filter((m) => m.type === "error" || m.subType === "fatal")
    .map((m) => `${m.url.replace(`file:${site.dir}`, "")}:${m.lastLine}: ${m.message}`);
  assert.deepEqual(errors.slice(0, 50), [], `${errors.length} errors`);
});

test("the all-papers page stays within its page weight and DOM size", async () => {
  const { path, maxHtmlBytes, maxDomElements } = budgets.allPapers;
  const bytes = statSync(join(site.dir, path, "index.html")).size;
  assert.ok(bytes <= maxHtmlBytes, `${path}: ${bytes} bytes of HTML, budget ${maxHtmlBytes}`);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const tab = await browser.newPage();
    await tab.goto(`${site.origin}${base}${path}`, { waitUntil: "load" });
    const elements = await tab.evaluate(() => document.getElementsByTagName("*").length);
    assert.ok(elements > 100, `${path} has its rows (${elements} elements)`);
    assert.ok(elements <= maxDomElements, `${path}: ${elements} DOM elements, budget ${maxDomElements}`);
  } finally {
    await browser.close();
  }
});

// Layout shifts as Chrome's performance timeline reports them over the DevTools
// protocol, which works with the page's JavaScript off too. Every shift counts (not
// only the worst session window, as Lighthouse's CLS does), and the page is given
// time for its scripts to finish (the search page: its first results).
async function layoutShift(tab, path, javaScript) {
  const cdp = await tab.context().newCDPSession(tab);
  let total = 0;
  cdp.on("PerformanceTimeline.timelineEventAdded", ({ event }) => {
    const shift = event.layoutShiftDetails;
    if (shift && !shift.hadRecentInput) total += shift.value;
  });
  await cdp.send("PerformanceTimeline.enable", { eventTypes: ["layout-shift"] });
  await tab.goto(`${site.origin}${base}${path}`, { waitUntil: "load" });
  if (javaScript && path.startsWith("search/")) await tab.locator("[data-testid=result]").first().waitFor();
  await tab.waitForTimeout(500);
  await cdp.detach();
  return total;
}

test("no page kind shifts its layout: phone and desktop, light and dark, with and without JavaScript", async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  const problems = [];
  try {
    for (const width of [375, 1280]) {
      for (const colorScheme of ["light", "dark"]) {
        for (const javaScriptEnabled of [true, false]) {
          const context = await browser.newContext({ viewport: { width, height: 800 }, isMobile: width < 600, colorScheme, javaScriptEnabled });
          const tab = await context.newPage();
          for (const [kind, path] of kinds) {
            const shift = await layoutShift(tab, path, javaScriptEnabled);
            if (!(shift < budgets.maxCls)) problems.push(`${kind} (${width}px, ${colorScheme}, JS ${javaScriptEnabled ? "on" : "off"}): layout shift ${shift.toFixed(3)}`);
          }
          await context.close();
        }
      }
    }
  } finally {
    await browser.close();
  }
  assert.deepEqual(problems, []);
});

test("Lighthouse scores every page kind at or above the budget, mobile and desktop", async (t) => {
  const { minScore, seoExempt, presets, attempts } = budgets.lighthouse;
  const chrome = await launchChrome();
  const problems = [];
  // Scores below the budget on one run are audited again (at most `attempts` runs in
  // all) and the best run counts: Performance is timed on a shared 2-core machine, and
  // one slow run is the machine's, not the page's.
  const below = (result, kind) =>
    Object.entries(minScore)
      .filter(([category]) => !(category === "seo" && seoExempt.includes(kind)))
      .filter(([category, min]) => result.scores[category] < min);
  try {
    for (const preset of presets) {
      for (const [kind, path] of kinds) {
        let result = await audit(chrome, `${site.origin}${base}${path}`, preset);
        for (let run = 1; run < attempts && below(result, kind).length > 0; run++) {
          const again = await audit(chrome, `${site.origin}${base}${path}`, preset);
          if (below(again, kind).length < below(result, kind).length) result = again;
        }
        const scores = Object.entries(result.scores).map(([category, score]) => `${category} ${score}`);
        t.diagnostic(`${kind} (${preset}): ${scores.join(", ")}, CLS ${result.cls.toFixed(3)}`);
        for (const [category, min] of below(result, kind)) {
          const score = result.scores[category];
          problems.push(`${kind} (${preset}) ${category} ${score} < ${min}: ${result.failing[category].join(", ")}`);
        }
        if (!(result.cls < budgets.maxCls)) problems.push(`${kind} (${preset}) CLS ${result.cls.toFixed(3)}`);
      }
    }
  } finally {
    await chrome.kill();
  }
  assert.deepEqual(problems, []);
});
