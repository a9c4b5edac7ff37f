#!/usr/bin/env bash
# Build-time benchmark: survey against Zola, Hugo and mdBook on the same generated
# corpus, all commands of one corpus size in one hyperfine run, so the ratios compare
# like with like on a noisy machine.
#
#   bash bench/compare_builds.sh [PAPERS ...]      (default: 1000 10000)
#
# Environment:
#   RUNS=5         timed runs per command (one warm-up run comes first)
#   CODE=25        share (%) of papers whose notes end with a fenced code block; every
#                  section page has one too (bench/gen_corpus.rs --code)
#   ZOLA=/path     the zola binary (default: `zola` on PATH); Zola is skipped, with a
#                  message, when there is none. It is in no package registry here: build
#                  it from its public source with `cargo build --release --locked`.
#   MDBOOK_MAX_PAPERS=2000   mdBook runs only at corpus sizes up to this
#   SURVEY=/path   time this survey binary instead of building the repository's
#   GEN_CORPUS=/path   use this build of bench/gen_corpus.rs instead of building it
#   BENCH_DIR=/tmp/survey-bench   where corpora and sites go
#   OUT_DIR=/dev/shm/survey-bench-out   where every tool writes its output (default:
#                  there when /dev/shm exists, else BENCH_DIR). A tmpfs, because each
#                  cold run starts by removing the last run's output: on ext4, every
#                  file or folder made in the next minute then scans past the inodes just
#                  freed (the kernel's `recently_deleted`), a cost that grows with the
#                  square of the files a tool writes and that made most of a cold
#                  1 000-paper build on this machine (`perf record -g`: 35 % of samples
#                  in `find_get_block_common` and `recently_deleted`). A site built on a
#                  fresh clone, or into the same folder again, never pays it.
#
# Needs hugo and hyperfine (apt-get install hugo hyperfine) and GNU time
# (/usr/bin/time); mdbook (cargo install mdbook --locked) is skipped when absent.
# Writes bench/results/builds-<papers>.json (hyperfine's export) and
# bench/results/builds-<papers>.tsv (pages, highlighted pages, peak RSS per tool), and
# prints a Markdown table of medians and ratios for docs/benchmarks.md.
#
# Every cold command starts from an empty output folder (removed by hyperfine's
# --prepare, untimed) and, for survey, without a persistent cache (`--no-cache` when
# the binary has the flag; the cache folder is removed either way). The warm command
# keeps its cache and output, and --prepare appends one word to one paper's notes
# before each run, so it times a one-paper edit.
#
# What each tool does differs, and the table should be read with that in mind:
# - survey resolves every citation, formats every reference (CSL), builds topic lists,
#   backlinks, listings, BibTeX, highlights code at build time (syntect, CSS classes)
#   and, unless --no-search, writes a Pagefind index;
# - Zola renders the same Markdown (YAML front-matter, `_index.md` per section) with
#   minimal Tera templates and highlights code at build time (giallo, CSS classes); no
#   search index, citations stay plain text;
# - Hugo renders the same Markdown with minimal layouts and highlights code at build
#   time (Chroma, CSS classes); citations stay plain text;
# - mdBook renders the same pages (front-matter removed) with its default theme, whose
#   sidebar lists every page on every page; it highlights code in the browser
#   (highlight.js), not at build time.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-/tmp/survey-bench}"
runs="${RUNS:-5}"
code="${CODE:-25}"
out_dir="${OUT_DIR:-$([[ -d /dev/shm ]] && echo /dev/shm/survey-bench-out || echo "$work")}"
mkdir -p "$work" "$out_dir" "$repo/bench/results"

for tool in hugo hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool (see the header of this script)" >&2; exit 2; }
done
zola="${ZOLA:-$(command -v zola || true)}"
if [[ -z "$zola" || ! -x "$zola" ]]; then
  echo "note: no zola binary (set ZOLA=/path/to/zola or put zola on PATH): Zola is skipped" >&2
  zola=""
fi
mdbook="$(command -v mdbook || true)"
[[ -n "$mdbook" ]] || echo "note: no mdbook on PATH (cargo install mdbook --locked): mdBook is skipped" >&2
# mdBook's time grows faster than linearly with the page count (at 10 000 papers it
# wrote about 200 pages a minute here), so it runs only up to this many papers.
mdbook_max="${MDBOOK_MAX_PAPERS:-2000}"

target="$(realpath "${CARGO_TARGET_DIR:-$repo/target}")"
[[ -n "${GEN_CORPUS:-}" ]] || (cd "$repo" && cargo build --release --quiet --example gen_corpus)
[[ -n "${SURVEY:-}" ]] || (cd "$repo" && cargo build --release --quiet)
survey="${SURVEY:-$target/release/survey}"
generator="${GEN_CORPUS:-$target/release/examples/gen_corpus}"

