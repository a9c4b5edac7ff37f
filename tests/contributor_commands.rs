//! The contributor's commands end to end, through the real binary: `check` (exit
//! codes, human and GitHub output), `new paper`, `import` and `readme`, and the real
//! survey content passing `check --deny-warnings`.

mod common;

use std::path::Path;

use survey::model::PaperFields;

fn paper_fields(path: &Path) -> PaperFields {
    let text = std::fs::read_to_string(path).unwrap();
    let yaml = text.split("---\n").nth(1).unwrap();
    survey::parse::frontmatter::serde_yaml::from_str(yaml).unwrap()
}

/// Whether `tests/reference/venue-updates.yaml` gives the paper a later venue.
fn venue_updated(key: &str) -> bool {
    let path = common::repo().join("tests/reference/venue-updates.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let updates: Vec<std::collections::BTreeMap<String, serde_json::Value>> =
        survey::parse::frontmatter::serde_yaml::from_str(&text).unwrap();
    updates
        .iter()
        .any(|u| u.get("key").and_then(|k| k.as_str()) == Some(key))
}

#[test]
fn check_exit_codes_follow_the_contract() {
    let clean = common::site_with(None);
    let root = clean.path().to_str().unwrap();
    assert_eq!(
        common::survey(&["check", "--root", root], clean.path()).0,
        0
    );
    let orphan = common::site_with(Some("bad/orphan-paper"));
    let orphan_root = orphan.path().to_str().unwrap();
    assert_eq!(
        common::survey(&["check", "--root", orphan_root], orphan.path()).0,
        0
    );
    let denied = common::survey(
        &["check", "--root", orphan_root, "--deny-warnings"],
        orphan.path(),
    );
    assert_eq!(denied.0, 1, "{denied:?}");
    let broken = common::site_with(Some("bad/unknown-field"));
    assert_eq!(
        common::survey(
            &["check", "--root", broken.path().to_str().unwrap()],
            broken.path()
        )
        .0,
        1
    );
    let missing = common::survey(&["check", "--root", "no/such/folder"], clean.path());
    assert_eq!(missing.0, 2, "{missing:?}");
    assert_eq!(
        common::survey(&["check", "--format", "xml"], clean.path()).0,
        2
    );
    assert_eq!(
        common::survey(&["check", "--no-such-flag"], clean.path()).0,
        2
    );
}

#[test]
fn human_output_quotes_the_line_and_marks_the_span_without_colour_when_piped() {
    let site = common::site_with(Some("bad/unknown-citation"));
    let (code, _, stderr) = common::survey(
        &["check", "--root", site.path().to_str().unwrap()],
        site.path(),
    );
    assert_eq!(code, 1);
    let expected = [
        "error: unknown citation key `rafailov2023dpo`",
        " --> content/methods/online.md:6:26",
        "6 | Offline ones do not [see @rafailov2023dpo; @ouyang2022training].",
        "  |                          ^^^^^^^^^^^^^^^^",
        "  = help: did you mean `@rafailov2023direct`? Otherwise add content/papers/rafailov2023dpo.md",
        "check failed: 1 error, 0 warnings",
    ];
    for line in expected {
        assert!(
            stderr.lines().any(|l| l == line),
            "missing {line:?} in\n{stderr}"
        );
    }
    assert!(!stderr.contains('\x1b'), "no colour codes when piped");
}

#[test]
fn github_output_is_one_annotation_per_problem_sorted_by_file_and_line() {
    let site = common::site_with(Some("bad/duplicate-arxiv"));
    let (code, stdout, _) = common::survey(
        &[
            "check",
            "--root",
            site.path().to_str().unwrap(),
            "--format",
            "github",
        ],
        site.path(),
    );
    assert_eq!(code, 1);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("::error file=content/papers/dpo.md,line=4,col=8,endColumn=22,title=survey error::same arXiv id as content/papers/rafailov2023direct.md%0Ahelp: "), "{stdout}");
    assert!(
        lines[1].starts_with("::error file=content/papers/rafailov2023direct.md,line=7,col=8,"),
        "{stdout}"
    );
    let warned = common::site_with(Some("bad/orphan-paper"));
    let (_, stdout, _) = common::survey(
        &[
            "check",
            "--root",
            warned.path().to_str().unwrap(),
            "--format",
            "github",
        ],
        warned.path(),
    );
    assert!(
        stdout.starts_with("::warning file=content/papers/hu2021lora.md,line=5,col=1,"),
        "{stdout}"
    );
}

