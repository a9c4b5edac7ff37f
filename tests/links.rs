//! `survey check --links` against a local server: a good page, a chain of redirects, a
//! missing page and one that never answers in time; and the cache that spares hosts.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::server::{Answer, Seen, Server};
use common::{run_survey, site_with};

fn pages(seen: &Seen) -> Answer {
    match seen.target.as_str() {
        "/ok" => Answer::new(200, "fine"),
        "/moved" => Answer::new(301, "").header("Location", "/moved-again"),
        "/moved-again" => Answer::new(301, "").header("Location", "/ok"),
        "/slow" => Answer::new(200, "late").delayed(Duration::from_secs(4)),
        _ => Answer::new(404, "gone"),
    }
}

/// The minimal site with its external links replaced by links to `server`.
fn site(server: &Server) -> tempfile::TempDir {
    let site = site_with(None);
    let paper = format!(
        "---\ntitle: \"Direct Preference Optimization\"\nyear: 2023\nurl: {}\ncode: {}\ntopics: [methods/ranking]\n---\nNotes with [a moved page]({}) and [a slow one]({}).\n",
        server.url("/ok"),
        server.url("/gone"),
        server.url("/moved"),
        server.url("/slow"),
    );
    std::fs::write(
        site.path().join("content/papers/rafailov2023direct.md"),
        paper,
    )
    .unwrap();
    let other = "---\ntitle: \"Training language models to follow instructions with human feedback\"\nyear: 2022\ntopics: [methods/online]\n---\n";
    std::fs::write(
        site.path().join("content/papers/ouyang2022training.md"),
        other,
    )
    .unwrap();
    site
}

fn check(root: &Path, extra: &[&str]) -> (i32, String, String) {
    let args: Vec<&str> = ["check", "--links"]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
    let env = [
        ("SURVEY_HTTP_TIMEOUT", "1".to_string()),
        ("SURVEY_HTTP_BACKOFF_MS", "10".to_string()),
        ("SURVEY_LINKS_HOST_INTERVAL_MS", "20".to_string()),
    ];
    run_survey(root, &args, &env)
}

#[test]
fn dead_links_are_warnings_at_their_place_and_good_answers_are_cached() {
    let server = Server::start(pages);
    let site = site(&server);
    let (code, stdout, stderr) = check(site.path(), &[]);
    assert_eq!(code, 0, "warnings only: {stdout}{stderr}");
    let gone = server.url("/gone");
    assert!(
        stderr.contains(&format!("warning: dead link `{gone}`: status 404")),
        "{stderr}"
    );
    assert!(
        stderr.contains("content/papers/rafailov2023direct.md:5:7"),
        "{stderr}"
    );
    let slow = server.url("/slow");
    assert!(
        stderr.contains(&format!(
            "dead link `{slow}`: no answer within the time limit"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("content/papers/rafailov2023direct.md:8:74"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("/moved`"),
        "a redirect chain to a good page is alive: {stderr}"
    );
    assert!(!stderr.contains("/ok`"), "{stderr}");
    assert!(stderr.contains("0 errors, 2 warnings"), "{stderr}");
    let cache = std::fs::read_to_string(site.path().join(".survey-cache/links.json")).unwrap();
    assert!(
        cache.contains(&server.url("/ok")) && !cache.contains(&gone),
        "{cache}"
    );

    // A second run asks only the dead links again, and fails with --deny-warnings.
    let asked_before = server.seen().len();
    let (code, _, stderr) = check(site.path(), &["--deny-warnings"]);
    assert_eq!(code, 1, "{stderr}");
    let again: Vec<String> = server.seen()[asked_before..]
        .iter()
        .map(|s| s.target.clone())
        .collect();
    let mut again_sorted = again.clone();
    again_sorted.sort();
    assert_eq!(again_sorted, ["/gone", "/slow"], "{again:?}");
}

#[test]
fn github_format_annotates_dead_links() {
    let server = Server::start(pages);
    let site = site(&server);
    std::fs::write(
        site.path().join("content/papers/rafailov2023direct.md"),
        format!("---\ntitle: \"Direct Preference Optimization\"\nyear: 2023\nurl: {}\ntopics: [methods/ranking]\n---\n", server.url("/gone")),
    )
    .unwrap();
    let (code, stdout, _) = check(site.path(), &["--format", "github", "--deny-warnings"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("::warning file=content/papers/rafailov2023direct.md,line=4,col=6"),
        "{stdout}"
    );
}

#[test]
fn without_the_flag_no_link_is_requested() {
    let server = Server::start(pages);
    let site = site(&server);
    let output = Command::new(env!("CARGO_BIN_EXE_survey"))
        .arg("check")
        .current_dir(site.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(server.seen().is_empty());
    assert!(!site.path().join(".survey-cache").exists());
}
