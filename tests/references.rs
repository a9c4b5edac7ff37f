//! Integration tests of what a reader gets from references: entries in a real CSL
//! style (pinned APA and IEEE strings), year letters that agree between prose and
//! reference lists, BibTeX files that parse back to the papers' front-matter, a valid
//! CSL-JSON export, and formulas as MathML. Fixture: `tests/fixtures/references`.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use biblatex::{Bibliography, ChunksExt, PermissiveType};
use common::{TestSite, internal_links, resolve_link};
use scraper::{ElementRef, Html, Selector};
use survey::model::PaperFields;
use survey::model::work::WorkKind;

fn select<'a>(html: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

fn text(element: &ElementRef) -> String {
    element.text().collect()
}

fn built(site: TestSite) -> TestSite {
    let outcome = site.build_into("public", None);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    site
}

fn fixture() -> TestSite {
    built(TestSite::fixture("references"))
}

fn with_style(style: &str) -> TestSite {
    let site = TestSite::fixture("references");
    let yaml = site.read("site.yaml");
    site.write("site.yaml", &format!("{yaml}citation_style: {style}\n"))
}

/// The reference shown on a paper's page, as text.
fn paper_reference(site: &TestSite, key: &str) -> String {
    let html = Html::parse_document(&site.read(&format!("public/papers/{key}/index.html")));
    text(&select(&html, "[data-testid=reference]")[0])
}

const APA: &[(&str, &str)] = &[
    (
        "rafailov2023direct",
        "Rafailov, R., Sharma, A., Mitchell, E., Manning, C. D., Ermon, S., & Finn, C. (2023). Direct Preference Optimization: Your Language Model is Secretly a Reward Model. NeurIPS 2023. https://arxiv.org/abs/2305.18290",
    ),
    (
        "wang2023aligning",
        "Wang, Y., Zhong, W., Li, L., Mi, F., et al. (2023c). Aligning Large Language Models with Human: A Survey. arXiv. https://arxiv.org/abs/2307.12966",
    ),
    (
        "wang2023far",
        "Wang, Y., Ivison, H., & Dasigi, P. (2023b). How Far Can Camels Go? Exploring the State of Instruction Tuning on Open Resources. NeurIPS 2023 (Datasets and Benchmarks Track). https://arxiv.org/abs/2306.04751",
    ),
    (
        "wang2023openchat",
        "Wang, G., Cheng, S., Yu, Q., & Liu, C. (2023a). OpenChat: Less is More for Open-source Models [Computer software]. GitHub. https://github.com/imoneoi/openchat",
    ),
    (
        "lmsys2023fastchat",
        "FastChat. (2023). [Computer software]. https://github.com/lm-sys/FastChat",
    ),
    (
        "yin2023survey",
        "Yin, S., Fu, C., & Zhao, S. (2023). A Survey on Multimodal Large Language Models. National Science Review. https://arxiv.org/abs/2306.13549",
    ),
    (
        "ye2023selfee",
        "Ye, S., & Jo, Y. (2023, May). SelFee: Iterative Self-Revising LLM Empowered by Self-Feedback Generation. https://kaistai.github.io/SelFee/",
    ),
    (
        "rutte2024specials",
        r"Rütte, D. von, & Oliveira Pinto, H. P. de. (2024). Q&A at 100%: $5 Models, #1 snake_case {Braces} ~Tilde^ and C:\Path. arXiv. https://doi.org/10.1000/special_chars",
    ),
];

#[test]
fn references_read_in_apa_by_default() {
    let site = fixture();
    for (key, expected) in APA {
        assert_eq!(paper_reference(&site, key), *expected, "{key}");
    }
}

#[test]
fn reference_titles_link_to_paper_pages_and_markup_is_escaped() {
    let site = fixture();
    let page = site.read("public/papers/rutte2024specials/index.html");
    assert!(
        page.contains("(2024). <a href=\"/survey/papers/rutte2024specials/\"><i>Q&amp;A at 100%: $5 Models, #1 snake_case {Braces} ~Tilde^ and C:\\Path</i></a>. arXiv. <a href=\"https://doi.org/10.1000/special_chars\">"),
        "{page}"
    );
    let html = Html::parse_document(&site.read("public/methods/training/index.html"));
    let items = select(&html, "[data-testid=references] li");
    assert_eq!(items.len(), 8);
    for item in items {
        let to_paper = select_in(&item, "a[href^='/survey/papers/']");
        assert_eq!(to_paper.len(), 1, "{}", item.html());
    }
}

