// Prints the Lighthouse table of docs/quality.md for a built site (or the real site,
// built by harness.mjs): node lighthouse-table.mjs [mobile|desktop ...] [kind ...]
// SURVEY_SITE=folder serves an existing build; the page kinds come from budgets.json.

import { readFileSync } from "node:fs";
import { startSite, base } from "./harness.mjs";
import { launchChrome, audit } from "./lighthouse.mjs";

const budgets = JSON.parse(readFileSync(new URL("./budgets.json", import.meta.url), "utf8"));
const args = process.argv.slice(2);
const presets = args.filter((a) => a === "mobile" || a === "desktop");
const kinds = args.filter((a) => !presets.includes(a));
const site = await startSite();
const chrome = await launchChrome();
try {
  console.log("| page | preset | Performance | Accessibility | Best practices | SEO | CLS | TBT ms | LCP ms | DOM elements |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const preset of presets.length ? presets : ["mobile"]) {
    for (const kind of kinds.length ? kinds : Object.keys(budgets.pages)) {
      const r = await audit(chrome, `${site.origin}${base}${budgets.pages[kind]}`, preset);
      const s = r.scores;
      console.log(`| ${kind} | ${preset} | ${s.performance} | ${s.accessibility} | ${s["best-practices"]} | ${s.seo} | ${r.cls.toFixed(3)} | ${Math.round(r.blockingMs)} | ${Math.round(r.lcpMs)} | ${r.domElements} |`);
    }
  }
} finally {
  await chrome.kill();
  site.close();
}
