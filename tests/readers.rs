//! What readers get beyond the survey text: search with filters, listings by author,
//! year and venue, the Atom feed and sitemap, metadata for the web, and the JavaScript
//! budget. Each test builds a site in memory (fixture `readers` or the real survey)
//! and asserts facts about the outputs.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use survey::{BuildOptions, build_with};

/// A built site: outputs by path, and the base path links start with.
struct Built {
    files: BTreeMap<String, Vec<u8>>,
    base_path: String,
    base_url: String,
    papers: Vec<survey::model::Paper>,
    chapters: usize,
}

/// Chainable: `Fixture::readers().base_url(..).without_search().build()`.
struct Fixture {
    root: PathBuf,
    base_url: Option<String>,
    search: bool,
}

impl Fixture {
    fn readers() -> Self {
        Fixture::at(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/readers"))
    }

    /// The repository's own survey (content/ and site.yaml).
    fn real_survey() -> Self {
        Fixture::at(PathBuf::from(env!("CARGO_MANIFEST_DIR")))
    }

    fn at(root: PathBuf) -> Self {
        Fixture {
            root,
            base_url: None,
            search: true,
        }
    }

    fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(url.to_string());
        self
    }

    fn without_search(mut self) -> Self {
        self.search = false;
        self
    }

    fn build(self) -> Built {
        let result = build_with(
            &self.root,
            BuildOptions {
                base_url: self.base_url.as_deref(),
                search: self.search,
                cache: None,
                output: None,
                save_cache: false,
                pages: survey::engine::Pages::Keep,
            },
        );
        let problems: Vec<String> = result
            .diagnostics
            .sorted()
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{d:?}"))
            .collect();
        assert!(result.succeeded(), "build failed: {problems:#?}");
        let site = result.site.expect("a site");
        Built {
            files: result
                .outputs
                .into_iter()
                .map(|o| (o.path, o.bytes.to_vec()))
                .collect(),
            base_path: site.config.base_path(),
            base_url: site.config.base_url(),
            chapters: site
                .pages
                .iter()
                .filter(|p| p.kind == survey::model::PageKind::Chapter)
                .count(),
            papers: site.papers.into_map().into_values().collect(),
        }
    }
}

/// The real survey is built once for all tests that read it.
fn real() -> &'static Built {
    static REAL: OnceLock<Built> = OnceLock::new();
    REAL.get_or_init(|| Fixture::real_survey().build())
}

impl Built {
    fn text(&self, path: &str) -> &str {
        let bytes = self
            .files
            .get(path)
            .unwrap_or_else(|| panic!("no output {path}"));
        std::str::from_utf8(bytes).expect("UTF-8 output")
    }

    fn html_pages(&self) -> impl Iterator<Item = (&String, &str)> {
        self.files
            .iter()
            .filter(|(path, _)| path.ends_with(".html"))
            .map(|(path, bytes)| (path, std::str::from_utf8(bytes).expect("UTF-8 HTML")))
    }

    /// Does a root-relative URL (`/repo/papers/x/#a`) name an output?
    fn resolves(&self, url: &str) -> bool {
        let path = url.split(['#', '?']).next().unwrap_or("");
        let Some(relative) = path.strip_prefix(&self.base_path) else {
            return false;
        };
        self.files.contains_key(relative)
            || self.files.contains_key(&format!("{relative}index.html"))
            || (relative.is_empty() && self.files.contains_key("index.html"))
    }

    /// Every bundle's folder: `pagefind/`, then each one `pagefind/parts.json` lists.
    fn search_bundles(&self) -> Vec<String> {
        let parts: Vec<String> =
            serde_json::from_str(self.text("pagefind/parts.json")).expect("parts JSON");
        let mut bundles = vec!["pagefind/".to_string()];
        bundles.extend(parts.iter().map(|part| format!("pagefind/{part}")));
        bundles
    }