fn select_in<'a>(element: &ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    element.select(&Selector::parse(css).unwrap()).collect()
}

#[test]
fn site_yaml_selects_ieee() {
    let site = built(with_style("ieee"));
    assert_eq!(
        paper_reference(&site, "rafailov2023direct"),
        "R. Rafailov, A. Sharma, E. Mitchell, C. D. Manning, S. Ermon, and C. Finn, “Direct Preference Optimization: Your Language Model is Secretly a Reward Model,” in NeurIPS 2023, 2023. [Online]. Available: https://arxiv.org/abs/2305.18290"
    );
    assert_eq!(
        paper_reference(&site, "wang2023aligning"),
        "Y. Wang, W. Zhong, L. Li, F. Mi, et al., “Aligning Large Language Models with Human: A Survey,” Jul. 2023, arXiv. [Online]. Available: https://arxiv.org/abs/2307.12966"
    );
    // IEEE prints no year letters; prose labels keep the engine's own, in title order.
    let html = Html::parse_document(&site.read("public/methods/training/index.html"));
    let labels: Vec<String> = select(&html, ".prose a.citation")
        .iter()
        .map(text)
        .collect();
    assert!(
        labels.contains(&"Wang et al. (2023a)".to_string()),
        "{labels:?}"
    );
}

#[test]
fn unknown_style_is_an_error_with_a_suggestion() {
    let site = with_style("chicago-author-dat");
    let outcome = site.build_into("public", None);
    assert_eq!(outcome.code, 1, "{outcome:?}");
    assert!(
        outcome.stderr.contains("site.yaml:11:1"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome
            .stderr
            .contains("did you mean `chicago-author-date`?"),
        "{}",
        outcome.stderr
    );
}

/// Paper key -> the labels its citations show on `page` (link text, e.g. "Wang et al. (2023a)").
fn cited_labels(site: &TestSite, page: &str) -> BTreeMap<String, BTreeSet<String>> {
    let html = Html::parse_document(&site.read(page));
    let mut labels: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for link in select(&html, "a.citation") {
        let href = link.value().attr("href").unwrap();
        let key = href.trim_end_matches('/').rsplit('/').next().unwrap();
        labels
            .entry(key.to_string())
            .or_default()
            .insert(text(&link));
    }
    labels
}

/// "Wang et al. (2023a)" or "Wang et al., 2023a" -> "2023a".
fn label_year(label: &str) -> String {
    let last = label.rsplit([' ', '(']).next().unwrap_or(label);
    last.trim_end_matches(')').to_string()
}

#[test]
fn year_letters_agree_between_prose_and_reference_lists() {
    let site = fixture();
    let page = "public/methods/training/index.html";
    let labels = cited_labels(&site, page);
    let expected = [
        // Letters follow the reference list: Wang, G. before Wang, Y., Ivison before
        // Wang, Y., Zhong.
        ("wang2023aligning", "Wang et al. (2023c)"),
        ("wang2023far", "Wang et al. (2023b)"),
        ("wang2023openchat", "Wang et al., 2023a"),
        ("rafailov2023direct", "Rafailov et al., 2023"),
        ("rutte2024specials", "Rütte and Oliveira Pinto (2024)"),
    ];
    for (key, label) in expected {
        assert_eq!(labels[key], BTreeSet::from([label.to_string()]), "{key}");
    }
    assert_letters_agree(
        &site,
        &[page, "public/methods/index.html", "public/index.html"],
    );
}

/// Every citation's year (with its letter) opens the entry of the same paper in the
/// page's reference list, and one paper reads the same on every page.
fn assert_letters_agree(site: &TestSite, pages: &[&str]) {
    let mut years: BTreeMap<String, String> = BTreeMap::new();
    for page in pages {
        let html = Html::parse_document(&site.read(page));
        let entries: BTreeMap<String, String> = select(&html, "[data-testid=references] li")
            .iter()
            .map(|li| {
                let link = select_in(li, "a[href*='/papers/']")[0];
                let href = link.value().attr("href").unwrap();
                let key = href.trim_end_matches('/').rsplit('/').next().unwrap();
                (key.to_string(), text(li))
            })
            .collect();
        for (key, labels) in cited_labels(site, page) {
            for label in labels {
                let year = label_year(&label);
                assert!(
                    entries[&key].contains(&format!("({year}")),
                    "{page}: {label} vs {}",
                    entries[&key]
                );
                let first = years.entry(key.clone()).or_insert(year.clone());
                assert_eq!(*first, year, "{key} reads differently on {page}");
            }
        }
    }
}

#[test]
fn real_site_labels_are_unique_and_agree_with_every_reference_list() {
    let site = built(TestSite::real());
    let files = site.files("public");
    let pages: Vec<String> = files
        .keys()
        .filter(|p| p.ends_with("index.html") && !p.starts_with("papers/"))
        .map(|p| format!("public/{p}"))
        .collect();
    let pages: Vec<&str> = pages.iter().map(String::as_str).collect();
    assert_letters_agree(&site, &pages);
    let build = survey::build(site.root(), None);
    let labels = &build.site.as_ref().unwrap().labels;
    let mut seen = BTreeMap::new();
    for (key, label) in labels {
        let text = format!("{}, {}", label.names, label.year);
        if let Some(other) = seen.insert(text.clone(), key) {
            panic!("{key} and {other} both read {text}");
        }
    }
    assert!(
        labels.values().any(|l| l.year == "2023g"),
        "Wang et al. 2023 a..g"
    );
}

/// Front-matter of every paper, from the library's own loader.
fn papers(site: &TestSite) -> BTreeMap<String, PaperFields> {
    let build = survey::build(site.root(), None);
    let site = build.site.expect("the site builds");
    (site.papers.into_map().into_iter())
        .map(|(key, paper)| (key, paper.fields))
        .collect()
}

/// Parses a `.bib` file and checks every entry against the paper's front-matter.
fn check_bib_file(path: &str, text: &str, papers: &BTreeMap<String, PaperFields>) -> Vec<String> {
    let bibliography =
        Bibliography::parse(text).unwrap_or_else(|e| panic!("{path} does not parse: {e:?}"));
    let mut keys = Vec::new();
    for entry in bibliography.iter() {
        let fields = &papers[&entry.key];
        check_entry(path, entry, fields);
        keys.push(entry.key.clone());
    }
    keys
}

/// What TeX prints for a typed title: `--` and `---` are its dashes.
fn as_tex_prints(title: &str) -> String {
    title.replace("---", "\u{2014}").replace("--", "\u{2013}")
}

fn check_entry(path: &str, entry: &biblatex::Entry, fields: &PaperFields) {
    let at = format!("{path}: {}", entry.key);
    let title = entry.title().unwrap().format_verbatim();
    assert_eq!(title, as_tex_prints(&fields.title), "{at}");
    let authors: Vec<String> = entry
        .author()
        .map(|people| people.iter().map(|p| p.to_string()).collect())
        .unwrap_or_default();
    assert_eq!(authors, fields.authors, "{at}");
    let Ok(PermissiveType::Typed(date)) = entry.date() else {
        panic!("{at}: no date");
    };
    let biblatex::DateValue::At(date) = date.value else {
        panic!("{at}: a date range");
    };
    assert_eq!(date.year, fields.year, "{at}");
    assert_eq!(date.month.map(|m| u32::from(m) + 1), fields.month, "{at}");
    let verbatim = |name: &str| entry.get(name).map(|v| v.format_verbatim());
    assert_eq!(verbatim("eprint"), fields.arxiv, "{at}");
    assert_eq!(verbatim("doi"), fields.doi, "{at}");
    assert_eq!(verbatim("url"), fields.url, "{at}");
    let venue = match WorkKind::of(fields) {
        WorkKind::Conference { .. } => verbatim("booktitle"),
        WorkKind::Journal { .. } => verbatim("journal"),
        _ => verbatim("howpublished"),
    };
    let expected = match WorkKind::of(fields) {
        WorkKind::Journal { journal } => Some(journal),
        WorkKind::Web { site: None } | WorkKind::Document => None,
        _ => fields.venue.clone(),
    };
    assert_eq!(venue, expected, "{at}");
}

#[test]
fn every_bib_file_parses_back_to_the_front_matter() {
    for site in [fixture(), built(TestSite::real())] {
        let papers = papers(&site);
        let files = site.files("public");
        let bibs: Vec<(&String, &Vec<u8>)> =
            files.iter().filter(|(p, _)| p.ends_with(".bib")).collect();
        assert!(bibs.len() > 3, "{:?}", files.keys());
        for (path, bytes) in bibs {
            let keys = check_bib_file(path, &String::from_utf8_lossy(bytes), &papers);
            assert!(!keys.is_empty(), "{path}");
            if path == "papers.bib" {
                assert_eq!(keys, papers.keys().cloned().collect::<Vec<_>>());
            }
        }
    }
}

#[test]
fn page_bib_holds_exactly_what_the_page_lists_and_its_link_resolves() {
    let site = fixture();
    let page = "public/methods/training/index.html";
    let html = Html::parse_document(&site.read(page));
    let link = select(&html, "[data-testid=download-bib]")[0];
    assert_eq!(text(&link), "Download these references (BibTeX)");
    assert_eq!(
        link.value().attr("href"),
        Some("/survey/methods/training/papers.bib")
    );
    let listed: BTreeSet<String> = select(&html, "main a[href^='/survey/papers/']")
        .iter()
        .filter_map(|a| a.value().attr("href")?.strip_prefix("/survey/papers/"))
        .map(|rest| rest.trim_end_matches('/').to_string())
        .filter(|key| !key.is_empty())
        .collect();
    let papers = papers(&site);
    let bib = site.read("public/methods/training/papers.bib");
    let in_file: BTreeSet<String> = check_bib_file("training", &bib, &papers)
        .into_iter()
        .collect();
    assert_eq!(in_file, listed);
    let files = site.files("public");
    for found in internal_links(&files)
        .iter()
        .filter(|l| l.url.ends_with(".bib"))
    {
        resolve_link(&files, "/survey/", found).unwrap();
    }
}

#[test]
fn papers_json_is_csl_json() {
    let site = fixture();
    let json: serde_json::Value = serde_json::from_str(&site.read("public/papers.json")).unwrap();
    let items = json.as_array().expect("an array of items");
    let papers = papers(&site);
    assert_eq!(items.len(), papers.len());
    let types = [
        "article",
        "paper-conference",
        "article-journal",
        "software",
        "webpage",
        "document",
    ];
    for item in items {
        let key = item["id"].as_str().expect("id");
        let fields = &papers[key];
        assert!(types.contains(&item["type"].as_str().unwrap()), "{item}");
        assert_eq!(item["title"], fields.title.as_str());
        assert_eq!(item["issued"]["date-parts"][0][0], fields.year);
        for name in item["author"].as_array().into_iter().flatten() {
            assert!(name["family"].is_string(), "{item}");
        }
    }
    let by_id = |id: &str| items.iter().find(|i| i["id"] == id).unwrap();
    assert_eq!(by_id("rafailov2023direct")["type"], "paper-conference");
    assert_eq!(
        by_id("rafailov2023direct")["container-title"],
        "NeurIPS 2023"
    );
    assert_eq!(
        by_id("yin2023survey")["container-title"],
        "National Science Review"
    );
    assert_eq!(
        by_id("wang2023aligning")["author"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(by_id("lmsys2023fastchat")["type"], "software");
}

#[test]
fn paper_pages_offer_bibtex_with_an_announced_copy_button() {
    let site = fixture();
    let html = Html::parse_document(&site.read("public/papers/rafailov2023direct/index.html"));
    let code = select(&html, "[data-testid=bibtex] code")[0];
    assert!(text(&code).starts_with("@inproceedings{rafailov2023direct,\n"));
    let button = select(&html, "button[data-testid=copy-bibtex]")[0];
    assert_eq!(button.value().attr("data-copy"), code.value().attr("id"));
    assert_eq!(text(&button), "Copy BibTeX");
    assert_eq!(select(&html, ".copyable [role=status]").len(), 1);
    let home = Html::parse_document(&site.read("public/index.html"));
    let survey = text(&select(&home, "[data-testid=survey-bibtex] code")[0]);
    assert!(
        survey.contains("author = {Example, Ada and Sample, Bo and others}"),
        "{survey}"
    );
    assert_eq!(
        select(&home, "button[data-testid=copy-survey-bibtex]").len(),
        1
    );
}

#[test]
fn formulas_render_as_mathml() {
    let site = fixture();
    let page = site.read("public/methods/training/index.html");
    let html = Html::parse_document(&page);
    let display = select(&html, "math[display=block]");
    assert_eq!(display.len(), 1);
    assert_eq!(select(&html, "math[display=block] mfrac").len(), 2);
    assert_eq!(text(&select(&html, "math[display=inline] mi")[0]), "β");
    let annotation = text(&select(&html, "math annotation[encoding='application/x-tex']")[0]);
    assert!(
        annotation.starts_with(r"\mathcal{L}_{\mathrm{DPO}}(\theta)"),
        "{annotation}"
    );
    assert!(!page.contains("$$"), "no TeX left in the page");
}

#[test]
fn invalid_tex_warns_at_its_position_and_shows_the_source() {
    let site = TestSite::fixture("references").write(
        "content/methods/_index.md",
        "---\ntitle: Methods\ntopics:\n  - id: preference\n    title: Preference\n---\nA broken formula: $\\nosuchmacro{x} < y$ here.\n",
    );
    let outcome = site.build_into("public", None);
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert!(
        outcome.stderr.contains("content/methods/_index.md:7:19"),
        "{}",
        outcome.stderr
    );
    assert!(
        outcome.stderr.contains("not valid TeX"),
        "{}",
        outcome.stderr
    );
    let page = site.read("public/methods/index.html");
    assert!(
        page.contains("<code class=\"math-error\">$\\nosuchmacro{x} &lt; y$</code>"),
        "{page}"
    );
    let check = site.run(&["check", "--deny-warnings"]);
    assert_eq!(check.code, 1, "{check:?}");
}

#[test]
fn every_formula_of_the_real_survey_renders() {
    let site = built(TestSite::real());
    let outcome = site.run(&["check", "--deny-warnings"]);
    assert!(!outcome.stderr.contains("TeX"), "{}", outcome.stderr);
    let files = site.files("public");
    let mut formulas = 0;
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let page = String::from_utf8_lossy(bytes);
        assert!(!page.contains("math-error"), "{path}");
        formulas += page.matches("<math ").count();
    }
    assert!(formulas >= 70, "{formulas} formulas");
    let dpo = String::from_utf8_lossy(&files["training/offline/index.html"]);
    assert!(
        dpo.contains("<annotation encoding=\"application/x-tex\">\\mathcal{L}_{\\mathrm{DPO}}")
    );
}

/// Regression (issue 12): names the BibTeX rules could not split (`=` read as
/// `family=` syntax) vanished from the reference and the page description. Every
/// author of a paper with unusual names must appear in both, and in the exports.
#[test]
fn no_author_name_is_dropped_from_references_descriptions_or_exports() {
    let names = [
        "<b>Bob</b>",
        "<span class=\"x\">Eve</span>",
        "Plato",
        "OpenAI",
        "van der Berg",
        "张伟",
        "Ελένη Παππά",
    ];
    let authors: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    let paper = format!(
        "---\ntitle: \"Odd Names\"\nauthors: [{}]\nyear: 2023\nvenue: arXiv\narxiv: \"2301.00001\"\n---\n",
        authors.join(", ")
    );
    let site =
        built(TestSite::fixture("references").write("content/papers/odd2023names.md", &paper));
    let page = site.read("public/papers/odd2023names/index.html");
    let html = Html::parse_document(&page);
    let reference = text(&select(&html, "[data-testid=reference]")[0]);
    let description = select(&html, "meta[name=description]")[0]
        .value()
        .attr("content")
        .unwrap()
        .to_string();
    let bib = site.read("public/papers.bib");
    let json = site.read("public/papers.json");
    for name in names {
        let family = name.rsplit(' ').next().unwrap();
        assert!(
            reference.contains(family),
            "{name} in the reference: {reference}"
        );
        assert!(bib.contains(family), "{name} in the BibTeX: {bib}");
        let quoted = serde_json::to_string(family).unwrap();
        assert!(
            json.contains(quoted.trim_matches('"')),
            "{name} in CSL-JSON"
        );
    }
    // APA's label names the first author: "<b>Bob</b> et al."
    assert!(
        description.starts_with("<b>Bob</b> et al., 2023"),
        "{description}"
    );
    assert!(
        !reference.contains(", ,") && !reference.contains("& ."),
        "{reference}"
    );
}
