//! `survey init`: a new survey checks clean and builds at once, and init never writes
//! into a folder that holds anything.

mod common;

use common::{internal_links, resolve_link, snapshot, survey};

#[test]
fn a_new_survey_checks_clean_builds_and_every_link_resolves() {
    let parent = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) =
        survey(&["init", "demo", "--title", "Graphs & LLMs"], parent.path());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("created demo/site.yaml"), "{stdout}");
    let demo = parent.path().join("demo");
    for file in [
        ".gitignore",
        ".github/workflows/check.yml",
        ".github/workflows/pages.yml",
    ] {
        assert!(demo.join(file).is_file(), "{file} missing");
    }
    assert!(
        !demo.join("templates").exists(),
        "the theme is built in, not copied"
    );

    let (code, stdout, stderr) = survey(&["check", "--deny-warnings"], &demo);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("0 errors, 0 warnings"), "{stderr}");

    let (code, stdout, stderr) = survey(&["build", "--output", "public"], &demo);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let site = common::files_under(&demo.join("public"));
    let links = internal_links(&site);
    assert!(
        links.len() > 20,
        "too few links to mean anything: {}",
        links.len()
    );
    let broken: Vec<String> = links
        .iter()
        .filter_map(|link| {
            resolve_link(&site, "/", link)
                .err()
                .map(|e| format!("{}: {e}", link.page))
        })
        .collect();
    assert!(broken.is_empty(), "{broken:#?}");
    let home = String::from_utf8_lossy(&site["index.html"]).into_owned();
    assert!(home.contains("Graphs &amp; LLMs"), "the title is used");
    let papers = String::from_utf8_lossy(&site["writing/papers/index.html"]).into_owned();
    assert!(
        papers.contains("papers/rafailov2023direct/"),
        "the example paper is listed"
    );
}

#[test]
fn the_readme_paper_list_is_generated_and_up_to_date() {
    let parent = tempfile::tempdir().unwrap();
    assert_eq!(survey(&["init", "s"], parent.path()).0, 0);
    let demo = parent.path().join("s");
    let readme = std::fs::read_to_string(demo.join("README.md")).unwrap();
    assert!(readme.starts_with("# s\n"), "{readme}");
    assert!(
        readme.contains("Direct Preference Optimization"),
        "{readme}"
    );
    let (code, stdout, _) = survey(&["readme"], &demo);
    assert_eq!((code, stdout.trim()), (0, "README.md is up to date"));
}

#[test]
fn refuses_a_non_empty_folder_and_names_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.md"), "mine").unwrap();
    std::fs::create_dir(dir.path().join("content")).unwrap();
    let before = snapshot(dir.path());
    let (code, stdout, stderr) = survey(&["init"], dir.path());
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("is not empty (it holds content, notes.md)"),
        "{stderr}"
    );
    assert_eq!(snapshot(dir.path()), before, "nothing was written");
}
