// `survey serve` in a real browser: a page reloads by itself after an edit, a broken
// build shows its diagnostics in an overlay that goes away once the build is fixed,
// and a stylesheet edit is applied without reloading the page.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const repo = resolve(import.meta.dirname, "../..");
let root, server, origin, browser;

before(async () => {
  root = mkdtempSync(join(tmpdir(), "survey-serve-"));
  cpSync(join(repo, "tests/fixtures/basic"), root, { recursive: true });
  mkdirSync(join(root, "static"));
  writeFileSync(join(root, "static/style.css"), "body { background: rgb(255, 255, 255); }\n");
  const binary = process.env.SURVEY_BIN ?? join(repo, "target/release/survey");
  server = spawn(binary, ["serve", "--root", root, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  origin = await new Promise((ready, fail) => {
    let output = "";
    const timer = setTimeout(() => fail(new Error(`no address printed: ${output}`)), 20000);
    server.stdout.on("data", (chunk) => {
      output += chunk;
      const found = output.match(/serving at (http:\/\/127\.0\.0\.1:\d+)\//);
      if (found) {
        clearTimeout(timer);
        ready(found[1]);
      }
    });
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((done) => server.on("exit", (code) => done(code)));
    server.kill("SIGINT");
    assert.equal(await exited, 0, "Ctrl-C exits cleanly");
  }
  if (root) rmSync(root, { recursive: true, force: true });
});

function edit(relative, change) {
  const file = join(root, relative);
  writeFileSync(file, change(readFileSync(file, "utf8")));
}

test("an edit reloads the open page with the new content", async () => {
  const tab = await browser.newPage();
  await tab.goto(`${origin}/papers/alpha2023first/`);
  await tab.waitForFunction(() => window.__surveyLive === "open", null, { timeout: 20000 });
  await tab.evaluate(() => { window.notReloaded = true; });
  edit("content/papers/alpha2023first.md", (text) => text.replace("Alpha: The First Method", "Alpha: Edited Live"));
  await tab.waitForFunction(() => document.querySelector("h1")?.textContent.includes("Alpha: Edited Live"), null, { timeout: 20000 });
  assert.equal(await tab.evaluate(() => window.notReloaded), undefined, "the page was reloaded");
  await tab.close();
});

test("a broken build shows an overlay until it is fixed", async () => {
  const tab = await browser.newPage();
  await tab.goto(`${origin}/methods/`);
  const original = readFileSync(join(root, "content/methods/_index.md"), "utf8");
  edit("content/methods/_index.md", (text) => text + "\nNow citing [@nosuchpaper2020].\n");
  const overlay = tab.locator("#survey-serve-errors");
  await overlay.waitFor({ state: "visible", timeout: 20000 });
  const text = await overlay.textContent();
  assert.match(text, /unknown citation key `nosuchpaper2020`/);
  assert.match(text, /--> content\/methods\/_index\.md:9:/);
  assert.doesNotMatch(text, /\[object /, "the diagnostics are shown as text");
  // The last good page is still shown underneath.
  assert.equal(await tab.locator("h1").first().textContent(), "Methods");
  writeFileSync(join(root, "content/methods/_index.md"), original);
  await overlay.waitFor({ state: "detached", timeout: 20000 });
  await tab.close();
});

test("a stylesheet edit is applied without reloading", async () => {
  const tab = await browser.newPage();
  await tab.goto(`${origin}/`);
  await tab.waitForFunction(() => window.__surveyLive === "open", null, { timeout: 20000 });
  await tab.evaluate(() => { window.notReloaded = true; });
  writeFileSync(join(root, "static/style.css"), "body { background: rgb(1, 2, 3); }\n");
  await tab.waitForFunction(() => getComputedStyle(document.body).backgroundColor === "rgb(1, 2, 3)", null, { timeout: 20000 });
  assert.equal(await tab.evaluate(() => window.notReloaded), true, "no reload");
  await tab.close();
});