#[test]
fn new_paper_writes_a_template_that_passes_check_and_is_never_overwritten() {
    let site = common::site_with(None);
    let root = site.path().to_str().unwrap();
    let (code, stdout, stderr) =
        common::survey(&["new", "paper", "hu2021lora", "--root", root], site.path());
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("created content/papers/hu2021lora.md"),
        "{stdout}"
    );
    assert!(
        stdout.contains("methods/ranking"),
        "lists the topics: {stdout}"
    );
    let path = site.path().join("content/papers/hu2021lora.md");
    let written = std::fs::read_to_string(&path).unwrap();
    for field in survey::parse::frontmatter::field_names::<PaperFields>() {
        assert!(
            written.contains(&format!("\n{field}:")),
            "{field} missing:\n{written}"
        );
    }
    assert!(
        written.matches("\n# ").count() >= 11,
        "every field is commented:\n{written}"
    );
    let result = survey::check(site.path());
    assert!(
        !result.diagnostics.has_errors(),
        "{:?}",
        result.diagnostics.sorted()
    );
    let messages: Vec<String> = result
        .diagnostics
        .sorted()
        .into_iter()
        .map(|d| d.message)
        .collect();
    assert_eq!(
        messages,
        [
            "the title is still the placeholder",
            "`hu2021lora` is neither cited nor in any topic"
        ]
    );
    let again = common::survey(&["new", "paper", "hu2021lora", "--root", root], site.path());
    assert_eq!(again.0, 1, "{again:?}");
    assert!(again.2.contains("already exists"), "{again:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    let invalid = common::survey(&["new", "paper", "Hu2021LoRA", "--root", root], site.path());
    assert_eq!(invalid.0, 2, "{invalid:?}");
    assert!(!site.path().join("content/papers/Hu2021LoRA.md").exists());
}

const IMPORTED: [&str; 10] = [
    "kopf2023openassistant",
    "touvron2023llama",
    "bubeck2023sparks",
    "wang2022selfinstruct",
    "honovich2022unnatural",
    "li2021prefix",
    "zhou2023lima",
    "wei2022chain",
    "yuan2023rrhf",
    "bach2022promptsource",
];

#[test]
fn importing_ten_real_entries_gives_files_that_pass_check_and_build() {
    let site = common::site_with(None);
    let bib = common::fixture("import/papers.bib");
    let root = site.path().to_str().unwrap();
    let (code, stdout, stderr) = common::survey(
        &["import", bib.to_str().unwrap(), "--root", root],
        site.path(),
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("imported 10 papers; 0 entries refused"),
        "{stdout}"
    );
    for key in IMPORTED {
        let imported = paper_fields(&site.path().join(format!("content/papers/{key}.md")));
        let mut reference = paper_fields(&common::repo().join(format!("content/papers/{key}.md")));
        // TeX reads `--` as an en dash; the reference list keeps arXiv's two hyphens.
        reference.title = reference.title.replace("--", "–");
        assert_eq!(imported.title, reference.title, "{key}");
        assert_eq!(imported.authors, reference.authors, "{key}");
        assert_eq!(
            (imported.year, imported.month),
            (reference.year, reference.month),
            "{key}"
        );
        // The .bib entries are the arXiv versions; a venue confirmed later is in the
        // paper file (and in venue-updates.yaml), not in the entry.
        if !venue_updated(key) {
            assert_eq!(imported.venue, reference.venue, "{key}");
        }
        assert_eq!(imported.arxiv, reference.arxiv, "{key}");
        assert_eq!(imported.url, reference.url, "{key}");
        assert!(
            imported.topics.is_empty() && imported.added.is_some(),
            "{key}"
        );
    }
    let checked = survey::check(site.path());
    assert!(
        !checked.diagnostics.has_errors(),
        "{:?}",
        checked.diagnostics.sorted()
    );
    assert_eq!(
        checked.diagnostics.warning_count(),
        10,
        "one `not filed` warning per paper"
    );
    let built = survey::build(site.path(), None);
    assert!(built.succeeded());
    for key in IMPORTED {
        let page = format!("papers/{key}/index.html");
        assert!(built.outputs.iter().any(|o| o.path == page), "no {page}");
    }
}

