//! Putting a rebuild's outputs in place: the rendered pages, the outputs that need no
//! template and the bibliography exports, each replacing the last one only where its
//! bytes changed, so a rebuild reports exactly the paths it changed.

use std::collections::HashSet;
use std::sync::Arc;

use super::{LiveBuild, SiteFiles};
use crate::assemble::site::Site;
use crate::emit::Output;
use crate::hash::FastSet;
use crate::render::exports;

/// A rebuild's outputs before they are applied.
pub(super) struct NewOutputs {
    /// The outputs that need no template (the jobs' are in their records).
    pub(super) others: Vec<Output>,
}

impl LiveBuild {
    /// Puts a successful rebuild's outputs in place, and the bibliography exports of
    /// its `site` (see [`LiveBuild::update_exports`]); returns the changed paths.
    pub(super) fn apply(
        &mut self,
        new: NewOutputs,
        site: &Site,
        rejoined: Option<&[usize]>,
    ) -> Vec<String> {
        let mut outputs = SiteFiles::clone(&self.outputs);
        let mut changed = Vec::new();
        // Only renders not yet in place: at a rebuild's end, every record is a current job's.
        for record in self.rendered.values_mut().filter(|record| !record.applied) {
            if let Ok(output) = &record.result
                && put_output(&mut outputs, &output.path, &output.bytes)
            {
                changed.push(output.path.clone());
            }
            record.applied = true;
        }
        if !self.retired.is_empty() {
            let made: FastSet<&str> = (self.rendered.values())
                .filter_map(|record| record.result.as_ref().ok())
                .map(|output| output.path.as_str())
                .collect();
            for path in std::mem::take(&mut self.retired) {
                if !made.contains(path.as_str()) && outputs.remove(path.as_str()).is_some() {
                    changed.push(path);
                }
            }
        }
        let other_paths: Vec<String> = new.others.iter().map(|o| o.path.clone()).collect();
        changed.extend(replace_outputs(
            &mut outputs,
            &self.other_paths,
            &new.others,
        ));
        self.other_paths = other_paths;
        if self.pages.writes() {
            changed.extend(self.update_exports(&mut outputs, site, rejoined));
        }
        self.outputs = Arc::new(outputs);
        changed.sort();
        changed.dedup();
        changed
    }

    /// Brings the bibliography exports in `files` up to date with `site`; returns the
    /// paths that changed. After a patch of some papers' fields, which joined again
    /// only the export files `rejoined` ([`exports::Files::rejoin`]), only those are
    /// put in; otherwise every file is made again, unless their inputs' hash is
    /// unchanged.
    fn update_exports(
        &mut self,
        files: &mut SiteFiles,
        site: &Site,
        rejoined: Option<&[usize]>,
    ) -> Vec<String> {
        if let (Some(rejoined), Some((_, exports))) = (rejoined, &self.exports) {
            let outputs = rejoined.iter().map(|index| exports.output(*index));
            return (outputs)
                .filter(|output| put_output(files, &output.path, &output.bytes))
                .map(|output| output.path.clone())
                .collect();
        }
        let inputs = exports::inputs_hash(site);
        if matches!(&self.exports, Some((Some(hash), _)) if *hash == inputs) {
            return Vec::new();
        }
        let before: Vec<String> = (self.exports.iter())
            .flat_map(|(_, exports)| exports.outputs().map(|o| o.path.clone()))
            .collect();
        let exports = exports::Files::new(site, &mut self.entries);
        if let Some(writer) = &mut self.saving {
            writer.entries(&self.entries);
        }
        if !self.pages.patches() {
            self.entries = exports::Entries::default();
        }
        let changed = replace_outputs(files, &before, exports.outputs());
        self.exports = Some((Some(inputs), exports));
        changed
    }
}

/// Replaces the outputs at the paths `before` by `after` in `files`: paths no longer
/// produced are removed, new or changed ones put in. Returns the paths that changed.
fn replace_outputs<'a>(
    files: &mut SiteFiles,
    before: &[String],
    after: impl IntoIterator<Item = &'a Output>,
) -> Vec<String> {
    let after: Vec<&Output> = after.into_iter().collect();
    let produced: HashSet<&str> = after.iter().map(|o| o.path.as_str()).collect();
    let mut changed = Vec::new();
    for path in before {
        if !produced.contains(path.as_str()) && files.remove(path.as_str()).is_some() {
            changed.push(path.clone());
        }
    }
    for output in after {
        if put_output(files, &output.path, &output.bytes) {
            changed.push(output.path.clone());
        }
    }
    changed
}

/// Puts `bytes` at `path` in `files` (shared, not copied) unless equal ones are there
/// already; true if they were not.
fn put_output(files: &mut SiteFiles, path: &str, bytes: &Arc<[u8]>) -> bool {
    if files.get(path).is_some_and(|b| b[..] == bytes[..]) {
        return false;
    }
    files.insert(Arc::from(path), Arc::clone(bytes));
    true
}
