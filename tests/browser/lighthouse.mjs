// Lighthouse (the npm package, not a service) on pages of a served site, in one Chrome
// (Debian's chromium, or CHROME_PATH) started once with every background-network
// feature off, so an audit run needs no network beyond 127.0.0.1.

import lighthouse from "lighthouse";
import desktopConfig from "lighthouse/core/config/desktop-config.js";
import * as chromeLauncher from "chrome-launcher";

const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
const CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/// Starts the one Chrome every audit of a run shares.
export async function launchChrome() {
  const chromePath = process.env.CHROME_PATH ?? process.env.CHROMIUM ?? "/usr/bin/chromium";
  return chromeLauncher.launch({ chromePath, chromeFlags: CHROME_FLAGS, logLevel: "error" });
}

/// Audits `url` with the `mobile` or `desktop` preset: scores (0-100) per category, the
/// cumulative layout shift, the DOM element count and the main-thread blocking time.
export async function audit(chrome, url, preset) {
  const flags = { port: chrome.port, output: "json", logLevel: "error", onlyCategories: CATEGORIES };
  const config = preset === "desktop" ? desktopConfig : undefined;
  const { lhr } = await lighthouse(url, flags, config);
  if (lhr.runtimeError) throw new Error(`${url} (${preset}): ${lhr.runtimeError.message}`);
  const scores = Object.fromEntries(CATEGORIES.map((id) => [id, Math.round((lhr.categories[id].score ?? 0) * 100)]));
  const numeric = (id) => lhr.audits[id]?.numericValue;
  const failing = (id) => (lhr.categories[id].auditRefs ?? [])
    .filter((ref) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 1)
    .map((ref) => ref.id);
  return {
    scores,
    cls: numeric("cumulative-layout-shift"),
    domElements: numeric("dom-size-insight") ?? numeric("dom-size"),
    blockingMs: numeric("total-blocking-time"),
    lcpMs: numeric("largest-contentful-paint"),
    failing: Object.fromEntries(CATEGORIES.map((id) => [id, failing(id)])),
  };
}
