//! A paper's fields written the ways the site publishes them: labels in prose
//! ([`cite`]), references in a citation style ([`csl`]), BibTeX and CSL-JSON.

pub mod bibtex;
pub mod cite;
pub mod csl;
pub mod csljson;