# Cold survey runs bypass the persistent cache where the binary has one.
if "$survey" build --help 2>&1 | grep -q -- --no-cache; then
  no_cache="--no-cache"
else
  no_cache=""
  echo "note: this survey has no --no-cache flag (no persistent cache): cold = plain build" >&2
fi

# Zola: the generated content with a section file for papers/ and the smallest Tera
# templates that render every page and list every section's pages, as for Hugo.
make_zola_site() {
  local corpus="$1" site="$2"
  rm -rf "$site" && mkdir -p "$site/templates"
  cp -r "$corpus/content" "$site/content"
  printf -- '---\ntitle: "Papers"\n---\n' > "$site/content/papers/_index.md"
  cat > "$site/config.toml" <<'TOML'
base_url = "https://example.org"
title = "bench"
compile_sass = false
build_search_index = false
generate_feeds = false

[markdown.highlighting]
theme = "github-light"
style = "class"
TOML
  cat > "$site/templates/base.html" <<'HTML'
<!DOCTYPE html><html><head><title>{% block title %}{% endblock %}</title><link rel="stylesheet" href="/giallo.css"></head><body>
<nav>{% set root = get_section(path="_index.md", metadata_only=true) %}{% for path in root.subsections %}{% set sub = get_section(path=path, metadata_only=true) %}<a href="{{ sub.permalink }}">{{ sub.title }}</a> {% endfor %}</nav>
<main>{% block main %}{% endblock %}</main></body></html>
HTML
  local list='{% extends "base.html" %}{% block title %}{{ section.title }}{% endblock %}{% block main %}<h1>{{ section.title }}</h1>{{ section.content | safe }}<ul>{% for page in section.pages %}<li><a href="{{ page.permalink }}">{{ page.title }}</a></li>{% endfor %}</ul>{% endblock %}'
  printf '%s\n' "$list" > "$site/templates/index.html"
  printf '%s\n' "$list" > "$site/templates/section.html"
  printf '%s\n' '{% extends "base.html" %}{% block title %}{{ page.title }}{% endblock %}{% block main %}<h1>{{ page.title }}</h1>{{ page.content | safe }}{% endblock %}' \
    > "$site/templates/page.html"
}

# Hugo: the generated content as is, plus the smallest layouts that render every page;
# fenced code is highlighted at build time with CSS classes, as survey does.
make_hugo_site() {
  local corpus="$1" site="$2"
  rm -rf "$site" && mkdir -p "$site/layouts/_default"
  cp -r "$corpus/content" "$site/content"
  # Hugo reads `url:` as the page's own address; our field is the paper's link.
  find "$site/content" -name '*.md' -exec sed -i 's/^url: /paper_url: /' {} +
  cat > "$site/hugo.toml" <<'TOML'
baseURL = "https://example.org/"
title = "bench"
disableKinds = ["taxonomy", "term"]

[markup.highlight]
codeFences = true
noClasses = false
TOML
  cat > "$site/layouts/_default/baseof.html" <<'HTML'
<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body>
<nav>{{ range .Site.Sections }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}</nav>
<main>{{ block "main" . }}{{ end }}</main></body></html>
HTML
  printf '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n' > "$site/layouts/_default/single.html"
  printf '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n' > "$site/layouts/_default/list.html"
}

# mdBook: the same pages without front-matter, listed in SUMMARY.md (one pass in
# Python: a process per file took minutes at 10 000 papers).
make_mdbook() {
  local corpus="$1" book="$2"
  rm -rf "$book" && mkdir -p "$book/src"
  printf '[book]\ntitle = "bench"\n[output.html]\nsearch.enable = false\n' > "$book/book.toml"
  python3 - "$corpus/content" "$book/src" <<'PY'
import pathlib, re, sys
content, src = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
summary = ["# Summary"]
for path in sorted(content.rglob("*.md"), key=lambda p: str(p.relative_to(content)).encode()):
    relative = path.relative_to(content)
    text = path.read_text()
    front, body = "", text
    if text.startswith("---\n"):
        end = text.find("\n---\n", 3)
        front, body = text[4:end], text[end + 5:]
    title = re.search(r'^title: *"?(.*?)"?$', front, re.M)
    title = re.sub(r"[][]", "", title.group(1)) if title else "untitled"
    (src / relative).parent.mkdir(parents=True, exist_ok=True)
    (src / relative).write_text(body)
    summary.append(f"- [{title}]({relative})")
(src / "SUMMARY.md").write_text("\n".join(summary) + "\n")
PY
}

# The benchmark table: name, prepare command, command, output folder, and the pattern
# that marks build-time highlighted code in that tool's HTML ("-" for none).
names=() prepares=() commands=() outputs=() marks=()
add() { names+=("$1"); prepares+=("$2"); commands+=("$3"); outputs+=("$4"); marks+=("$5"); }

