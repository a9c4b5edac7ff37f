//! Paper metadata by identifier, for `survey import arxiv:ID doi:ID`: parsing what a
//! maintainer types, fetching the record (arXiv's Atom API, DOI content negotiation
//! for CSL-JSON) and mapping it to [`PaperFields`] the way the `.bib` import does.
//!
//! Invariants: a lookup either yields a complete [`Imported`] entry or an error naming
//! the identifier; nothing here writes files (the command screens duplicates and writes
//! through the same code as the `.bib` import). The services' addresses come from
//! [`Endpoints`], so tests point them at a local server.

pub mod arxiv;
pub mod doi;

use std::path::{Path, PathBuf};

use crate::commands::http::Client;
use crate::diagnostics::{Diagnostic, Position};
use crate::model::PaperFields;
use crate::parse::bibtex::{self, Imported};
use crate::parse::validate;

/// An identifier a paper can be imported by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Id {
    /// A new- or old-style arXiv id, possibly with a version (`2305.18290v2`).
    Arxiv(String),
    /// A DOI without resolver prefix (`10.18653/v1/2023.acl-long.754`).
    Doi(String),
}

/// An identifier as written, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: Id,
    /// The text as the maintainer wrote it (`arxiv:2305.18290`).
    pub written: String,
    /// The file it came from (`--from FILE`), or [`COMMAND_LINE`].
    pub path: PathBuf,
    pub position: Position,
}

/// The pseudo-file of identifiers given as arguments; its text is the arguments.
pub const COMMAND_LINE: &str = "(command line)";

/// Where the metadata services are; defaults are the public ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// arXiv's query API (`?id_list=` is appended).
    pub arxiv: String,
    /// The DOI resolver (the DOI is appended).
    pub doi: String,
}

impl Endpoints {
    /// The public services, or `SURVEY_ARXIV_API` and `SURVEY_DOI_RESOLVER` when set.
    pub fn from_env() -> Self {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_string())
        };
        Endpoints {
            arxiv: var("SURVEY_ARXIV_API", "https://export.arxiv.org/api/query"),
            doi: var("SURVEY_DOI_RESOLVER", "https://doi.org/"),
        }
    }
}

/// Reads one identifier: `arxiv:ID`, `doi:DOI`, an arxiv.org or doi.org URL, a bare
/// arXiv id or a bare DOI (`10.` prefix).
pub fn parse_id(text: &str) -> Option<Id> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let after = |prefixes: &[&str]| {
        prefixes
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| text[p.len()..].trim_end_matches('/').to_string())
    };
    let arxiv_prefixes = [
        "arxiv:",
        "https://arxiv.org/abs/",
        "http://arxiv.org/abs/",
        "https://arxiv.org/pdf/",
    ];
    let doi_prefixes = [
        "doi:",
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
    ];
    if let Some(id) = after(&arxiv_prefixes) {
        let id = id.trim_end_matches(".pdf").to_string();
        return validate::is_arxiv_id(&id).then_some(Id::Arxiv(id));
    }
    if let Some(doi) = after(&doi_prefixes) {
        return validate::is_doi(&doi).then_some(Id::Doi(doi));
    }
    if validate::is_arxiv_id(text) {
        return Some(Id::Arxiv(text.to_string()));
    }
    (text.starts_with("10.") && validate::is_doi(text)).then(|| Id::Doi(text.to_string()))
}

/// The requests in `text` (a file of identifiers at `path`): one per line; blank
/// lines and `#` comments are skipped. Unreadable lines are diagnostics at their place.
pub fn parse_file(path: &Path, text: &str) -> (Vec<Request>, Vec<Diagnostic>) {
    let mut requests = Vec::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.split('#').next().unwrap_or("");
        let word = content.trim();
        if !word.is_empty() {
            let start = offset + content.find(word).unwrap_or(0);
            collect(path, text, start, word, &mut requests, &mut problems);
        }
        offset += line.len();
    }
    (requests, problems)
}

/// The requests of the command-line `args`, positioned in [`command_line_text`].
pub fn parse_args(args: &[String]) -> (Vec<Request>, Vec<Diagnostic>) {
    let text = command_line_text(args);
    let mut requests = Vec::new();
    let mut problems = Vec::new();
    let mut offset = 0;
    for arg in args {
        collect(
            Path::new(COMMAND_LINE),
            &text,
            offset,
            arg,
            &mut requests,
            &mut problems,
        );
        offset += arg.len() + 1;
    }
    (requests, problems)
}

/// The arguments as one line, quoted in diagnostics about them.
pub fn command_line_text(args: &[String]) -> String {
    args.join(" ")
}