#[test]
fn importing_again_refuses_every_entry_and_names_the_existing_file() {
    let site = common::site_with(None);
    let bib = common::fixture("import/papers.bib");
    let args = [
        "import",
        bib.to_str().unwrap(),
        "--root",
        site.path().to_str().unwrap(),
    ];
    assert_eq!(common::survey(&args, site.path()).0, 0);
    let before = common::snapshot(site.path());
    let (code, stdout, stderr) = common::survey(&args, site.path());
    assert_eq!(code, 1);
    assert!(
        stdout.contains("imported 0 papers; 10 entries refused"),
        "{stdout}"
    );
    assert!(
        stderr.contains("entry `kopf2023openassistant` is not imported: it duplicates content/papers/kopf2023openassistant.md (same arXiv id)"),
        "{stderr}"
    );
    assert_eq!(before, common::snapshot(site.path()), "nothing was written");
}

#[test]
fn importing_an_entry_already_in_the_site_under_another_key_is_refused() {
    let site = common::site_with(None);
    let bib = site.path().join("dpo.bib");
    std::fs::write(
        &bib,
        "@misc{dpo,\n  title = {{Direct Preference Optimization}: Your Language Model is Secretly a Reward Model},\n  year = {2023},\n  eprint = {2305.18290v2},\n  archivePrefix = {arXiv}\n}\n",
    )
    .unwrap();
    let (code, _, stderr) = common::survey(&["import", "dpo.bib", "--root", "."], site.path());
    assert_eq!(code, 1);
    assert!(stderr.contains("--> dpo.bib:1:7"), "{stderr}");
    assert!(
        stderr.contains("duplicates content/papers/rafailov2023direct.md (same arXiv id)"),
        "{stderr}"
    );
    assert!(!site.path().join("content/papers/dpo.md").exists());
}

#[test]
fn readme_regenerates_the_list_and_check_notices_when_it_is_stale() {
    let site = common::site_with(Some("readme"));
    let root = site.path().to_str().unwrap();
    let readme = site.path().join("README.md");
    let original = std::fs::read_to_string(&readme).unwrap();
    assert_eq!(
        common::survey(&["readme", "--root", root], site.path()).1,
        "README.md is up to date\n"
    );
    std::fs::write(
        site.path().join("content/papers/hu2021lora.md"),
        "---\ntitle: \"LoRA: Low-Rank Adaptation of Large Language Models\"\nauthors: [Edward J. Hu, others]\nyear: 2021\nvenue: ICLR 2022\narxiv: \"2106.09685\"\ntopics: [methods/ranking, methods/online]\n---\n",
    )
    .unwrap();
    let stale = common::survey(
        &["check", "--root", root, "--format", "github"],
        site.path(),
    );
    assert_eq!(stale.0, 1);
    assert!(
        stale.1.starts_with("::error file=README.md,line=7,col=1,"),
        "{stale:?}"
    );
    assert_eq!(
        common::survey(&["readme", "--root", root], site.path()).0,
        0
    );
    let updated = std::fs::read_to_string(&readme).unwrap();
    assert_eq!(updated.matches("[LoRA: Low-Rank Adaptation of Large Language Models](https://arxiv.org/abs/2106.09685) - Hu et al., ICLR 2022.").count(), 2, "once per topic:\n{updated}");
    assert!(
        updated.starts_with("# Minimal survey\n") && updated.ends_with("\nThe end.\n"),
        "the rest is kept"
    );
    assert_ne!(updated, original);
    assert_eq!(
        common::survey(&["check", "--root", root, "--deny-warnings"], site.path()).0,
        0
    );
}

#[test]
fn the_real_survey_passes_check_with_warnings_denied() {
    let result = survey::check(&common::repo());
    assert!(
        result.diagnostics.is_empty(),
        "{:?}",
        result.diagnostics.sorted()
    );
}
