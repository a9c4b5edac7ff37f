//! From a request path to a file of the built site, and the file's media type.
//!
//! Invariants: the site is a map from output paths to bytes, never the file system,
//! and a request path becomes a key only if, once percent-decoded, it consists of
//! plain names: any `.` or `..` segment, empty segment, backslash or NUL is refused,
//! so no request can name anything outside the site however it is encoded.
//! `/dir/` serves `dir/index.html`; `/dir` redirects to `/dir/` when that exists.

use crate::engine::SiteFiles;

/// What a request path leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// The output path of an existing file.
    File(String),
    /// Redirect to this location (the folder form of the path).
    Redirect(String),
    NotFound,
    /// The path tried to leave the site or is not a path.
    BadRequest,
}

/// Resolves the raw (still percent-encoded) path of a request against `files`.
pub fn resolve(raw_path: &str, files: &SiteFiles) -> Resolved {
    let Some(decoded) = percent_decode(raw_path) else {
        return Resolved::BadRequest;
    };
    let Some(relative) = decoded.strip_prefix('/') else {
        return Resolved::BadRequest;
    };
    let (dir_form, trimmed) = match relative.strip_suffix('/') {
        Some(trimmed) => (true, trimmed),
        None => (relative.is_empty(), relative),
    };
    if !trimmed.is_empty() && !trimmed.split('/').all(is_plain_name) {
        return Resolved::BadRequest;
    }
    let index = if trimmed.is_empty() {
        "index.html".to_string()
    } else {
        format!("{trimmed}/index.html")
    };
    if dir_form {
        return if files.contains_key(index.as_str()) {
            Resolved::File(index)
        } else {
            Resolved::NotFound
        };
    }
    if files.contains_key(trimmed) {
        Resolved::File(trimmed.to_string())
    } else if files.contains_key(index.as_str()) {
        Resolved::Redirect(format!("{raw_path}/"))
    } else {
        Resolved::NotFound
    }
}

fn is_plain_name(segment: &str) -> bool {
    !segment.is_empty() && segment != "." && segment != ".." && !segment.contains(['\\', '\0'])
}

/// Decodes `%XX` escapes; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// The `Content-Type` for an output path, by its extension. Unknown types are served
/// as bytes (with `nosniff`, the browser will not guess).
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let extension = name.rsplit_once('.').map_or("", |(_, ext)| ext);
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml",
        "txt" | "bib" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        // pagefind's index shards (pf_meta, pf_index, pf_fragment, pf_filter) and
        // anything else: opaque bytes.
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn site(paths: &[&str]) -> SiteFiles {
        paths
            .iter()
            .map(|p| (Arc::from(*p), Arc::from(&b"x"[..])))
            .collect()
    }

    #[test]
    fn folders_serve_their_index_and_bare_names_redirect() {
        let files = site(&["index.html", "papers/x/index.html", "style.css"]);
        assert_eq!(resolve("/", &files), Resolved::File("index.html".into()));
        assert_eq!(
            resolve("/papers/x/", &files),
            Resolved::File("papers/x/index.html".into())
        );
        assert_eq!(
            resolve("/papers/x", &files),
            Resolved::Redirect("/papers/x/".into())
        );
        assert_eq!(
            resolve("/style.css", &files),
            Resolved::File("style.css".into())
        );
        assert_eq!(resolve("/style.css/", &files), Resolved::NotFound);
        assert_eq!(resolve("/papers/y/", &files), Resolved::NotFound);
    }

    #[test]
    fn traversal_is_refused_however_it_is_encoded() {
        let files = site(&["index.html", "a/index.html"]);
        for path in [
            "/../etc/passwd",
            "/a/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2fetc%2fpasswd",
            "/a/%2e%2e/%2e%2e/x",
            "//etc/passwd",
            "/%2Fetc%2Fpasswd",
            "/a/./index.html",
            "/..%5c..%5cwindows",
            "/a%00/index.html",
            "/%zz",
            "/%ff",
            "etc/passwd",
        ] {
            assert_eq!(resolve(path, &files), Resolved::BadRequest, "{path}");
        }
    }

    #[test]
    fn percent_encoded_names_are_decoded() {
        let files = site(&["a b/index.html"]);
        assert_eq!(
            resolve("/a%20b/", &files),
            Resolved::File("a b/index.html".into())
        );
    }

    #[test]
    fn every_emitted_file_type_has_its_media_type() {
        let cases = [
            ("index.html", "text/html; charset=utf-8"),
            ("style.1a2b3c4d5e.css", "text/css; charset=utf-8"),
            ("survey.js", "text/javascript; charset=utf-8"),
            ("search.json", "application/json"),
            ("sitemap.xml", "application/xml"),
            ("favicon.svg", "image/svg+xml"),
            ("pagefind/wasm.en.pagefind", "application/octet-stream"),
            ("pagefind/pagefind.wasm", "application/wasm"),
            ("fonts/a.woff2", "font/woff2"),
            ("robots.txt", "text/plain; charset=utf-8"),
            ("pagefind/pagefind-entry.json", "application/json"),
            ("pagefind/index/en_1.pf_index", "application/octet-stream"),
            (
                "pagefind/fragment/en_2.pf_fragment",
                "application/octet-stream",
            ),
            ("pagefind/filter/en_3.pf_filter", "application/octet-stream"),
            ("pagefind/pagefind.en_4.pf_meta", "application/octet-stream"),
            (".nojekyll", "application/octet-stream"),
        ];
        for (path, expected) in cases {
            assert_eq!(content_type(path), expected, "{path}");
        }
    }
}
