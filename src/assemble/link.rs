//! Resolving internal Markdown links (`../training/offline.md#rank-based`) to page URLs.
//!
//! Links are written as relative paths between Markdown sources, so they also work
//! when the repository is browsed on GitHub; [`LinkTargets`] maps each source file to
//! its output path and the anchors it defines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// The page a source file becomes, and the anchors on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// Site-relative output path (`training/offline/`).
    pub path: String,
    pub anchors: BTreeSet<String>,
}

/// Source path (`content/training/offline.md`) -> target.
pub type LinkTargets = BTreeMap<PathBuf, Target>;

/// Why a link does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    NoSuchFile(PathBuf),
    NoSuchAnchor { file: PathBuf, anchor: String },
}

/// The content file a link written in `source` names (`source` itself for `#anchor`).
pub fn target_file(source: &Path, destination: &str) -> PathBuf {
    let file = destination.split('#').next().unwrap_or(destination);
    let file = file.split('?').next().unwrap_or(file);
    if file.is_empty() {
        source.to_path_buf()
    } else {
        let folder = source.parent().unwrap_or(Path::new(""));
        normalize(&folder.join(percent_decode(file)))
    }
}

/// Resolves `destination`, written in `source`, to `(path, anchor)`.
pub fn resolve<'a>(
    targets: &'a LinkTargets,
    source: &Path,
    destination: &str,
) -> Result<(&'a str, Option<String>), LinkError> {
    let (file, anchor) = match destination.split_once('#') {
        Some((file, anchor)) => (file, Some(anchor.to_string())),
        None => (destination, None),
    };
    let target_path = target_file(source, file);
    let target = targets
        .get(&target_path)
        .ok_or_else(|| LinkError::NoSuchFile(target_path.clone()))?;
    if let Some(anchor) = &anchor
        && !target.anchors.contains(anchor)
    {
        return Err(LinkError::NoSuchAnchor {
            file: target_path,
            anchor: anchor.clone(),
        });
    }
    Ok((&target.path, anchor))
}

/// Removes `.` and resolves `..` lexically (no file-system access).
fn normalize(path: &Path) -> PathBuf {
    let mut parts: Vec<Component> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(parts.last(), Some(Component::Normal(_))) {
                    parts.pop();
                } else {
                    parts.push(component);
                }
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> LinkTargets {
        let mut targets = LinkTargets::new();
        targets.insert(
            "content/training/offline.md".into(),
            Target {
                path: "training/offline/".into(),
                anchors: ["rank-based".to_string()].into(),
            },
        );
        targets.insert(
            "content/data/_index.md".into(),
            Target {
                path: "data/".into(),
                anchors: BTreeSet::new(),
            },
        );
        targets
    }

    #[test]
    fn resolves_relative_links_with_anchors() {
        let t = targets();
        let source = Path::new("content/data/_index.md");
        assert_eq!(
            resolve(&t, source, "../training/offline.md#rank-based"),
            Ok(("training/offline/", Some("rank-based".into())))
        );
        assert_eq!(
            resolve(
                &t,
                Path::new("content/training/offline.md"),
                "../data/_index.md"
            ),
            Ok(("data/", None))
        );
    }

    #[test]
    fn reports_missing_files_and_anchors() {
        let t = targets();
        let source = Path::new("content/data/_index.md");
        assert_eq!(
            resolve(&t, source, "nope.md"),
            Err(LinkError::NoSuchFile("content/data/nope.md".into()))
        );
        assert!(matches!(
            resolve(&t, source, "../training/offline.md#nope"),
            Err(LinkError::NoSuchAnchor { .. })
        ));
        assert!(matches!(
            resolve(&t, source, "#missing"),
            Err(LinkError::NoSuchAnchor { .. })
        ));
    }
}