# Peak resident memory (KiB) of one run of command number $1, after its prepare.
peak_rss() {
  bash -c "${prepares[$1]}"
  /usr/bin/time -f %M -o "$work/rss" bash -c "exec ${commands[$1]}" >/dev/null 2>&1
  tail -n1 "$work/rss"
}

for papers in ${@:-1000 10000}; do
  corpus="$work/corpus-$papers"
  rm -rf "$corpus"
  "$generator" --papers "$papers" --out "$corpus" --code "$code" >/dev/null
  # sed reads to the end: `head` would end sort with SIGPIPE, fatal under pipefail.
  edited="$(find "$corpus/content/papers" -name '*.md' | LC_ALL=C sort | sed -n 1p)"
  names=() prepares=() commands=() outputs=() marks=()
  hl='class="hl-'
  out="$out_dir/out-survey-$papers"
  add "survey build (cold)" "rm -rf $out $corpus/.survey-cache" \
    "$survey build $no_cache --root $corpus --output $out" "$out" "$hl"
  out="$out_dir/out-survey-ns-$papers"
  add "survey build --no-search (cold)" "rm -rf $out $corpus/.survey-cache" \
    "$survey build $no_cache --no-search --root $corpus --output $out" "$out" "$hl"
  out="$out_dir/out-survey-warm-$papers"
  add "survey build (warm, one paper edited)" "echo edited >> $edited" \
    "$survey build --root $corpus --output $out" "$out" "$hl"
  if [[ -n "$zola" ]]; then
    make_zola_site "$corpus" "$work/zola-$papers"
    out="$out_dir/out-zola-$papers"
    add "zola build" "rm -rf $out" "$zola --root $work/zola-$papers build --output-dir $out --force" "$out" 'class="z-'
  fi
  make_hugo_site "$corpus" "$work/hugo-$papers"
  out="$out_dir/out-hugo-$papers"
  add "hugo" "rm -rf $out" "hugo --quiet --source $work/hugo-$papers --destination $out" "$out" 'class="chroma"'
  if [[ -n "$mdbook" && "$papers" -le "$mdbook_max" ]]; then
    make_mdbook "$corpus" "$work/mdbook-$papers"
    out="$out_dir/out-mdbook-$papers"
    add "mdbook build" "rm -rf $out" "$mdbook build $work/mdbook-$papers --dest-dir $out" "$out" "-"
  fi

  args=()
  for i in "${!names[@]}"; do
    args+=(--prepare "${prepares[$i]}" -n "${names[$i]}" "${commands[$i]}")
  done
  hyperfine --style basic --runs "$runs" --warmup 1 \
    --export-json "$repo/bench/results/builds-$papers.json" "${args[@]}"

  # Like-for-like check on the last run's output, then one run each under GNU time.
  tsv="$repo/bench/results/builds-$papers.tsv"
  printf 'tool\thtml_pages\thighlighted_pages\tpeak_rss_kib\n' > "$tsv"
  for i in "${!names[@]}"; do
    dir="${outputs[$i]}"
    pages="$(find "$dir" -name '*.html' | wc -l)"
    highlighted=0
    if [[ "${marks[$i]}" != "-" ]]; then
      highlighted="$(grep -rlF --include='*.html' "${marks[$i]}" "$dir" | wc -l)"
    fi
    printf '%s\t%s\t%s\t%s\n' "${names[$i]}" "$pages" "$highlighted" "$(peak_rss "$i")" >> "$tsv"
  done

  python3 - "$repo/bench/results/builds-$papers.json" "$tsv" "$papers" "$code" <<'PY'
import csv, json, statistics, sys
results = json.load(open(sys.argv[1]))["results"]
extra = {row["tool"]: row for row in csv.DictReader(open(sys.argv[2]), delimiter="\t")}
median = {r["command"]: statistics.median(r["times"]) for r in results}
spread = {r["command"]: (min(r["times"]), max(r["times"])) for r in results}
zola = median.get("zola build")
hugo = median["hugo"]
print(f"\n{sys.argv[3]} papers, code blocks in every section and {sys.argv[4]} % of papers "
      f"(median of {len(results[0]['times'])} runs):\n")
print("| tool | median (s) | min–max (s) | / Zola | / Hugo | HTML pages | pages with highlighted code | peak RSS (MB) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for name, seconds in median.items():
    row = extra[name]
    low, high = spread[name]
    to_zola = f"{seconds / zola:.2f}" if zola else "–"
    rss = int(row["peak_rss_kib"]) / 1024
    print(f"| {name} | {seconds:.3f} | {low:.2f}–{high:.2f} | {to_zola} | {seconds / hugo:.2f} | "
          f"{row['html_pages']} | {row['highlighted_pages']} | {rss:.0f} |")
PY
done
