//! Every file and folder name the tool owns, in one place: the site's layout under its
//! root, and what the tool writes beside its sources. Other modules name these
//! constants, never the strings, so a rename is one line here.

/// The site's configuration, at the root.
pub const CONFIG_FILE: &str = "site.yaml";
/// The Markdown content: pages, and papers under [`PAPERS_DIR`].
pub const CONTENT_DIR: &str = "content";
/// One file per paper.
pub const PAPERS_DIR: &str = "content/papers";
/// The theme's Tera templates (optional; the built-in theme otherwise).
pub const TEMPLATES_DIR: &str = "templates";
/// The theme's static files, copied with hashed names.
pub const STATIC_DIR: &str = "static";
/// The folders (besides [`CONFIG_FILE`]) whose files make up the site.
pub const SOURCE_DIRS: [&str; 3] = [CONTENT_DIR, TEMPLATES_DIR, STATIC_DIR];
/// The repository's README, whose paper list the tool keeps up to date.
pub const README_FILE: &str = "README.md";
/// The default output folder of `survey build`.
pub const OUTPUT_DIR: &str = "public";

/// The default cache folder (git-ignored): the engine's state and link checks.
pub const CACHE_DIR: &str = ".survey-cache";
/// The engine's saved memory, inside the cache folder.
pub const ENGINE_STATE_FILE: &str = "engine.bin";
/// Each search bundle's key and files as the last build made them, beside it.
pub const SEARCH_STATE_FILE: &str = "search.bin";
/// What `survey check --links` learned, kept between runs.
pub const LINKS_CACHE_FILE: &str = ".survey-cache/links.json";

/// The search index's folder in the built site.
pub const SEARCH_DIR: &str = "pagefind";
/// Every paper as BibTeX, in the built site.
pub const ALL_BIB: &str = "papers.bib";
/// Every paper as CSL-JSON, in the built site.
pub const ALL_JSON: &str = "papers.json";
