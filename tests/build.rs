//! Integration tests of `survey build` on fixture sites: the facts a reader relies on
//! (citations link to paper pages, paper pages list every citing place, reference
//! lists hold exactly the cited papers), sub-path hosting, determinism and atomicity.

mod common;

use common::{TestSite, internal_links, resolve_link};
use scraper::{Html, Selector};

fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

fn built_fixture() -> TestSite {
    let site = TestSite::fixture("basic");
    let outcome = site.build_into("public", None);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    site
}

#[test]
fn prints_a_one_line_summary() {
    let site = TestSite::fixture("basic");
    let outcome = site.build_into("public", None);
    let line = outcome.stdout.trim();
    assert!(
        line.starts_with("built 3 pages and 3 papers into public"),
        "{line}"
    );
    assert!(line.ends_with(" ms"), "{line}");
}

/// `SURVEY_TIMINGS` makes a build print when each stage ended, in order and in time
/// order; without it, nothing of the kind is printed.
#[test]
fn stage_times_are_printed_only_when_asked_for() {
    let site = TestSite::fixture("basic");
    let stages = |stderr: &str| -> Vec<(f64, String)> {
        (stderr.lines())
            .filter_map(|line| line.trim().split_once(" ms  "))
            .map(|(time, stage)| (time.parse().expect("a time in ms"), stage.to_string()))
            .collect()
    };
    let args = ["build", "--output", "public"];
    let (code, _, stderr) = common::run_survey(site.root(), &args, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stages(&stderr).is_empty(), "{stderr}");

    let timed = [("SURVEY_TIMINGS", "1".to_string())];
    let (code, _, stderr) = common::run_survey(site.root(), &args, &timed);
    assert_eq!(code, 0, "{stderr}");
    let stages = stages(&stderr);
    let names: Vec<&str> = stages.iter().map(|(_, name)| name.as_str()).collect();
    let expected = [
        "build started",
        "output folder opened",
        "cache and sources read",
        "parsed",
        "assembled",
        "rendered",
        "outputs updated",
        "search indexed, cache saved, files placed",
        "new output in place",
    ];
    assert_eq!(names, expected, "{stderr}");
    assert!(
        stages.windows(2).all(|pair| pair[0].0 <= pair[1].0),
        "{stderr}"
    );
}

#[test]
fn every_paper_has_a_page_with_escaped_front_matter() {
    let site = built_fixture();
    for key in ["alpha2023first", "beta2022second", "gamma2023tool"] {
        let html = site.read(&format!("public/papers/{key}/index.html"));
        assert!(html.contains("<h1 "), "{key}");
    }
    let beta = site.read("public/papers/beta2022second/index.html");
    assert!(
        beta.contains("Beta &amp; the &lt;Second&gt; Idea"),
        "title is escaped"
    );
    assert!(!beta.contains("<Second>"));
    assert!(
        beta.contains("Dana Delta</a> et al."),
        "an author list ending in others reads et al."
    );
    let gamma = site.read("public/papers/gamma2023tool/index.html");
    assert!(
        gamma.contains("Authors not listed"),
        "a paper without authors still renders"
    );
}

#[test]
fn citations_render_as_author_year_links_to_paper_pages() {
    let site = built_fixture();
    let html = Html::parse_document(&site.read("public/methods/index.html"));
    let citations: Vec<(String, String)> = select(&html, "main .prose a.citation")
        .iter()
        .map(|a| {
            (
                a.value().attr("href").unwrap().to_string(),
                a.text().collect(),
            )
        })
        .collect();
    assert_eq!(
        citations,
        [
            (
                "/papers/beta2022second/".to_string(),
                "Delta et al. (2022)".to_string()
            ),
            (
                "/papers/alpha2023first/".to_string(),
                "Alpha et al., 2023".to_string()
            ),
            (
                "/papers/gamma2023tool/".to_string(),
                "GammaKit, 2023".to_string()
            ),
        ]
    );
}

#[test]
fn emails_code_and_escapes_are_not_citations() {
    let site = built_fixture();
    let html = site.read("public/methods/ranking/index.html");
    assert!(html.contains("someone@example.org"));
    assert!(html.contains("<code>@alpha2023first</code>"));
    assert!(html.contains("@notacitation"));
    let document = Html::parse_document(&html);
    assert_eq!(select(&document, "main .prose a.citation").len(), 3);
}

