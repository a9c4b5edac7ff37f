//! Outputs that are not template jobs: the static files (CSS and JS under a name
//! with their content hash, so a browser never keeps a stale copy) and the plain
//! files (sitemap, robots.txt, bibliography exports, the feed).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::assemble::listings::{Group, Listings};
use crate::assemble::site::Site;
use crate::emit::Output;
use crate::html::escape_html;
use crate::load::StaticFile;
use crate::model::{Page, Paper};

use super::{meta, paper_pages};

/// Static files with a content hash in the name for CSS and JS, so browsers never use a
/// stale copy after a deploy: logical name -> hashed path.
pub(super) fn hashed_assets(statics: &[StaticFile]) -> BTreeMap<String, String> {
    statics
        .iter()
        .filter(|file| {
            matches!(
                file.path.extension().and_then(|e| e.to_str()),
                Some("css" | "js")
            )
        })
        .map(|file| {
            let name = file.path.to_string_lossy().replace('\\', "/");
            let digest = Sha256::digest(&file.bytes);
            let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
            let (stem, extension) = name.rsplit_once('.').unwrap_or((&name, ""));
            (name.clone(), format!("{stem}.{hash}.{extension}"))
        })
        .collect()
}

pub(super) fn static_outputs(
    statics: &[StaticFile],
    assets: &BTreeMap<String, String>,
) -> Vec<Output> {
    let mut outputs = Vec::new();
    for file in statics {
        let path = file.path.to_string_lossy().replace('\\', "/");
        if let Some(hashed) = assets.get(&path) {
            outputs.push(Output {
                path: hashed.clone(),
                bytes: file.bytes.clone().into(),
            });
        }
        outputs.push(Output {
            path,
            bytes: file.bytes.clone().into(),
        });
    }
    outputs
}

/// sitemap.xml, atom.xml, robots.txt and .nojekyll (GitHub Pages must not run Jekyll
/// on the output).
pub(super) fn plain_outputs(site: &Site, listings: &Listings) -> Vec<Output> {
    let base = site.config.base_url();
    let mut paths: Vec<String> = site.pages.iter().map(Page::path).collect();
    let table = paper_pages::all(site.papers.len());
    paths.extend(table.iter().map(paper_pages::IndexPage::path));
    paths.extend(site.papers.values().map(Paper::path));
    paths.extend(["authors/", "years/", "venues/"].map(String::from));
    paths.extend(listings.all().map(Group::path));
    let mut sitemap = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let base_escaped = escape_html(&base);
    for path in paths {
        sitemap.push_str("  <url><loc>");
        sitemap.push_str(&base_escaped);
        sitemap.push_str(&escape_html(&path));
        sitemap.push_str("</loc></url>\n");
    }
    sitemap.push_str("</urlset>\n");
    let robots = format!("User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\n");
    vec![
        Output {
            path: "sitemap.xml".into(),
            bytes: sitemap.into_bytes().into(),
        },
        Output {
            path: "atom.xml".into(),
            bytes: meta::atom_feed(site).into_bytes().into(),
        },
        Output {
            path: "robots.txt".into(),
            bytes: robots.into_bytes().into(),
        },
        Output {
            path: ".nojekyll".into(),
            bytes: std::sync::Arc::from([]),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_asset_names_change_with_content() {
        let a = hashed_assets(&[StaticFile {
            path: "style.css".into(),
            bytes: b"a".to_vec(),
        }]);
        let b = hashed_assets(&[StaticFile {
            path: "style.css".into(),
            bytes: b"b".to_vec(),
        }]);
        assert_ne!(a["style.css"], b["style.css"]);
        assert!(a["style.css"].starts_with("style.") && a["style.css"].ends_with(".css"));
    }
}
