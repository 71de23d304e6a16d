//! The errors of the import: everything but a bad row (that is a [`super::Problem`]).

use super::{JobKind, Mismatch, TokenLabel};
use std::path::PathBuf;

/// Why a journal could not be opened, run or reported. None holds an API token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The input file (or the journal's directory) could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The input file has problems (each was given to the problem callback); nothing was
    /// loaded into the journal and nothing was sent.
    #[error("{}: {problems} problem(s); nothing was loaded or sent", path.display())]
    Invalid {
        /// The input file.
        path: PathBuf,
        /// How many problems were reported.
        problems: u64,
    },
    /// The journal was made for another input file (its SHA-256 differs): resuming it would
    /// send the wrong work. Use the original file, or another journal path.
    #[error(
        "journal {} belongs to another input (sha256 {journal_sha256}; this file's is {input_sha256}); use that file or another journal",
        path.display()
    )]
    InputChanged {
        /// The journal.
        path: PathBuf,
        /// SHA-256 (hex) of the input the journal was made for.
        journal_sha256: String,
        /// SHA-256 (hex) of the input given now.
        input_sha256: String,
    },
    /// The journal's work went to another server, or with another token, than this run's:
    /// what it records is not true of this destination, so nothing was sent. A rotated token
    /// is accepted only explicitly ([`super::RunOptions::accept_rotated_tokens`]).
    #[error("journal {}: {mismatch}", path.display())]
    JournalMismatch {
        /// The journal.
        path: PathBuf,
        /// What differs.
        mismatch: Mismatch,
    },
    /// The journal holds another kind of job (e.g. flags, opened as shipments).
    #[error("journal {} holds a {journal} job, not {requested}", path.display())]
    KindMismatch {
        /// The journal.
        path: PathBuf,
        /// What it holds.
        journal: JobKind,
        /// What was asked for.
        requested: JobKind,
    },
    /// Another process has the journal open.
    #[error("journal {} is in use by another process", path.display())]
    Busy {
        /// The journal.
        path: PathBuf,
    },
    /// The journal file is not readable as a journal (not SQLite, another schema, damaged).
    #[error("journal {}: {message}", path.display())]
    Journal {
        /// The journal.
        path: PathBuf,
        /// What SQLite (or the schema check) said.
        message: String,
    },
    /// Work in the journal needs a token the router does not have (e.g. the journal was loaded
    /// with a source token that is not configured now); nothing was sent.
    #[error("no token configured for {token}; {units} unit(s) of work need it (nothing was sent)")]
    MissingToken {
        /// The token that is needed.
        token: TokenLabel,
        /// How many shipments (or flag batches) need it.
        units: u64,
    },
    /// Writing the report failed.
    #[error("writing the report: {0}")]
    Report(#[source] std::io::Error),
}

impl ImportError {
    pub(crate) fn journal(path: &std::path::Path, e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, _) = &e
            && matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            )
        {
            return Self::Busy { path: path.to_owned() };
        }
        Self::Journal { path: path.to_owned(), message: e.to_string() }
    }
}