#[test]
fn reference_list_holds_exactly_the_cited_papers() {
    let site = built_fixture();
    let expectations = [
        ("public/index.html", vec!["alpha2023first"]),
        (
            "public/methods/index.html",
            vec!["alpha2023first", "beta2022second", "gamma2023tool"],
        ),
        (
            "public/methods/ranking/index.html",
            vec!["alpha2023first", "beta2022second"],
        ),
    ];
    for (page, expected) in expectations {
        let html = Html::parse_document(&site.read(page));
        let mut keys: Vec<String> =
            select(&html, "[data-testid=references] li a[href^='/papers/']")
                .iter()
                .map(|a| {
                    a.value()
                        .attr("href")
                        .unwrap()
                        .trim_matches('/')
                        .trim_start_matches("papers/")
                        .to_string()
                })
                .collect();
        keys.sort();
        assert_eq!(keys, expected, "{page}");
    }
}

#[test]
fn paper_pages_list_every_place_that_cites_them() {
    let site = built_fixture();
    let html = Html::parse_document(&site.read("public/papers/alpha2023first/index.html"));
    let places: Vec<String> = select(&html, "[data-testid=mentions] > li > a")
        .iter()
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    // Home once, the chapter once, the section under two headings.
    assert_eq!(
        places,
        [
            "/",
            "/methods/",
            "/methods/ranking/#pairs",
            "/methods/ranking/#lists"
        ]
    );
    let sentences: Vec<String> = select(&html, "[data-testid=mentions] blockquote")
        .iter()
        .map(|b| b.text().collect())
        .collect();
    assert!(
        sentences
            .contains(&"Pairwise losses compare two answers (Alpha et al., 2023).".to_string()),
        "{sentences:?}"
    );
    let beta = Html::parse_document(&site.read("public/papers/beta2022second/index.html"));
    let beta_places: Vec<String> = select(&beta, "[data-testid=mentions] > li > a")
        .iter()
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    assert!(
        beta_places.contains(&"/papers/alpha2023first/".to_string()),
        "notes of other papers count: {beta_places:?}"
    );
}

#[test]
fn section_pages_list_the_papers_of_each_topic() {
    let site = built_fixture();
    let html = Html::parse_document(&site.read("public/methods/ranking/index.html"));
    let topics: Vec<String> = select(&html, "[data-topic]")
        .iter()
        .map(|s| s.value().attr("data-topic").unwrap().to_string())
        .collect();
    assert_eq!(topics, ["methods/ranking/pairs", "methods/ranking/lists"]);
}

