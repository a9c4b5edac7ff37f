#!/usr/bin/env bash
# Runs every test of the project: formatting, lints, unit and integration tests, and
# the real-browser tests with the web-quality audits (Nu HTML Checker, Lighthouse,
# budgets in tests/browser/budgets.json). Installs what cargo cannot (Debian's
# chromium and Java, the npm packages that drive them) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

install_system_packages() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v node >/dev/null 2>&1 || missing+=(nodejs npm)
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
  if [ "${#missing[@]}" -gt 0 ]; then
    step "installing ${missing[*]} (apt-get)"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

step "cargo test"
cargo test --locked

step "cargo doc (every link resolves)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --document-private-items --locked

install_system_packages

step "survey check (real content)"
cargo build --release --locked
survey_bin="$(realpath "${CARGO_TARGET_DIR:-target}")/release/survey"
"$survey_bin" check --deny-warnings

step "browser tests and audits (chromium, Lighthouse, Nu HTML Checker)"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && SURVEY_BIN="$survey_bin" npm test)

step "workflow linters (actionlint, zizmor)"
bash scripts/lint-workflows.sh