    /// Every search-index filter: name -> value -> number of pages, summed over the
    /// bundles.
    fn search_filters(&self) -> BTreeMap<String, BTreeMap<String, usize>> {
        let mut filters: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for bundle in self.search_bundles() {
            let folder = format!("{bundle}filter/");
            let files = self
                .files
                .iter()
                .filter(|(path, _)| path.starts_with(&folder));
            for (name, values) in files.map(|(_, bytes)| decode_filter(bytes)) {
                let filter = filters.entry(name).or_default();
                for (value, pages) in values {
                    *filter.entry(value).or_default() += pages;
                }
            }
        }
        filters
    }

    /// The pages indexed, over all bundles.
    fn search_page_count(&self) -> usize {
        let count = |bundle: &String| {
            let entry: serde_json::Value =
                serde_json::from_str(self.text(&format!("{bundle}pagefind-entry.json")))
                    .expect("entry JSON");
            entry["languages"]["en"]["page_count"].as_u64().unwrap() as usize
        };
        self.search_bundles().iter().map(count).sum()
    }
}

/// Values of an attribute in `html`, in order (`href`, `src`, ...).
fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let needle = format!(" {attribute}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// The contents of every `<script type="application/ld+json">` element.
fn json_ld_blocks(html: &str) -> Vec<serde_json::Value> {
    let open = "<script type=\"application/ld+json\">";
    html.match_indices(open)
        .map(|(at, _)| {
            let rest = &html[at + open.len()..];
            let end = rest.find("</script>").expect("a closed script");
            serde_json::from_str(&rest[..end])
                .unwrap_or_else(|e| panic!("JSON-LD does not parse: {e}: {}", &rest[..end]))
        })
        .collect()
}

fn meta_contents<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!("<meta name=\"{name}\" content=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect()
}

/// A Pagefind filter file: gzip of `pagefind_dcd` + CBOR `[name, [[value, [page...]]...]]`.
fn decode_filter(gzipped: &[u8]) -> (String, BTreeMap<String, usize>) {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(gzipped)
        .read_to_end(&mut bytes)
        .expect("gzip");
    let cbor = bytes
        .strip_prefix(b"pagefind_dcd")
        .expect("Pagefind's marker");
    let mut decoder = minicbor::Decoder::new(cbor);
    decoder.array().expect("filter array");
    let name = decoder.str().expect("filter name").to_string();
    let count = decoder.array().expect("values").expect("definite");
    let mut values = BTreeMap::new();
    for _ in 0..count {
        decoder.array().expect("value pair");
        let value = decoder.str().expect("value").to_string();
        let pages = decoder.array().expect("pages").expect("definite");
        for _ in 0..pages {
            decoder.u64().expect("page number");
        }
        values.insert(value, pages as usize);
    }
    (name, values)
}

fn html_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

// ---------------------------------------------------------------- search

#[test]
fn search_index_holds_every_paper_and_survey_page() {
    let site = real();
    let marked: Vec<&String> = site
        .html_pages()
        .filter(|(_, html)| html.contains("data-pagefind-body"))
        .map(|(path, _)| path)
        .collect();
    let indexed = site.search_page_count();
    assert_eq!(indexed, marked.len(), "every marked page is indexed");
    for paper in &site.papers {
        let path = format!("{}index.html", paper.path());
        assert!(marked.contains(&&path), "{path} is not searchable");
    }
    let types = &site.search_filters()["type"];
    assert_eq!(types["paper"], site.papers.len());
    assert_eq!(types["paper"] + types["section"], indexed);
}

#[test]
fn every_year_venue_topic_and_author_is_a_filter_value_with_its_count() {
    let site = real();
    let filters = site.search_filters();
    let mut expected: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
    for paper in &site.papers {
        let mut add = |facet: &'static str, value: String| {
            *expected.entry(facet).or_default().entry(value).or_default() += 1;
        };
        add("year", paper.fields.year.to_string());
        // The venue filter holds the venue's series ("NeurIPS" for "NeurIPS 2023").
        if let Some(venue) = &paper.fields.venue {
            add("venue", survey::parse::venue::split(venue).series);
        }
        for name in paper.fields.named_authors() {
            add("author", name.clone());
        }
        let html = site.text(&format!("{}index.html", paper.path()));
        let topics = html.matches("data-pagefind-filter=\"topic\"").count();
        assert_eq!(topics, paper.fields.topics.len(), "{}", paper.key);
    }
    for (facet, values) in &expected {
        assert_eq!(&filters[*facet], values, "filter `{facet}`");
    }
    let topic_total: usize = filters["topic"].values().sum();
    let filed: usize = site.papers.iter().map(|p| p.fields.topics.len()).sum();
    assert_eq!(topic_total, filed);
}

