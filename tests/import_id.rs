//! `survey import arxiv:ID doi:ID` against a local server serving recorded answers
//! (tests/fixtures/import-id/); the suite never reaches the internet.

mod common;

use std::path::Path;

use common::server::{Answer, Seen, Server, closed_port};
use common::{run_survey, site_with, snapshot};

const ARXIV_FEED: &str = include_str!("fixtures/import-id/arxiv-2305.18290.xml");
const DOI_ITEM: &str = include_str!("fixtures/import-id/doi-10.18653-v1-2023.acl-long.754.json");

/// Answers like arXiv's API under /api/query and like the DOI resolver under /doi/.
fn recorded(seen: &Seen) -> Answer {
    if seen.target == "/api/query?id_list=2305.18290&max_results=1" {
        Answer::new(200, ARXIV_FEED)
    } else if seen.target == "/doi/10.18653/v1/2023.acl-long.754" {
        Answer::new(200, DOI_ITEM)
    } else {
        Answer::new(404, "not found")
    }
}

/// Runs `survey import ARGS` in `root` with the services at `server`.
fn import(root: &Path, base: &str, args: &[&str]) -> (i32, String, String) {
    let args: Vec<&str> = ["import"].into_iter().chain(args.iter().copied()).collect();
    let env = [
        ("SURVEY_ARXIV_API", format!("{base}/api/query")),
        ("SURVEY_DOI_RESOLVER", format!("{base}/doi/")),
        ("SURVEY_HTTP_TIMEOUT", "5".to_string()),
        ("SURVEY_HTTP_BACKOFF_MS", "10".to_string()),
        ("SURVEY_ARXIV_PAUSE_MS", "0".to_string()),
    ];
    run_survey(root, &args, &env)
}

