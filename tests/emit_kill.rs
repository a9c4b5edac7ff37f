//! A build killed with SIGKILL at any moment leaves either the complete old site or
//! the complete new one, byte for byte, and the next build removes what the killed one
//! left and succeeds. The kill points come from the emit stage's test hook
//! (`SURVEY_TEST_KILL_AT=<n>`: after the n-th file written or linked, or swap step)
//! and from plain timing (a kill from outside after a delay, during any stage).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

type Snapshot = BTreeMap<PathBuf, Vec<u8>>;

/// Files under `dir`, by path relative to it, with their bytes.
fn tree(dir: &Path) -> Snapshot {
    common::snapshot(dir)
        .into_iter()
        .map(|(path, bytes)| (path.strip_prefix(dir).unwrap().to_path_buf(), bytes))
        .collect()
}

fn survey(root: &Path, kill_at: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_survey"));
    command
        .arg("build")
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(at) = kill_at {
        command.env("SURVEY_TEST_KILL_AT", at);
    }
    command
}

fn build(root: &Path) {
    let output = survey(root, None).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The edit between the old and the new site: a changed title, a new paper.
fn edit(root: &Path) {
    let path = root.join("content/methods/online.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("Online methods", "Online methods, revised"),
    )
    .unwrap();
    std::fs::write(
        root.join("content/papers/added2024new.md"),
        "---\ntitle: \"A paper added between the builds\"\nyear: 2024\ntopics: [methods/online]\n---\n",
    )
    .unwrap();
}

/// Names beside the output that a build of this tool may leave or make.
fn staging_folders(root: &Path) -> Vec<String> {
    std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".public.survey-staging-"))
        .collect()
}

/// A site built once with the old content, then edited: returns it with the old
/// output's files.
fn old_site() -> (tempfile::TempDir, Snapshot) {
    let site = common::site_with(None);
    build(site.path());
    let old = tree(&site.path().join("public"));
    edit(site.path());
    (site, old)
}

/// What the new content builds to, from scratch.
fn new_tree() -> Snapshot {
    let (site, _) = old_site();
    std::fs::remove_dir_all(site.path().join("public")).unwrap();
    build(site.path());
    tree(&site.path().join("public"))
}

/// How many checkpoints a build of the edited site passes.
fn checkpoints() -> u64 {
    let (site, _) = old_site();
    let output = survey(site.path(), Some("count")).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("emit checkpoints: "))
        .unwrap_or_else(|| panic!("no count in: {stderr}"));
    line.parse().unwrap()
}

/// After a killed build: the output is one of the two sites; after the next build it
/// is the new one and no staging folder is left.
fn assert_recovers(site: &Path, old: &Snapshot, new: &Snapshot, what: &str) -> bool {
    let after_kill = tree(&site.join("public"));
    let is_new = &after_kill == new;
    assert!(
        is_new || &after_kill == old,
        "{what}: the output is neither the old nor the new site"
    );
    build(site);
    assert_eq!(&tree(&site.join("public")), new, "{what}: the next build");
    assert_eq!(
        staging_folders(site),
        Vec::<String>::new(),
        "{what}: staging folders left"
    );
    is_new
}

#[test]
fn a_build_killed_at_any_emit_step_leaves_the_old_or_the_new_site() {
    let total = checkpoints();
    let new = new_tree();
    assert!(total > 10, "only {total} checkpoints");
    // A dozen points spread over the writes, plus every swap step at the end.
    let mut points: Vec<u64> = (1..=12).map(|i| (total - 3) * i / 12).collect();
    points.extend(total - 3..=total);
    points.retain(|&p| p >= 1);
    points.dedup();
    let mut outcomes = (0, 0);
    for at in points {
        let (site, old) = old_site();
        let output = survey(site.path(), Some(&at.to_string())).output().unwrap();
        assert!(!output.status.success(), "checkpoint {at}: not killed");
        assert!(
            !staging_folders(site.path()).is_empty(),
            "checkpoint {at}: the killed build left no staging folder to clean up"
        );
        let what = format!("killed at checkpoint {at} of {total}");
        match assert_recovers(site.path(), &old, &new, &what) {
            true => outcomes.1 += 1,
            false => outcomes.0 += 1,
        }
    }
    assert!(
        outcomes.0 >= 10 && outcomes.1 >= 2,
        "kills before and after the swap: {outcomes:?}"
    );
}

#[test]
fn a_build_killed_after_a_delay_leaves_the_old_or_the_new_site() {
    let new = new_tree();
    let (site, _) = old_site();
    let started = Instant::now();
    build(site.path());
    let duration = started.elapsed();
    for step in 0..5u32 {
        let (site, old) = old_site();
        let delay = duration * step / 4;
        let mut child = survey(site.path(), None).spawn().unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let what = format!("killed after {delay:?}");
        assert_recovers(site.path(), &old, &new, &what);
    }
}

#[test]
fn folders_that_are_not_this_tools_staging_folders_are_left_alone() {
    let site = common::site_with(None);
    let root = site.path();
    let unmarked = root.join(".public.survey-staging-99999999");
    let older_kind = root.join(".public.tmp-12345");
    for folder in [&unmarked, &older_kind] {
        std::fs::create_dir(folder).unwrap();
        std::fs::write(folder.join("index.html"), "keep").unwrap();
    }
    build(root);
    build(root);
    assert!(unmarked.join("index.html").exists() && older_kind.join("index.html").exists());
}

#[test]
fn a_second_build_of_the_same_content_rewrites_nothing() {
    let site = common::site_with(None);
    build(site.path());
    let public = site.path().join("public");
    let stamps = |dir: &Path| -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
        walk(dir)
            .into_iter()
            .map(|path| {
                let metadata = std::fs::metadata(&path).unwrap();
                let inode = std::os::unix::fs::MetadataExt::ino(&metadata);
                (path, (inode, metadata.modified().unwrap()))
            })
            .collect()
    };
    let before = stamps(&public);
    build(site.path());
    let after = stamps(&public);
    let rewritten: Vec<_> = after
        .iter()
        .filter(|(p, s)| before.get(*p) != Some(s))
        .collect();
    assert!(
        rewritten.is_empty(),
        "{} of {} files written again: {:?}",
        rewritten.len(),
        after.len(),
        rewritten.iter().take(5).collect::<Vec<_>>()
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