#[test]
fn the_venue_filter_joins_every_edition_of_a_series() {
    let venues = &real().search_filters()["venue"];
    assert!(
        venues["NeurIPS"] >= 15,
        "NeurIPS 2022, 2023 and its tracks: {venues:?}"
    );
    assert!(
        venues.keys().all(|v| !v.starts_with("NeurIPS 20")),
        "{venues:?}"
    );
    assert!(venues.contains_key("arXiv") && venues.contains_key("TMLR"));
}

/// Copies a fixture into a temporary folder, to add files to it.
fn copy_fixture(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_fixture(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every paper on exactly one page of each order: the rows of all pages, following
/// each page's "next" link from the first.
fn table_rows(site: &Built, first: &str) -> Vec<String> {
    let mut rows = Vec::new();
    let mut path = Some(first.to_string());
    while let Some(current) = path.take() {
        let html = site.text(&format!("{current}index.html"));
        let needle = "<tr data-testid=\"paper-row\" data-year=\"";
        for (at, _) in html.match_indices(needle) {
            let cell = &html[at..];
            let href = cell.split("<a href=\"").nth(1).unwrap();
            rows.push(href[..href.find('"').unwrap()].to_string());
        }
        path = html.find("\" rel=\"next\"").map(|end| {
            let start = html[..end].rfind("href=\"").unwrap() + "href=\"".len();
            html[start..end]
                .strip_prefix(&site.base_path)
                .unwrap()
                .to_string()
        });
    }
    rows
}

#[test]
fn a_large_survey_pages_its_paper_table_in_both_orders() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/readers");
    copy_fixture(&fixture, dir.path());
    let extra = 2 * survey::render::paper_pages::PAGE_SIZE + 10;
    for i in 0..extra {
        let paper = format!(
            "---\ntitle: \"Generated Paper {i:03}\"\nauthors: [Ada Lovelace]\nyear: {}\nvenue: arXiv\nurl: https://example.org/{i}\n---\n",
            2000 + i % 20
        );
        std::fs::write(
            dir.path().join(format!("content/papers/gen{i:03}.md")),
            paper,
        )
        .unwrap();
    }
    let site = Fixture::at(dir.path().to_path_buf())
        .without_search()
        .build();
    let total = site.papers.len();
    assert_eq!(survey::render::paper_pages::page_count(total), 3);
    let newest = table_rows(&site, "papers/");
    let by_title = table_rows(&site, "papers/by-title/");
    assert_eq!(newest.len(), total);
    let unique: BTreeSet<&String> = newest.iter().collect();
    assert_eq!(unique.len(), total, "no paper twice");
    let (mut a, mut b) = (newest.clone(), by_title.clone());
    a.sort();
    b.sort();
    assert_eq!(a, b, "both orders list the same papers");
    for path in ["papers/2/", "papers/3/", "papers/by-title/3/"] {
        assert!(
            site.files.contains_key(&format!("{path}index.html")),
            "{path}"
        );
        let loc = format!("<loc>{}{path}</loc>", site.base_url);
        assert!(
            site.text("sitemap.xml").contains(&loc),
            "{path} in the sitemap"
        );
    }
    assert!(!site.files.contains_key("papers/4/index.html"));
}

#[test]
fn paper_titles_weigh_most_and_duplicated_lists_are_not_indexed() {
    let site = real();
    for paper in &site.papers {
        let html = site.text(&format!("{}index.html", paper.path()));
        assert!(
            html.contains("<h1 data-pagefind-weight=\"10\" data-pagefind-meta=\"title\">"),
            "{}",
            paper.key
        );
    }
    let section = site.text("training/offline/index.html");
    assert!(section.contains("data-testid=\"topic-papers\" data-pagefind-ignore"));
    assert!(section.contains("data-testid=\"references\""));
    assert!(
        section
            .contains("class=\"references\" aria-labelledby=\"references\" data-pagefind-ignore")
    );
}

#[test]
fn search_files_are_identical_under_a_sub_path_and_across_builds() {
    let root = Fixture::readers().base_url("https://example.org/").build();
    let sub = Fixture::readers()
        .base_url("https://user.github.io/deep/sub/")
        .build();
    let again = Fixture::readers()
        .base_url("https://user.github.io/deep/sub/")
        .build();
    let search_files = |built: &Built| -> BTreeMap<String, Vec<u8>> {
        built
            .files
            .iter()
            .filter(|(path, _)| path.starts_with("pagefind/"))
            .map(|(p, b)| (p.clone(), b.clone()))
            .collect()
    };
    assert!(!search_files(&root).is_empty());
    assert_eq!(search_files(&root), search_files(&sub));
    assert_eq!(sub.files, again.files, "two builds are byte-identical");
    let search = sub.text("search/index.html");
    assert!(search.contains("data-pagefind-url=\"/deep/sub/pagefind/pagefind.js\""));
    assert!(
        sub.text("index.html")
            .contains("action=\"/deep/sub/search/\"")
    );
}

#[test]
fn no_search_leaves_no_pagefind_folder() {
    let built = Fixture::readers().without_search().build();
    assert!(!built.files.keys().any(|p| p.starts_with("pagefind/")));
    assert!(built.files.contains_key("search/index.html"));

    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("public");
    let run = |extra: &[&str]| {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_survey"))
            .args(["build", "--root"])
            .arg(Fixture::readers().root)
            .arg("--output")
            .arg(&out)
            .arg("--cache-dir")
            .arg(temp.path().join("cache"))
            .args(extra)
            .output()
            .expect("survey runs");
        assert!(status.status.success(), "{status:?}");
    };
    run(&[]);
    assert!(out.join("pagefind/pagefind.js").is_file());
    assert!(
        temp.path().join("cache/engine.bin").is_file(),
        "the cache is kept"
    );
    run(&["--no-search"]);
    assert!(!out.join("pagefind").exists(), "the old index is gone too");
    assert!(out.join("index.html").is_file());
}

#[test]
fn pagefind_is_loaded_only_by_the_search_page() {
    let site = Fixture::readers().build();
    for (path, html) in site.html_pages() {
        let loads = html.contains("pagefind/pagefind.js") || html.contains("search.");
        let loads_search_js = attribute_values(html, "src")
            .iter()
            .any(|src| src.contains("/search."));
        if path == "search/index.html" {
            assert!(loads && loads_search_js, "{path}");
        } else {
            assert!(!loads_search_js, "{path} loads the search script");
            assert!(!html.contains("pagefind/pagefind.js"), "{path}");
        }
    }
}

// ---------------------------------------------------------------- listings

#[test]
fn author_year_and_venue_pages_exist_and_every_link_on_them_resolves() {
    let site = Fixture::readers().build();
    for name in ["Rafael Rafailov", "Andreas Köpf", "Jérémy Scheurer"] {
        let path = format!(
            "{}index.html",
            survey::assemble::listings::author_path(name)
        );
        assert!(site.files.contains_key(&path), "{path}");
    }
    assert!(site.files.contains_key("authors/andreas-kopf/index.html"));
    assert!(site.files.contains_key("years/2021/index.html"));
    assert!(site.files.contains_key("venues/neurips-2023/index.html"));
    assert!(!site.files.contains_key("authors/others/index.html"));
    let listing_pages: Vec<(&String, &str)> = site
        .html_pages()
        .filter(|(p, _)| {
            ["authors/", "years/", "venues/"]
                .iter()
                .any(|f| p.starts_with(f))
        })
        .collect();
    assert_eq!(listing_pages.len(), 5 + 3 + 3 + 3, "{listing_pages:#?}");
    for (path, html) in listing_pages {
        for href in attribute_values(html, "href") {
            if href.starts_with('/') {
                assert!(site.resolves(href), "{path}: {href} does not resolve");
            }
        }
    }
}

#[test]
fn an_author_page_lists_their_papers_newest_first() {
    let site = Fixture::readers().build();
    let html = site.text("authors/rafael-rafailov/index.html");
    let direct = html
        .find("Direct Preference Optimization")
        .expect("DPO listed");
    let open = html
        .find("OpenAssistant Conversations")
        .expect("OpenAssistant listed");
    assert!(direct < open, "May 2023 comes before April 2023");
    assert!(html.contains("2 papers in this survey"));
    let sharma = site.text("authors/archit-sharma/index.html");
    assert_eq!(sharma.matches("data-testid=\"paper-item\"").count(), 2);
}

#[test]
fn every_author_name_on_paper_pages_and_lists_links_to_their_page() {
    let site = Fixture::readers().build();
    for paper in &site.papers {
        let html = site.text(&format!("{}index.html", paper.path()));
        for name in paper.fields.named_authors() {
            let href = format!(
                "href=\"{}{}\"",
                site.base_path,
                survey::assemble::listings::author_path(name)
            );
            assert!(html.contains(&href), "{}: {name}", paper.key);
        }
    }
    // The all-papers table names authors in plain text (a page of rows stays small).
    let table = site.text("papers/index.html");
    assert!(table.contains("<td>Andreas Köpf"));
    let section = site.text("methods/index.html");
    assert!(section.contains("href=\"/fixture-survey/authors/archit-sharma/\""));
}

#[test]
fn topic_lists_and_the_paper_table_are_newest_first() {
    let site = Fixture::readers().build();
    let page = site.text("methods/index.html");
    let lists = page
        .find("data-testid=\"topic-papers\"")
        .expect("paper lists");
    let section = &page[lists..page.find("id=\"references\"").expect("references")];
    let needle = "href=\"/fixture-survey/years/";
    let years: Vec<i32> = section
        .match_indices(needle)
        .map(|(at, _)| {
            section[at + needle.len()..at + needle.len() + 4]
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(
        years,
        [2023, 2022, 2023, 2021],
        "each topic list is newest first"
    );
    let table = site.text("papers/index.html");
    let rows: Vec<i32> = attribute_values(table, "data-year")
        .iter()
        .map(|y| y.parse().unwrap())
        .collect();
    assert_eq!(rows, [2023, 2023, 2022, 2021]);
    assert!(table.contains("href=\"/fixture-survey/papers/by-title/\" data-testid=\"sort-title\""));
    assert!(
        !table.contains("data-testid=\"papers-pager\""),
        "one page is enough"
    );
}

// ---------------------------------------------------------------- feed, sitemap, metadata

/// The first child element of `node` named `name` in the Atom namespace.
fn atom_child<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &str,
) -> roxmltree::Node<'a, 'input> {
    node.children()
        .find(|c| c.has_tag_name(("http://www.w3.org/2005/Atom", name)))
        .unwrap_or_else(|| panic!("no <{name}>"))
}

#[test]
fn the_atom_feed_is_valid_xml_with_one_entry_per_paper() {
    let site = Fixture::readers().build();
    let xml = site.text("atom.xml");
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let atom = "http://www.w3.org/2005/Atom";
    let feed = doc.root_element();
    assert!(feed.has_tag_name((atom, "feed")));
    for name in ["id", "title", "updated", "author"] {
        atom_child(feed, name);
    }
    assert_eq!(
        atom_child(feed, "updated").text(),
        Some("2024-03-10T00:00:00Z"),
        "the feed is as new as its newest entry"
    );
    let entries: Vec<roxmltree::Node> = feed
        .children()
        .filter(|c| c.has_tag_name((atom, "entry")))
        .collect();
    assert_eq!(entries.len(), site.papers.len());
    let updated: Vec<&str> = entries
        .iter()
        .map(|e| atom_child(*e, "updated").text().unwrap())
        .collect();
    assert_eq!(
        updated,
        [
            "2024-03-10T00:00:00Z",
            "2024-02-01T00:00:00Z",
            "2024-01-15T00:00:00Z",
            "2021-01-01T00:00:00Z"
        ]
    );
    for entry in entries {
        let id = atom_child(entry, "id").text().unwrap();
        assert_eq!(atom_child(entry, "link").attribute("href"), Some(id));
        assert!(site.resolves(id.strip_prefix("https://example.github.io").unwrap()));
    }
    assert_eq!(
        doc.descendants()
            .find(|n| n.has_tag_name((atom, "title")) && n.text().unwrap_or("").contains("script"))
            .and_then(|n| n.text()),
        Some("Training with </script><script>alert(1)</script> in the Title")
    );
}

#[test]
fn a_large_survey_feed_keeps_only_the_papers_added_last() {
    let site = real();
    assert!(
        site.papers.len() > survey::render::meta::FEED_ENTRIES,
        "too few papers to test"
    );
    let doc = roxmltree::Document::parse(site.text("atom.xml")).expect("well-formed XML");
    let ids: Vec<&str> = (doc.root_element().children())
        .filter(|c| c.has_tag_name(("http://www.w3.org/2005/Atom", "entry")))
        .map(|entry| atom_child(entry, "id").text().unwrap())
        .collect();
    assert_eq!(ids.len(), survey::render::meta::FEED_ENTRIES);
    // Most recently added first; then newest published, then by title, as everywhere.
    let mut papers: Vec<&survey::model::Paper> = site.papers.iter().collect();
    papers.sort_by_cached_key(|paper| {
        let fields = &paper.fields;
        let added = (fields.added.clone())
            .unwrap_or_else(|| format!("{:04}-{:02}-01", fields.year, fields.month.unwrap_or(1)));
        let published = (fields.year, fields.month.unwrap_or(0));
        let newest = std::cmp::Reverse((added, published));
        (newest, fields.title.to_lowercase(), paper.key.clone())
    });
    let expected: Vec<String> = papers[..ids.len()].iter().map(|p| p.path()).collect();
    let listed: Vec<&str> = ids
        .iter()
        .map(|id| &id[id.find("papers/").unwrap()..])
        .collect();
    assert_eq!(listed, expected);
}

#[test]
fn the_sitemap_is_valid_xml_listing_every_page_and_listing() {
    let site = Fixture::readers().build();
    let doc = roxmltree::Document::parse(site.text("sitemap.xml")).expect("well-formed XML");
    let ns = "http://www.sitemaps.org/schemas/sitemap/0.9";
    assert!(doc.root_element().has_tag_name((ns, "urlset")));
    let locs: BTreeSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name((ns, "loc")))
        .map(|n| n.text().unwrap())
        .collect();
    for loc in &locs {
        let path = loc.strip_prefix(&site.base_url).expect("absolute URL");
        assert!(site.resolves(&format!("{}{path}", site.base_path)), "{loc}");
    }
    for path in [
        "authors/",
        "authors/andreas-kopf/",
        "years/2023/",
        "venues/tmlr-2023/",
    ] {
        assert!(
            locs.contains(format!("{}{path}", site.base_url).as_str()),
            "{path}"
        );
    }
    assert!(
        !locs.iter().any(|l| l.contains("/search/")),
        "search is noindex"
    );
}

#[test]
fn json_ld_parses_and_describes_papers_and_the_site() {
    let site = Fixture::readers().build();
    for paper in &site.papers {
        let html = site.text(&format!("{}index.html", paper.path()));
        let blocks = json_ld_blocks(html);
        assert_eq!(blocks.len(), 1, "{}", paper.key);
        let article = &blocks[0];
        assert_eq!(article["@type"], "ScholarlyArticle");
        assert_eq!(article["name"], paper.fields.title.as_str());
        assert_eq!(
            article["author"].as_array().unwrap().len(),
            paper.fields.named_authors().len()
        );
    }
    let tricky = site.text("papers/scheurer2023script/index.html");
    assert_eq!(
        tricky.matches("</script>").count(),
        tricky.matches("<script").count()
    );
    let home = json_ld_blocks(site.text("index.html"));
    assert_eq!(home[0]["@type"], "WebSite");
    assert_eq!(
        home[0]["potentialAction"]["target"]["urlTemplate"],
        "https://example.github.io/fixture-survey/search/?q={search_term_string}"
    );
}

#[test]
fn paper_pages_carry_highwire_citation_tags() {
    let site = Fixture::readers().build();
    let dpo = site.text("papers/rafailov2023direct/index.html");
    assert_eq!(
        meta_contents(dpo, "citation_title"),
        ["Direct Preference Optimization: Your Language Model is Secretly a Reward Model"]
    );
    assert_eq!(
        meta_contents(dpo, "citation_author"),
        ["Rafael Rafailov", "Archit Sharma", "Chelsea Finn"]
    );
    assert_eq!(meta_contents(dpo, "citation_publication_date"), ["2023/05"]);
    assert_eq!(
        meta_contents(dpo, "citation_conference_title"),
        ["NeurIPS 2023"]
    );
    assert_eq!(meta_contents(dpo, "citation_arxiv_id"), ["2305.18290"]);
    assert!(meta_contents(dpo, "citation_doi").is_empty());
    let journal = site.text("papers/scheurer2023script/index.html");
    assert_eq!(
        meta_contents(journal, "citation_journal_title"),
        ["TMLR 2023"]
    );
    assert_eq!(
        meta_contents(journal, "citation_doi"),
        ["10.1234/example.5678"]
    );
    let preprint = site.text("papers/koepf2023open/index.html");
    assert!(meta_contents(preprint, "citation_conference_title").is_empty());
    assert!(meta_contents(preprint, "citation_journal_title").is_empty());
    assert_eq!(
        html_unescape(meta_contents(preprint, "citation_title")[0]),
        "OpenAssistant Conversations & Democratizing Alignment"
    );
    for paper in &real().papers {
        let html = real().text(&format!("{}index.html", paper.path()));
        assert_eq!(
            meta_contents(html, "citation_author").len(),
            paper.fields.named_authors().len(),
            "{}",
            paper.key
        );
        assert_eq!(meta_contents(html, "citation_title").len(), 1);
    }
}

#[test]
fn every_page_has_open_graph_tags_and_a_feed_link() {
    let site = Fixture::readers().build();
    for (path, html) in site.html_pages() {
        if path == "404.html" {
            continue;
        }
        for property in ["og:title", "og:url", "og:type", "og:description"] {
            assert!(
                html.contains(&format!("<meta property=\"{property}\" content=\"")),
                "{path}: {property}"
            );
        }
        assert!(html.contains("<meta name=\"twitter:card\" content=\"summary\">"));
        assert!(html.contains("type=\"application/atom+xml\""), "{path}");
    }
}

// ---------------------------------------------------------------- home and budget

#[test]
fn the_home_page_charts_papers_per_year_and_chapter_with_text_alternatives() {
    let site = real();
    let home = site.text("index.html");
    assert_eq!(home.matches("<svg class=\"chart\"").count(), 2);
    assert!(home.contains("aria-labelledby=\"chart-years-title chart-years-desc\""));
    let mut per_year: BTreeMap<i32, usize> = BTreeMap::new();
    for paper in &site.papers {
        *per_year.entry(paper.fields.year).or_default() += 1;
    }
    let description: Vec<String> = per_year.iter().map(|(y, n)| format!("{y}: {n}")).collect();
    let desc = format!(
        "<desc id=\"chart-years-desc\">{}.</desc>",
        description.join("; ")
    );
    assert!(home.contains(&desc), "expected {desc}");
    assert_eq!(
        home.matches("<rect class=\"chart-bar\"").count(),
        per_year.len() + site.chapters
    );
}

#[test]
fn a_chapter_page_loads_under_20_kb_of_javascript() {
    let site = real();
    let html = site.text("training/index.html");
    let mut total = 0;
    for src in attribute_values(html, "src") {
        let path = src.strip_prefix(&site.base_path).expect("a site URL");
        total += site.files[path].len();
    }
    for (at, _) in html.match_indices("<script>") {
        let rest = &html[at..];
        total += rest.find("</script>").unwrap();
    }
    assert!(total > 0);
    assert!(total < 20 * 1024, "{total} bytes of JavaScript");
}