#[test]
fn imports_by_arxiv_id_and_doi_and_refuses_a_duplicate() {
    let server = Server::start(recorded);
    let site = site_with(None);
    let root = site.path();
    std::fs::remove_file(root.join("content/papers/rafailov2023direct.md")).unwrap();
    let (code, stdout, stderr) = import(
        root,
        &server.url(""),
        &["arxiv:2305.18290", "doi:10.18653/v1/2023.acl-long.754"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("created content/papers/rafailov2023direct.md from `arxiv:2305.18290`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("created content/papers/wang2023selfinstruct.md"),
        "{stdout}"
    );
    let dpo = std::fs::read_to_string(root.join("content/papers/rafailov2023direct.md")).unwrap();
    for line in [
        "title: \"Direct Preference Optimization: Your Language Model is Secretly a Reward Model\"",
        "year: 2023",
        "month: 5",
        "venue: \"arXiv\"",
        "arxiv: \"2305.18290\"",
        "url: https://arxiv.org/abs/2305.18290",
    ] {
        assert!(dpo.contains(line), "{line} missing in\n{dpo}");
    }
    let selfinstruct =
        std::fs::read_to_string(root.join("content/papers/wang2023selfinstruct.md")).unwrap();
    assert!(selfinstruct.contains("\"Noah A. Smith\""), "{selfinstruct}");
    assert!(
        selfinstruct.contains("doi: \"10.18653/v1/2023.acl-long.754\""),
        "{selfinstruct}"
    );
    assert!(
        selfinstruct.contains("venue: \"ACL 2023\""),
        "{selfinstruct}"
    );

    let seen = server.seen();
    let doi = seen.iter().find(|s| s.target.starts_with("/doi/")).unwrap();
    assert_eq!(
        doi.header("accept"),
        Some("application/vnd.citationstyles.csl+json")
    );
    assert!(
        doi.header("user-agent").unwrap().starts_with("survey/"),
        "{seen:?}"
    );

    // The same identifiers again: both are now duplicates, and nothing changes.
    let before = snapshot(root);
    let (code, stdout, stderr) = import(
        root,
        &server.url(""),
        &[
            "2305.18290",
            "https://doi.org/10.18653/v1/2023.acl-long.754",
        ],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "entry `2305.18290` is not imported: it duplicates content/papers/rafailov2023direct.md"
        ),
        "{stderr}"
    );
    assert!(stdout.contains("imported 0 papers; 2 refused"), "{stdout}");
    assert_eq!(snapshot(root), before);
}

#[test]
fn an_unreachable_service_is_an_error_naming_the_identifier_and_nothing_is_written() {
    let site = site_with(None);
    let before = snapshot(site.path());
    let base = format!("http://127.0.0.1:{}", closed_port());
    let (code, stdout, stderr) = import(site.path(), &base, &["doi:10.18653/v1/2023.acl-long.754"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("cannot look up `doi:10.18653/v1/2023.acl-long.754`: connection failed"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(snapshot(site.path()), before);
}

#[test]
fn one_failed_lookup_writes_nothing_at_all() {
    let server = Server::start(recorded);
    let site = site_with(None);
    let before = snapshot(site.path());
    let (code, _, stderr) = import(
        site.path(),
        &server.url(""),
        &["doi:10.18653/v1/2023.acl-long.754", "arxiv:2401.00001"],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains(
            "cannot look up `arxiv:2401.00001`: arXiv does not know this identifier (404)"
        ),
        "{stderr}"
    );
    assert_eq!(
        snapshot(site.path()),
        before,
        "the DOI that worked is not written either"
    );
}

#[test]
fn a_busy_service_is_asked_again_after_a_pause() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let server = Server::start(move |seen| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Answer::new(503, "busy").header("Retry-After", "0")
        } else {
            recorded(seen)
        }
    });
    let site = site_with(None);
    let (code, stdout, stderr) = import(
        site.path(),
        &server.url(""),
        &["doi:10.18653/v1/2023.acl-long.754"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(server.seen().len(), 2);
}

#[test]
fn a_file_of_identifiers_is_read_and_a_bad_line_is_placed() {
    let server = Server::start(recorded);
    let site = site_with(None);
    std::fs::write(
        site.path().join("ids.txt"),
        "# to add\ndoi:10.18653/v1/2023.acl-long.754\n  isbn:12\n",
    )
    .unwrap();
    let before = snapshot(site.path());
    let (code, _, stderr) = import(site.path(), &server.url(""), &["--from", "ids.txt"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("`isbn:12` is not an arXiv id or a DOI"),
        "{stderr}"
    );
    assert!(stderr.contains("ids.txt:3:3"), "{stderr}");
    assert!(
        server.seen().is_empty(),
        "nothing is looked up when an identifier is unreadable"
    );
    assert_eq!(snapshot(site.path()), before);

    std::fs::write(
        site.path().join("ids.txt"),
        "doi:10.18653/v1/2023.acl-long.754 # Self-Instruct\n",
    )
    .unwrap();
    let (code, stdout, stderr) = import(site.path(), &server.url(""), &["--from", "ids.txt"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("imported 1 paper; 0 refused"), "{stdout}");
}

#[test]
fn a_key_taken_by_another_work_gets_a_suffix() {
    let server = Server::start(recorded);
    let site = site_with(None);
    let other = "---\ntitle: \"Another paper by Wang\"\nyear: 2023\ntopics: [methods]\n---\n";
    std::fs::write(
        site.path().join("content/papers/wang2023selfinstruct.md"),
        other,
    )
    .unwrap();
    let (code, stdout, stderr) = import(
        site.path(),
        &server.url(""),
        &["doi:10.18653/v1/2023.acl-long.754"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("created content/papers/wang2023selfinstruct-2.md"),
        "{stdout}"
    );
    let kept = std::fs::read_to_string(site.path().join("content/papers/wang2023selfinstruct.md"))
        .unwrap();
    assert_eq!(kept, other, "the existing file is untouched");
}
