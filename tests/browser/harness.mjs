// The built site the browser tests read: built once into a temporary folder (or taken
// from SURVEY_SITE when the test command built it already) and served like GitHub Pages
// under a sub-path (/survey/): clean URLs, 404.html with status 404.

import { execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync, existsSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname, normalize, resolve } from "node:path";

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

/// Builds the real site (unless SURVEY_SITE names a built one) and serves it on a free
/// port of 127.0.0.1. `close()` stops the server and removes a folder it built.
export async function startSite() {
  let dir = process.env.SURVEY_SITE;
  const built = !dir;
  if (built) {
    dir = mkdtempSync(join(tmpdir(), "survey-site-"));
    const binary = process.env.SURVEY_BIN ?? join(repo, "target/release/survey");
    execFileSync(binary, ["build", "--output", dir, "--base-url", baseUrl], { cwd: repo, stdio: "inherit" });
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
