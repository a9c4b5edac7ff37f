// The built site the browser tests read: built once into a temporary folder (or taken
// from SURVEY_SITE when the test command built it already) and served like GitHub Pages
// under a sub-path (/survey/): clean URLs, 404.html with status 404.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, existsSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname, normalize, resolve } from "node:path";
import { chromium } from "playwright-core";

export const repo = resolve(import.meta.dirname, "../..");
export const base = "/survey/";
export const baseUrl = "https://example.github.io/survey/";
const types = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".xml": "application/xml", ".json": "application/json", ".bib": "text/plain", ".wasm": "application/wasm" };

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

/// Builds the real site (unless SURVEY_SITE names a built one, and no `env` is given)
/// and serves it on a free port of 127.0.0.1. `env` adds variables to the build's
/// environment. `close()` stops the server and removes a folder it built.
export async function startSite({ env } = {}) {
  let dir = env ? undefined : process.env.SURVEY_SITE;
  const built = !dir;
  if (built) {
    dir = mkdtempSync(join(tmpdir(), "survey-site-"));
    const binary = process.env.SURVEY_BIN ?? join(repo, "target/release/survey");
    const options = { cwd: repo, stdio: "inherit", env: { ...process.env, ...env } };
    execFileSync(binary, ["build", "--output", dir, "--base-url", baseUrl], options);
  }
  dir = resolve(dir);
  const server = serve(dir);
  await new Promise((ready) => server.listen(0, "127.0.0.1", ready));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const close = () => {
    server.close();
    if (built) rmSync(dir, { recursive: true, force: true });
  };
  return { dir, origin, close };
}

/// Debian's chromium (or CHROMIUM), headless, quiet on the network.
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/// A fresh context and tab of `browser`; `errors` collects the page's uncaught errors
/// and console errors.
export async function openPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const tab = await context.newPage();
  const errors = [];
  tab.on("pageerror", (error) => errors.push(error.message));
  tab.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  return { tab, context, errors };
}

/// The number the search page's status line reports, once it reports one.
export async function statusCount(tab) {
  const status = tab.getByTestId("search-status");
  await assert.doesNotReject(status.filter({ hasText: /^\d+ (papers?|results?)/ }).waitFor());
  return Number((await status.textContent()).match(/^\d+/)[0]);
}
