#!/usr/bin/env bash
# Turns the `::warning` annotations of `survey check --links --format github` (file $1)
# into a Markdown list of dead links for the links workflow's issue, one line each:
# - `content/papers/x.md:5:7`: dead link `https://...`: status 404
set -euo pipefail

echo "Dead links found by \`survey check --links\`; fix each in the file named."
echo
{ grep -E '^::(warning|error) .*::dead link ' "$1" || true; } | while IFS= read -r line; do
  properties="${line#::* }"
  properties="${properties%%::*}"
  message="${line#*::*::}"
  message="${message%%%0A*}"
  message="${message//%25/%}"
  file="$(sed -E 's/.*file=([^,]*).*/\1/' <<<"${properties}")"
  file="${file//%3A/:}"
  file="${file//%2C/,}"
  file="${file//%25/%}"
  at="$(sed -E 's/.*line=([0-9]+),col=([0-9]+).*/\1:\2/' <<<"${properties}")"
  echo "- \`${file}:${at}\`: ${message}"
done
