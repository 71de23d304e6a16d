//! Why a seed was refused, each reason naming the path of the bad field.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// The language a seed was read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        })
    }
}

/// A field breaking a rule of the seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Path of the field, e.g. `fulfillmentRequests[3].items[0].quantity`.
    pub field: String,
    /// The rule it breaks, e.g. `must be at least 1`.
    pub rule: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

/// Why a seed cannot be loaded. Nothing of a refused seed is used.
#[derive(Debug)]
#[non_exhaustive]
pub enum SeedError {
    /// The file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: io::Error,
    },
    /// Not a seed in this format: the first problem met (syntax, type, missing or unknown
    /// field). `field` is empty when the problem is not inside a field (e.g. a syntax error).
    Parse {
        /// The language it was read as.
        format: Format,
        /// Path of the field, e.g. `orders[0].items[1]` for a missing `id`.
        field: String,
        /// The parser's message (with its line and column).
        message: String,
    },
    /// Parsed, but some fields break the seed's rules ([`Seed::validate`](super::Seed::validate)):
    /// every one found.
    Invalid {
        /// The problems, in the order of the fields.
        problems: Vec<Problem>,
    },
}

impl SeedError {
    /// The path of the first bad field, if the error is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            SeedError::Parse { field, .. } if !field.is_empty() => Some(field),
            SeedError::Invalid { problems } => problems.first().map(|p| p.field.as_str()),
            _ => None,
        }
    }
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The caller names the file (it gave the path), as with every other variant.
            SeedError::Read { source, .. } => write!(f, "cannot read the file: {source}"),
            SeedError::Parse { format, field, message } if field.is_empty() => {
                write!(f, "not a seed in {format}: {message}")
            }
            SeedError::Parse { field, message, .. } => write!(f, "{field}: {message}"),
            SeedError::Invalid { problems } => {
                let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
                // One line, so that it reads the same in a log line or a JSON message.
                f.write_str(&lines.join("; "))
            }
        }
    }
}

impl std::error::Error for SeedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SeedError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}
