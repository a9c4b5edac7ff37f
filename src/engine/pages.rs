//! Where a rendered page goes: kept in memory, dropped, or written into the new tree.

use std::sync::Arc;

use crate::emit::{Emitter, Kept, Output};

/// What becomes of each page once it is rendered.
#[derive(Clone, Default)]
pub enum Pages {
    /// Kept in memory: `serve` answers from them.
    #[default]
    Keep,
    /// Checked and dropped at once: `survey check` (a template error is still an error).
    /// What each job read is dropped too: such an engine is never updated.
    Discard,
    /// Written into the new output tree at once, then dropped: `survey build`, whose
    /// memory then does not grow with the pages.
    Place(Arc<Emitter>),
    /// As [`Pages::Place`], for a build that saves no cache (`--no-cache`): like
    /// `check`, it renders once, so what each job read is dropped too.
    PlaceOnce(Arc<Emitter>),
}

impl Pages {
    /// Hands a freshly rendered `output` over; returns it as the file the new tree
    /// holds when it went there (its bytes are then dropped).
    pub(super) fn take(&self, output: &mut Output) -> Option<Kept> {
        if matches!(self, Pages::Keep) {
            return None;
        }
        // A page the tree could not take keeps its bytes; `Emitter::finish` says why.
        let placed = match self.emitter() {
            Some(emitter) => Some(emitter.place(output)?),
            None => None,
        };
        output.bytes = Arc::from(Vec::new());
        placed
    }

    /// Whether the engine may rebuild, and so must keep what each job read: not for
    /// `check` or a `build --no-cache`, which render once, save no cache and are never
    /// updated (at 100 000 papers the read lists are hundreds of MB).
    pub(super) fn rebuilds(&self) -> bool {
        !matches!(self, Pages::Discard | Pages::PlaceOnce(_))
    }

    /// The tree pages are written into, if they are.
    pub fn emitter(&self) -> Option<&Emitter> {
        match self {
            Pages::Place(emitter) | Pages::PlaceOnce(emitter) => Some(emitter),
            Pages::Keep | Pages::Discard => None,
        }
    }

    /// Whether the build's files are written at all: not for `check`, which then also
    /// skips the bibliography exports (about an eighth of its memory at 10 000 papers).
    pub(super) fn writes(&self) -> bool {
        !matches!(self, Pages::Discard)
    }

    /// Whether the engine is updated in this process (`serve`), and so keeps its last
    /// site with what was prepared from it, to patch them (a `build` saves no such
    /// thing, [`super::persist`]), and notes what each read's answer is made of
    /// ([`crate::tracked`]), so that the next rebuild fingerprints only the reads of
    /// what changed (a witness means nothing to another process).
    pub(super) fn patches(&self) -> bool {
        matches!(self, Pages::Keep)
    }
}
