//! Test harness: a fixture site copied into a temporary directory, edited with a
//! chainable API, and built by the real `survey` binary.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub mod server;

#[path = "../../bench/copy_dir.rs"]
mod copy_dir;
use copy_dir::copy_dir;

pub struct TestSite {
    dir: tempfile::TempDir,
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl TestSite {
    /// A copy of `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> Self {
        let site = TestSite {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(name),
            site.root(),
        );
        site
    }

    /// A copy of the repository's real site (site.yaml and content/).
    pub fn real() -> Self {
        let site = TestSite {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_dir(&repo.join("content"), &site.root().join("content"));
        std::fs::copy(repo.join("site.yaml"), site.root().join("site.yaml"))
            .expect("copy site.yaml");
        site
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(self, path: &str, text: &str) -> Self {
        let target = self.root().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
        self
    }

    pub fn remove(self, path: &str) -> Self {
        std::fs::remove_file(self.root().join(path)).unwrap();
        self
    }

    pub fn run(&self, args: &[&str]) -> Outcome {
        let output = Command::new(env!("CARGO_BIN_EXE_survey"))
            .args(args)
            .current_dir(self.root())
            .env("NO_COLOR", "1")
            .output()
            .expect("run survey");
        Outcome {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// `survey build --output <out>` with an optional base URL.
    pub fn build_into(&self, out: &str, base_url: Option<&str>) -> Outcome {
        let mut args = vec!["build", "--output", out];
        if let Some(url) = base_url {
            args.extend(["--base-url", url]);
        }
        self.run(&args)
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root().join(path))
            .unwrap_or_else(|e| panic!("read {path}: {e}"))
    }

    /// Every file under `dir` (relative path -> bytes).
    pub fn files(&self, dir: &str) -> BTreeMap<String, Vec<u8>> {
        let base = self.root().join(dir);
        let mut files = BTreeMap::new();
        collect_files(&base, &base, &mut files);
        files
    }
}

/// Every file under `dir` (relative path -> bytes), for a folder outside a [`TestSite`].
pub fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    collect_files(dir, dir, &mut files);
    files
}

fn collect_files(base: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_files(base, &path, files);
        } else {
            let relative = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(relative, std::fs::read(&path).unwrap());
        }
    }
}

/// An `href` or `src` found in a built page.
#[derive(Debug, Clone)]
pub struct FoundLink {
    pub page: String,
    pub url: String,
}

/// Every internal `href`/`src` in every HTML file of `out` (external ones skipped).
pub fn internal_links(files: &BTreeMap<String, Vec<u8>>) -> Vec<FoundLink> {
    let selector = scraper::Selector::parse("[href], [src]").unwrap();
    let mut links = Vec::new();
    for (path, bytes) in files.iter().filter(|(p, _)| p.ends_with(".html")) {
        let html = scraper::Html::parse_document(&String::from_utf8_lossy(bytes));
        for element in html.select(&selector) {
            for attribute in ["href", "src"] {
                if let Some(url) = element.value().attr(attribute)
                    && !url.contains("://")
                    && !url.starts_with("mailto:")
                {
                    links.push(FoundLink {
                        page: path.clone(),
                        url: url.to_string(),
                    });
                }
            }
        }
    }
    links
}

/// Resolves `link` (written on `link.page`) the way a static host serving the output at
/// `base_path` would: the file it names, or `None` when the link is broken. Anchors must
/// exist as `id`s in the target page.
pub fn resolve_link(
    files: &BTreeMap<String, Vec<u8>>,
    base_path: &str,
    link: &FoundLink,
) -> Result<String, String> {
    let (path, anchor) = link
        .url
        .split_once('#')
        .map_or((link.url.as_str(), None), |(p, a)| (p, Some(a)));
    let target = if path.is_empty() {
        link.page.clone()
    } else {
        let Some(inside) = path.strip_prefix(base_path) else {
            return Err(format!(
                "{} does not start with the base path {base_path}",
                link.url
            ));
        };
        let candidate = if inside.is_empty() || inside.ends_with('/') {
            format!("{inside}index.html")
        } else {
            inside.to_string()
        };
        if !files.contains_key(&candidate) {
            return Err(format!("{} -> {candidate} does not exist", link.url));
        }
        candidate
    };
    if let Some(anchor) = anchor.filter(|a| !a.is_empty()) {
        let html = String::from_utf8_lossy(&files[&target]);
        if !html.contains(&format!("id=\"{anchor}\"")) {
            return Err(format!("{} -> {target} has no id `{anchor}`", link.url));
        }
    }
    Ok(target)
}

/// Runs the survey binary with `args` in `root`, without colours and with `env` set;
/// returns its exit code, standard output and standard error.
pub fn run_survey(root: &Path, args: &[&str], env: &[(&str, String)]) -> (i32, String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_survey"))
        .args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(name, value)| (name, value)))
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

// Helpers for the contributor tests (check, new paper, import, readme): fixture sites
// laid over tests/fixtures/minimal, and snapshots proving a command wrote nothing.

/// The crate's root folder (holding Cargo.toml, content/, tests/).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// A temporary site: the minimal fixture with the files of `overlay` (a folder under
/// tests/fixtures/) laid over it, replacing files of the same path.
pub fn site_with(overlay: Option<&str>) -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    copy_dir(&fixture("minimal"), site.path());
    if let Some(overlay) = overlay {
        copy_dir(&fixture(overlay), site.path());
    }
    site
}

/// Every file under `dir` with its bytes, to compare before and after a command.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// Runs the `survey` binary in `cwd` as a contributor's terminal would when piped
/// (NO_COLOR unset, so the tests see that piping alone turns colour off).
pub fn survey(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_survey"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}