fn collect(
    path: &Path,
    text: &str,
    offset: usize,
    word: &str,
    requests: &mut Vec<Request>,
    problems: &mut Vec<Diagnostic>,
) {
    let position = Position::of_offset(text, offset);
    match parse_id(word) {
        Some(id) => requests.push(Request {
            id,
            written: word.to_string(),
            path: path.to_path_buf(),
            position,
        }),
        None => problems.push(
            Diagnostic::error(path, format!("`{word}` is not an arXiv id or a DOI"))
                .at(position)
                .span(word.chars().count())
                .help("write it like arxiv:2305.18290 or doi:10.18653/v1/2023.acl-long.754"),
        ),
    }
}

/// Fetches and maps one request; the error names the identifier.
pub fn fetch(
    client: &Client,
    endpoints: &Endpoints,
    request: &Request,
) -> Result<Imported, Diagnostic> {
    let fields = match &request.id {
        Id::Arxiv(id) => arxiv::fetch(client, &endpoints.arxiv, id),
        Id::Doi(doi) => doi::fetch(client, &endpoints.doi, doi),
    };
    match fields {
        Ok(fields) => Ok(Imported {
            key: bibtex::citation_key("", &fields),
            bib_key: request.written.clone(),
            fields,
            position: request.position,
        }),
        Err(reason) => Err(Diagnostic::error(
            &request.path,
            format!("cannot look up `{}`: {reason}", request.written),
        )
        .at(request.position)
        .span(request.written.chars().count())
        .help("check the identifier and the network connection, then run the import again; nothing was written")),
    }
}

/// An answer's status as a reason, when it is not a success.
fn status_problem(status: u16, service: &str) -> Option<String> {
    match status {
        200..=299 => None,
        404 => Some(format!("{service} does not know this identifier (404)")),
        429 | 503 => Some(format!("{service} is busy ({status}); try again later")),
        _ => Some(format!("{service} answered with status {status}")),
    }
}

/// A title or name as one clean line (markup such as `<i>` dropped, spaces collapsed).
fn clean_text(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    bibtex::clean(&plain)
}

/// `fields` with the link every paper file gets: the record's page.
fn with_defaults(mut fields: PaperFields) -> PaperFields {
    if fields.url.is_none() {
        fields.url = match (&fields.arxiv, &fields.doi) {
            (Some(id), _) => Some(format!("https://arxiv.org/abs/{id}")),
            (None, Some(doi)) => Some(format!("https://doi.org/{doi}")),
            (None, None) => None,
        };
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_prefixed_bare_and_url_identifiers() {
        let arxiv = Some(Id::Arxiv("2305.18290".into()));
        assert_eq!(parse_id("arxiv:2305.18290"), arxiv);
        assert_eq!(parse_id("arXiv:2305.18290"), arxiv);
        assert_eq!(parse_id("https://arxiv.org/abs/2305.18290"), arxiv);
        assert_eq!(parse_id("2305.18290"), arxiv);
        let doi = Some(Id::Doi("10.18653/v1/2023.acl-long.754".into()));
        assert_eq!(parse_id("doi:10.18653/v1/2023.acl-long.754"), doi);
        assert_eq!(
            parse_id("https://doi.org/10.18653/v1/2023.acl-long.754"),
            doi
        );
        assert_eq!(parse_id("10.18653/v1/2023.acl-long.754"), doi);
        assert_eq!(parse_id("arxiv:not-an-id"), None);
        assert_eq!(parse_id("isbn:123"), None);
    }

    #[test]
    fn a_file_of_identifiers_skips_comments_and_places_problems() {
        let text = "# my list\narxiv:2305.18290\n\n  doi:10.1/x  # a DOI\nnonsense\n";
        let (requests, problems) = parse_file(Path::new("ids.txt"), text);
        assert_eq!(requests.len(), 2);
        assert_eq!(
            (requests[1].position.line, requests[1].position.column),
            (4, 3)
        );
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].line, problems[0].column), (5, 1));
        assert!(
            problems[0].message.contains("`nonsense`"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn command_line_problems_point_into_the_arguments() {
        let args = ["arxiv:2305.18290".to_string(), "bogus".to_string()];
        let (requests, problems) = parse_args(&args);
        assert_eq!(requests.len(), 1);
        assert_eq!(problems[0].column, 18);
    }

    #[test]
    fn markup_is_dropped_from_titles() {
        assert_eq!(
            clean_text("The <i>Flan</i>\n  Collection"),
            "The Flan Collection"
        );
    }
}
