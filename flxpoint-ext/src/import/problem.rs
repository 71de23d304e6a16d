//! A bad row (or header) of an input file: where it is and what is wrong.

use std::fmt;

/// One thing wrong with an input file, found while reading it. A file with any problem is
/// refused as a whole ([`super::ImportError::Invalid`]); every problem is reported, not just
/// the first.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    /// The line of the file it is on (1 is the header; a row spanning lines is at its first).
    pub line: u64,
    /// The column it is about, by its header name (e.g. `quantity`), or `header` for a file
    /// without one.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(line: u64, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { line, field: field.into(), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, {}: {}", self.line, self.field, self.message)
    }
}
