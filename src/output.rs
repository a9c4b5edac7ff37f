//! The emit stage: the only code that writes the built site.
//!
//! Everything is written into a fresh temporary directory beside the output, then
//! swapped in with renames, so a failed build never leaves a half-written site and
//! the previous output stays untouched. Every output path is checked to stay inside
//! the output directory.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use anyhow::{Context, Result, bail};

use crate::render::Output;

/// Writes `outputs` as the new content of `dir`, atomically replacing what was there.
pub fn emit(dir: &Path, outputs: &[Output]) -> Result<()> {
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let name = dir
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy().into_owned());
    let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    remove_if_exists(&staging)?;
    let written = write_all(&staging, outputs);
    if let Err(error) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(error);
    }
    swap_in(
        &staging,
        dir,
        &parent.join(format!(".{name}.old-{}", std::process::id())),
    )
}

/// Checks every path first (nothing is written if one would escape), creates each
/// directory once, then writes the files in parallel: on slow file systems the
/// per-file latency, not the bytes, dominates a build.
fn write_all(staging: &Path, outputs: &[Output]) -> Result<()> {
    let targets: Vec<PathBuf> = outputs
        .iter()
        .map(|output| safe_relative(&output.path).map(|path| staging.join(path)))
        .collect::<Result<_>>()?;
    let directories: BTreeSet<&Path> = targets
        .iter()
        .filter_map(|target| target.parent())
        .collect();
    let directories: Vec<&Path> = directories.into_iter().collect();
    std::fs::create_dir_all(staging)
        .with_context(|| format!("cannot create {}", staging.display()))?;
    for directory in directories {
        std::fs::create_dir_all(directory)
            .with_context(|| format!("cannot create {}", directory.display()))?;
    }
    targets
        .par_iter()
        .zip(outputs)
        .try_for_each(|(target, output)| {
            std::fs::write(target, &output.bytes)
                .with_context(|| format!("cannot write {}", target.display()))
        })
}

/// Moves the old output aside, the new one in, then deletes the old one.
fn swap_in(staging: &Path, dir: &Path, old: &Path) -> Result<()> {
    remove_if_exists(old)?;
    let had_previous = dir.exists();
    if had_previous {
        std::fs::rename(dir, old)
            .with_context(|| format!("cannot move {} aside", dir.display()))?;
    }
    if let Err(error) = std::fs::rename(staging, dir) {
        if had_previous {
            let _ = std::fs::rename(old, dir);
        }
        return Err(error)
            .with_context(|| format!("cannot move the new site into {}", dir.display()));
    }
    remove_if_exists(old)
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(error).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// `path` as a relative path with only normal components: nothing from content can
/// name a file outside the output directory.
pub fn safe_relative(path: &str) -> Result<PathBuf> {
    let candidate = Path::new(path);
    let safe = !path.is_empty()
        && candidate
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if !safe {
        bail!("refusing to write `{path}`: it would leave the output directory");
    }
    Ok(candidate.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_paths_that_escape() {
        for path in ["../x", "/etc/passwd", "a/../../b", "", "./a"] {
            assert!(safe_relative(path).is_err(), "{path}");
        }
        assert!(safe_relative("papers/x/index.html").is_ok());
    }

    #[test]
    fn replaces_the_previous_output() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("public");
        emit(
            &dir,
            &[Output {
                path: "a.html".into(),
                bytes: b"1".to_vec(),
            }],
        )
        .unwrap();
        emit(
            &dir,
            &[Output {
                path: "b.html".into(),
                bytes: b"2".to_vec(),
            }],
        )
        .unwrap();
        assert!(!dir.join("a.html").exists());
        assert_eq!(std::fs::read(dir.join("b.html")).unwrap(), b"2");
        let leftovers: Vec<_> = std::fs::read_dir(temp.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no staging directories are left behind");
    }

    #[test]
    fn a_failed_write_leaves_the_previous_output() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("public");
        emit(
            &dir,
            &[Output {
                path: "a.html".into(),
                bytes: b"1".to_vec(),
            }],
        )
        .unwrap();
        assert!(
            emit(
                &dir,
                &[Output {
                    path: "../evil".into(),
                    bytes: vec![]
                }]
            )
            .is_err()
        );
        assert_eq!(std::fs::read(dir.join("a.html")).unwrap(), b"1");
    }
}
