#!/usr/bin/env bash
# Build-time benchmark: survey against Hugo (Debian) and mdBook (crates.io) on the same
# generated corpus, in one run, so the ratios compare like with like on a noisy machine.
#
#   bash bench/compare_builds.sh [PAPERS ...]      (default: 1000 10000)
#
# Needs hugo (apt-get install hugo), mdbook (cargo install mdbook --locked) and hyperfine
# (apt-get install hyperfine). Writes bench/results/builds-<papers>.json (hyperfine's
# export) and prints a Markdown table of medians and ratios for docs/benchmarks.md.
#
# What each tool does differs, and the table should be read with that in mind:
# - survey resolves every citation, builds topic lists, backlinks, listings, BibTeX and
#   (unless --no-search) a Pagefind index;
# - Hugo renders the same Markdown with a minimal layout (citations stay plain text);
# - mdBook renders the same pages (front-matter removed) with its default theme, whose
#   sidebar lists every page on every page.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-/tmp/survey-bench}"
runs="${RUNS:-5}"
mkdir -p "$work" "$repo/bench/results"

for tool in hugo mdbook hyperfine; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see the header of this script)" >&2; exit 2; }
done
(cd "$repo" && cargo build --release --quiet --example gen_corpus && cargo build --release --quiet)
survey="$(realpath "${CARGO_TARGET_DIR:-$repo/target}")/release/survey"
generator="$(realpath "${CARGO_TARGET_DIR:-$repo/target}")/release/examples/gen_corpus"

# Hugo: the generated content as is, plus the smallest layouts that render every page.
make_hugo_site() {
  local corpus="$1" site="$2"
  rm -rf "$site" && mkdir -p "$site/layouts/_default"
  cp -r "$corpus/content" "$site/content"
  # Hugo reads `url:` as the page's own address; our field is the paper's link.
  find "$site/content" -name '*.md' -exec sed -i 's/^url: /paper_url: /' {} +
  printf 'baseURL = "https://example.org/"\ntitle = "bench"\ndisableKinds = ["taxonomy", "term"]\n' > "$site/hugo.toml"
  cat > "$site/layouts/_default/baseof.html" <<'HTML'
<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body>
<nav>{{ range .Site.Sections }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}</nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>
HTML
  printf '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n' > "$site/layouts/_default/single.html"
  printf '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n' > "$site/layouts/_default/list.html"
}

# mdBook: the same pages without front-matter, listed in SUMMARY.md.
make_mdbook() {
  local corpus="$1" book="$2"
  rm -rf "$book" && mkdir -p "$book/src"
  printf '[book]\ntitle = "bench"\n[output.html]\nsearch.enable = false\n' > "$book/book.toml"
  local summary="$book/src/SUMMARY.md"
  echo "# Summary" > "$summary"
  (cd "$corpus/content" && find . -name '*.md' | LC_ALL=C sort) | while read -r file; do
    local target="$book/src/${file#./}"
    mkdir -p "$(dirname "$target")"
    awk 'BEGIN{fm=0} NR==1 && /^---$/ {fm=1; next} fm && /^---$/ {fm=0; next} !fm' "$corpus/content/$file" > "$target"
    local title
    title="$(grep -m1 '^title:' "$corpus/content/$file" | sed 's/^title: *//; s/^"//; s/"$//; s/[][]//g')"
    echo "- [${title:-untitled}](${file#./})" >> "$summary"
  done
}

for papers in "${@:-1000 10000}"; do
  corpus="$work/corpus-$papers"
  rm -rf "$corpus"
  "$generator" --papers "$papers" --out "$corpus" >/dev/null
  make_hugo_site "$corpus" "$work/hugo-$papers"
  make_mdbook "$corpus" "$work/mdbook-$papers"
  hyperfine --style basic --runs "$runs" --warmup 1 \
    --export-json "$repo/bench/results/builds-$papers.json" \
    -n "survey build" "$survey build --root $corpus --output $work/out-survey-$papers" \
    -n "survey build --no-search" "$survey build --no-search --root $corpus --output $work/out-survey-ns-$papers" \
    -n "hugo" "hugo --quiet --source $work/hugo-$papers --destination $work/out-hugo-$papers" \
    -n "mdbook build" "mdbook build $work/mdbook-$papers --dest-dir $work/out-mdbook-$papers"
  python3 - "$repo/bench/results/builds-$papers.json" "$papers" <<'PY'
import json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
median = {r["command"]: statistics.median(r["times"]) for r in results}
base = median["survey build"]
print(f"\n{sys.argv[2]} papers (median of {len(results[0]['times'])} runs):\n")
print("| tool | median (s) | time / survey build |")
print("| --- | ---: | ---: |")
for name, seconds in median.items():
    print(f"| {name} | {seconds:.3f} | {seconds / base:.2f}x |")
PY
done
