//! Template data shared by every page (navigation, asset paths, the survey itself),
//! built once per build and set as Tera's global context.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::assemble::site::Site;
use crate::formats::cite;
use crate::model::{Page, PageKind};

/// Topic id -> its title and where it is, as paper summaries link it (looked up for
/// every paper of every list).
pub(super) fn topic_links(site: &Site) -> HashMap<String, Link> {
    let base_path = site.config.base_path();
    (site.topics.iter())
        .filter_map(|topic| {
            let page = site.page(&topic.page)?;
            let anchor = (topic.anchor.as_ref()).map(|a| format!("#{a}"));
            let url = format!("{base_path}{}{}", page.path(), anchor.unwrap_or_default());
            let title = topic.title.clone();
            Some((topic.id.clone(), Link { title, url }))
        })
        .collect()
}

/// Data every template sees as `site`.
#[derive(Serialize)]
pub(super) struct GlobalData {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) base_url: String,
    pub(super) base_path: String,
    pub(super) repo_url: Option<String>,
    pub(super) language: String,
    pub(super) assets: BTreeMap<String, String>,
    nav: Vec<NavItem>,
    pub(super) survey: Option<SurveyData>,
}

#[derive(Serialize, Hash)]
pub struct NavItem {
    /// `chapter`, `section` or `topic`.
    pub(super) kind: &'static str,
    pub(super) id: String,
    pub(super) title: String,
    pub(super) url: String,
    /// Papers filed here or below; only in the home page's taxonomy, so that filing a
    /// paper does not change every page's navigation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) count: Option<usize>,
    pub(super) children: Vec<NavItem>,
}

#[derive(Serialize)]
pub(super) struct SurveyData {
    pub(super) title: String,
    pub(super) authors: String,
    pub(super) year: i32,
    pub(super) venue: Option<String>,
    pub(super) arxiv: Option<String>,
    pub(super) url: Option<String>,
    pub(super) code: Option<String>,
    pub(super) bibtex: String,
}

impl GlobalData {
    pub(super) fn new(site: &Site, assets: &BTreeMap<String, String>) -> Self {
        let base_path = site.config.base_path();
        let assets = assets
            .iter()
            .map(|(name, hashed)| {
                (
                    name.replace(['.', '/', '-'], "_"),
                    format!("{base_path}{hashed}"),
                )
            })
            .collect();
        let survey = site.config.survey.as_ref().map(|fields| SurveyData {
            title: fields.title.clone(),
            authors: fields.authors.join(", "),
            year: fields.year,
            venue: fields.venue.clone(),
            arxiv: fields.arxiv.clone(),
            url: fields.url.clone(),
            code: fields.code.clone(),
            bibtex: cite::bibtex(&survey_key(fields), fields),
        });
        GlobalData {
            title: site.config.title.clone(),
            description: site.config.description.clone(),
            base_url: site.config.base_url(),
            base_path: base_path.clone(),
            repo_url: site.config.repo_url.clone(),
            language: site.config.language.clone(),
            assets,
            nav: nav_tree(site, &base_path, false),
            survey,
        }
    }
}

/// A BibTeX key for the survey: first author's family name, year, first title word.
fn survey_key(fields: &crate::model::PaperFields) -> String {
    let author = fields
        .authors
        .first()
        .map(|a| cite::family_name(a).to_lowercase())
        .unwrap_or_default();
    let word = fields
        .title
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_lowercase();
    let key: String = format!("{author}{}{word}", fields.year)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    key
}

/// Chapters -> sections -> finer topics, with paper counts if `counted`.
pub(super) fn nav_tree(site: &Site, base_path: &str, counted: bool) -> Vec<NavItem> {
    let item =
        |kind: &'static str, id: &str, title: &str, url: String, children: Vec<NavItem>| NavItem {
            kind,
            id: id.to_string(),
            title: title.to_string(),
            url,
            count: counted.then(|| site.count_under(id)),
            children,
        };
    let finer = |page: &Page| -> Vec<NavItem> {
        site.topics
            .iter()
            .filter(|t| t.page == page.id && t.anchor.is_some())
            .map(|t| {
                item(
                    "topic",
                    &t.id,
                    &t.title,
                    format!(
                        "{base_path}{}#{}",
                        page.path(),
                        t.anchor.as_deref().unwrap_or("")
                    ),
                    Vec::new(),
                )
            })
            .collect()
    };
    site.pages
        .iter()
        .filter(|p| p.kind == PageKind::Chapter)
        .map(|chapter| {
            let mut children: Vec<NavItem> = site
                .pages
                .iter()
                .filter(|p| p.kind == PageKind::Section && p.chapter() == Some(chapter.id.as_str()))
                .map(|section| {
                    item(
                        "section",
                        &section.id,
                        &section.fields.title,
                        format!("{base_path}{}", section.path()),
                        finer(section),
                    )
                })
                .collect();
            children.extend(finer(chapter));
            item(
                "chapter",
                &chapter.id,
                &chapter.fields.title,
                format!("{base_path}{}", chapter.path()),
                children,
            )
        })
        .collect()
}

/// A title and where it leads, as templates show links.
#[derive(Serialize, Clone, Hash)]
pub struct Link {
    pub(super) title: String,
    pub(super) url: String,
}
