//! One file of the built site, as every stage after assembling passes it on: render
//! and the search index make them, emit writes them.

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Output {
    /// Path relative to the output directory, with `/` separators.
    pub path: String,
    #[serde(with = "as_bytes")]
    pub bytes: Vec<u8>,
}

/// Serializes an output's bytes as one byte string (the persistent cache holds every
/// output; element by element, reading them back took longer than rendering).
mod as_bytes {
    use serde::Serializer;
    use serde::de::{Deserializer, Error, Visitor};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        deserializer.deserialize_byte_buf(Bytes)
    }

    struct Bytes;

    impl Visitor<'_> for Bytes {
        type Value = Vec<u8>;

        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("bytes")
        }

        fn visit_bytes<E: Error>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
            Ok(bytes.to_vec())
        }

        fn visit_byte_buf<E: Error>(self, bytes: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(bytes)
        }
    }
}

impl Output {
    /// A rendered page at a site path: `index.html` in a folder path's folder.
    pub(crate) fn page(path: &str, html: String) -> Self {
        let path = if path.ends_with(".html") {
            path.to_string()
        } else {
            format!("{path}index.html")
        };
        Output {
            path,
            bytes: html.into_bytes(),
        }
    }
}