#[test]
fn unknown_citation_fails_with_position_and_suggestion() {
    let site = TestSite::fixture("basic").write(
        "content/methods/ranking.md",
        "---\ntitle: Ranking\n---\nFirst line.\nSee [@alpha2023frist] here.\n",
    );
    let outcome = site.build_into("public", None);
    assert_eq!(outcome.code, 1, "{outcome:?}");
    assert!(
        outcome
            .stderr
            .contains("error: unknown citation key `alpha2023frist`"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome
            .stderr
            .contains("--> content/methods/ranking.md:5:6"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("did you mean `@alpha2023first`?"),
        "{}",
        outcome.stderr
    );
    assert!(!site.root().join("public").exists(), "nothing is written");
    let cache = site.root().join(".survey-cache");
    assert!(!cache.exists(), "nor a cache folder");
}

#[test]
fn all_problems_are_reported_at_once() {
    let site = TestSite::fixture("basic")
        .write(
            "content/methods/ranking.md",
            "---\ntitle: Ranking\n---\n[@nope1] and [a](missing.md)\n",
        )
        .write(
            "content/papers/bad.md",
            "---\ntitle: X\nyear: 1200\nautors: [A]\n---\n",
        );
    let outcome = site.build_into("public", None);
    assert_eq!(outcome.code, 1);
    for expected in [
        "unknown citation key `nope1`",
        "no such page",
        "unknown field `autors`",
    ] {
        assert!(
            outcome.stderr.contains(expected),
            "missing {expected:?} in {}",
            outcome.stderr
        );
    }
}

#[test]
fn sub_path_build_has_no_broken_internal_links() {
    for (base_url, base_path) in [
        ("https://user.github.io/repo/", "/repo/"),
        ("https://example.org/", "/"),
    ] {
        let site = TestSite::fixture("basic");
        let outcome = site.build_into("public", Some(base_url));
        assert_eq!(outcome.code, 0, "{outcome:?}");
        let files = site.files("public");
        let links = internal_links(&files);
        assert!(
            links.len() > 50,
            "the check sees the links ({})",
            links.len()
        );
        let broken: Vec<String> = links
            .iter()
            .filter_map(|l| {
                resolve_link(&files, base_path, l)
                    .err()
                    .map(|e| format!("{}: {e}", l.page))
            })
            .collect();
        assert!(
            broken.is_empty(),
            "broken links under {base_url}:\n{}",
            broken.join("\n")
        );
    }
}

#[test]
fn assets_carry_a_content_hash() {
    let site = built_fixture();
    let html = site.read("public/index.html");
    let document = Html::parse_document(&html);
    let stylesheet = select(&document, "link[rel=stylesheet]")[0]
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    let name = stylesheet.trim_start_matches('/');
    assert!(
        name.starts_with("style.") && name.len() == "style.0123456789.css".len(),
        "{stylesheet}"
    );
    assert!(site.root().join("public").join(name).exists());
}

#[test]
fn two_builds_are_byte_identical() {
    let site = TestSite::fixture("basic");
    assert_eq!(site.build_into("one", None).code, 0);
    assert_eq!(site.build_into("two", None).code, 0);
    let (one, two) = (site.files("one"), site.files("two"));
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        two.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &one {
        assert!(bytes == &two[path], "{path} differs between builds");
    }
}

#[test]
fn a_failed_build_leaves_the_previous_output_untouched() {
    let site = TestSite::fixture("basic");
    assert_eq!(site.build_into("public", None).code, 0);
    let before = site.files("public");
    let site = site.write("content/methods/_index.md", "---\ntitle: [unclosed\n---\n");
    let outcome = site.build_into("public", None);
    assert_eq!(outcome.code, 1, "{outcome:?}");
    assert!(
        outcome.stderr.contains("public left untouched"),
        "{}",
        outcome.stderr
    );
    assert_eq!(site.files("public"), before);
}

#[test]
fn github_pages_files_are_emitted() {
    let site = built_fixture();
    for file in [
        "public/.nojekyll",
        "public/404.html",
        "public/robots.txt",
        "public/sitemap.xml",
    ] {
        assert!(site.root().join(file).exists(), "{file}");
    }
    let sitemap = site.read("public/sitemap.xml");
    let listing = |loc: &&str| {
        ["/authors/", "/years/", "/venues/"]
            .iter()
            .any(|f| loc.contains(f))
    };
    let locs: Vec<&str> = sitemap.lines().filter(|l| l.contains("<loc>")).collect();
    assert_eq!(
        locs.iter().filter(|l| !listing(l)).count(),
        3 + 2 + 3,
        "pages, the paper table (newest first and by title) and papers"
    );
    assert!(sitemap.contains("<loc>https://example.org/papers/by-title/</loc>"));
    assert!(sitemap.contains("<loc>https://example.org/authors/</loc>"));
    assert!(sitemap.contains("<loc>https://example.org/papers/alpha2023first/</loc>"));
}

#[test]
fn raw_html_in_markdown_is_sanitized() {
    let site = TestSite::fixture("basic").write(
        "content/methods/_index.md",
        "---\ntitle: Methods\n---\n<script>alert(1)</script><img src=x onerror=\"alert(2)\"><b>bold</b>\n\nA [link](javascript:alert(3)).\n",
    );
    assert_eq!(site.build_into("public", None).code, 0);
    let html = site.read("public/methods/index.html");
    let prose = html.split("class=\"prose\"").nth(1).unwrap();
    assert!(!prose.contains("<script>alert"), "{prose}");
    assert!(!prose.contains("onerror"));
    assert!(!prose.contains("href=\"javascript:"), "{prose}");
    assert!(prose.contains(">link</a>"), "{prose}");
    assert!(prose.contains("<b>bold</b>"));
}

/// `check` renders every page, so a template that fails only when rendered is an
/// error there too, but it keeps none of them: its result has no outputs, and its
/// memory does not grow with the pages (docs/benchmarks.md).
/// The chapter navigation is rendered once per value of `current` and shared: each
/// chapter and section page still marks its own link and no other, other pages mark
/// none, and a site's own `nav.html` replaces it on every page.
#[test]
fn the_navigation_marks_each_page_and_follows_the_sites_nav_template() {
    let site = built_fixture();
    let pages = site.files("public");
    let mut checked = 0;
    for (path, bytes) in &pages {
        let Some(folder) = path.strip_suffix("index.html") else {
            continue;
        };
        let html = Html::parse_document(&String::from_utf8_lossy(bytes));
        let marked: Vec<&str> = select(&html, "nav[aria-label='Survey chapters'] a[aria-current]")
            .iter()
            .filter_map(|link| link.value().attr("href"))
            .collect();
        let own = format!("/{folder}");
        match folder {
            "methods/" | "methods/ranking/" => assert_eq!(marked, [own.as_str()], "{path}"),
            _ => assert!(marked.is_empty(), "{path} marks {marked:?}"),
        }
        checked += 1;
    }
    assert!(checked > 6, "only {checked} pages checked");

    let custom = TestSite::fixture("basic").write(
        "templates/nav.html",
        "<nav class=\"own-nav\">{% if current is defined %}{{ current }}{% else %}none{% endif %}</nav>\n",
    );
    assert_eq!(custom.build_into("public", None).code, 0);
    assert!(
        custom
            .read("public/methods/index.html")
            .contains("<nav class=\"own-nav\">methods</nav>")
    );
    let paper = custom.read("public/papers/alpha2023first/index.html");
    assert!(
        paper.contains("<nav class=\"own-nav\">papers</nav>"),
        "{paper}"
    );
}

#[test]
fn check_renders_every_page_and_keeps_none() {
    let good = common::site_with(None);
    let checked = survey::check(good.path());
    assert!(checked.succeeded(), "{:?}", checked.diagnostics.sorted());
    assert!(checked.rendered > 0, "check rendered no page");
    assert_eq!(checked.outputs.len(), 0, "check kept rendered pages");
    let built = survey::build(good.path(), None);
    let page = |path: &str| built.outputs.iter().any(|o| o.path == path);
    let pages = built.outputs.iter().filter(|o| o.path.ends_with(".html"));
    assert!(page("index.html") && pages.clone().all(|o| !o.bytes.is_empty()));

    let broken = common::site_with(None);
    let template = std::fs::read_to_string(common::repo_path("templates/paper.html")).unwrap();
    std::fs::create_dir_all(broken.path().join("templates")).unwrap();
    std::fs::write(
        broken.path().join("templates/paper.html"),
        template + "{{ no_such_value.no_such_field }}\n",
    )
    .unwrap();
    let checked = survey::check(broken.path());
    let errors: Vec<String> = (checked.diagnostics.sorted().iter())
        .filter(|d| d.severity == survey::diagnostics::Severity::Error)
        .map(|d| format!("{}: {}", d.path.display(), d.message))
        .collect();
    assert!(
        errors.iter().any(|e| e.contains("paper.html")),
        "a failing template is an error of check: {errors:?}"
    );
}

/// `survey build` writes each page into the new tree as soon as it is rendered: the
/// build keeps none of their bytes, the search index still covers them (read back one
/// at a time), and the output folder ends up byte for byte what a build that kept
/// every page in memory writes; so does `build --no-cache`, whose engine renders once
/// and keeps nothing for a later rebuild (no parses, references, reads or entries).
#[test]
fn build_places_pages_as_rendered_and_writes_the_same_site() {
    let site = common::site_with(None);
    let in_memory = survey::build(site.path(), None);
    assert!(
        in_memory.succeeded(),
        "{:?}",
        in_memory.diagnostics.sorted()
    );
    let kept_dir = site.path().join("kept");
    survey::emit::emit(&kept_dir, &in_memory.outputs).unwrap();
    let kept = tree(&kept_dir);
    assert!(kept.iter().any(|(path, _)| path.starts_with("pagefind/")));

    for once in [false, true] {
        let streamed_dir = site.path().join(format!("streamed-{once}"));
        let emitter = std::sync::Arc::new(survey::emit::Emitter::begin(&streamed_dir).unwrap());
        let pages = match once {
            false => survey::engine::Pages::Place(std::sync::Arc::clone(&emitter)),
            true => survey::engine::Pages::PlaceOnce(std::sync::Arc::clone(&emitter)),
        };
        let options = survey::BuildOptions {
            base_url: None,
            search: true,
            cache: None,
            output: Some(&streamed_dir),
            save_cache: false,
            pages,
        };
        let streamed = survey::build_with(site.path(), options);
        assert!(streamed.succeeded(), "{:?}", streamed.diagnostics.sorted());
        let html_in_memory = (streamed.outputs.iter()).filter(|o| o.path.ends_with(".html"));
        assert!(
            html_in_memory
                .clone()
                .all(|o| !o.path.starts_with("papers/")),
            "paper pages stayed in memory: {:?}",
            html_in_memory.map(|o| &o.path).collect::<Vec<_>>()
        );
        // Every other file went into the new tree while the search index was made.
        let left: Vec<&str> = (streamed.outputs.iter())
            .map(|o| o.path.as_str())
            .filter(|path| !path.starts_with("pagefind/"))
            .collect();
        assert!(left.is_empty(), "left for finish: {left:?}");
        assert!(streamed.staged.len() > streamed.rendered);
        let emitter = std::sync::Arc::into_inner(emitter).expect("the build let go of the emitter");
        emitter.finish(&streamed.outputs, &streamed.kept).unwrap();

        let streamed = tree(&streamed_dir);
        assert_eq!(kept.len(), streamed.len(), "once: {once}");
        for ((path, bytes), (other, other_bytes)) in kept.iter().zip(&streamed) {
            assert_eq!(path, other);
            assert!(bytes == other_bytes, "{path:?} differs (once: {once})");
        }
    }
}

/// Every file under `dir`, by relative path, sorted.
fn tree(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    (common::snapshot(dir).into_iter())
        .map(|(path, bytes)| (path.strip_prefix(dir).unwrap().to_path_buf(), bytes))
        .collect()
}

/// `check`'s engine keeps no job's reads (it renders once), so if it is ever updated
/// it cannot know which pages an edit touches: it renders every page again rather
/// than trust a render it cannot check.
#[test]
fn an_engine_that_kept_no_reads_renders_everything_after_an_edit() {
    let site = common::site_with(None);
    let discard = survey::engine::Pages::Discard;
    let (mut live, first) =
        survey::engine::LiveBuild::with_cache(site.path(), None, None, false, None, discard);
    assert!(first.succeeded, "{:?}", first.diagnostics.sorted());
    let paper = std::path::PathBuf::from("content/papers/rafailov2023direct.md");
    let text = std::fs::read_to_string(site.path().join(&paper)).unwrap();
    // A body and a title edit: `serve` patches both, an engine that kept nothing cannot.
    let text = text.replacen("title: \"", "title: \"Revised: ", 1) + "\nOne more sentence.\n";
    std::fs::write(site.path().join(&paper), text).unwrap();
    let edited = live.update(&[paper]).expect("the paper changed");
    assert!(edited.succeeded, "{:?}", edited.diagnostics.sorted());
    assert!(!edited.patched, "nothing was kept to patch");
    assert_eq!(edited.rendered, first.rendered, "every page rendered again");
}

/// A build from its cache indexes again only the search bundles whose pages changed,
/// keeps the others' files from the output folder, and writes what a clean build
/// writes, byte for byte.
#[test]
fn a_cached_build_indexes_again_only_the_search_bundles_that_changed() {
    let site = TestSite::real();
    let root = site.root();
    let bundles = [(survey::search::PAGES_PER_BUNDLE_VAR, "40".to_string())];
    let build = |output: &str, extra: &[&str]| {
        let mut args = vec!["build", "--output", output];
        args.extend(extra);
        let (code, stdout, stderr) = common::run_survey(root, &args, &bundles);
        assert_eq!(code, 0, "{stdout}{stderr}");
        let counts = stdout
            .split(", ")
            .find_map(|part| part.split_once(" search bundles indexed anew"))
            .map(|(counts, _)| counts)
            .unwrap_or_else(|| panic!("no search summary in {stdout}"));
        let (indexed, all) = counts.split_once(" of ").unwrap();
        (
            indexed.parse::<usize>().unwrap(),
            all.parse::<usize>().unwrap(),
        )
    };
    let (indexed, all) = build("public", &[]);
    assert!(all >= 5, "the real site in bundles of 40 pages: {all}");
    assert_eq!(indexed, all, "a first build indexes every bundle");
    assert_eq!(build("public", &[]), (0, all), "nothing changed");

    // An older paper's notes: its bundle only.
    let paper = root.join("content/papers/ouyang2022training.md");
    let text = std::fs::read_to_string(&paper).unwrap();
    std::fs::write(&paper, format!("{text}\nA sentence added to the notes.\n")).unwrap();
    assert_eq!(build("public", &[]), (1, all));
    build("clean", &["--no-cache"]);
    let (cached, clean) = (
        common::files_under(&root.join("public")),
        common::files_under(&root.join("clean")),
    );
    assert!(cached.keys().any(|path| path.starts_with("pagefind/part-")));
    assert!(cached == clean, "the cached build differs from a clean one");

    // A bundle's file changed by hand is not kept: that bundle is indexed again.
    let entry = root.join("public/pagefind/part-1/pagefind-entry.json");
    std::fs::write(&entry, "{}").unwrap();
    assert_eq!(build("public", &[]), (1, all));
    assert_eq!(common::files_under(&root.join("public")), clean);
}
