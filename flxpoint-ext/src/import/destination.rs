//! Where a journal's work went: the origin of the server and a fingerprint of each token it
//! sent with. A journal's outcomes are true of that server and those tokens only, so a run
//! against another origin, or with another token for the same label, is refused before
//! anything is sent: otherwise a trial against the sandbox would make the real run report
//! shipments that the real server never received.

use super::journal::DEFAULT_TOKEN_KEY;
use super::{ImportError, Journal, TokenLabel, TokenRouter};
use rusqlite::{OptionalExtension, params};

/// What a journal recorded, and what a run is about to use instead.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// The server: the journal's work went to `recorded`, this run would go to `given`.
    Origin {
        /// `scheme://host:port` the journal's work was sent to.
        recorded: String,
        /// `scheme://host:port` of this run's client.
        given: String,
    },
    /// A token: the journal's work of `token` was sent with another token than this run's.
    Token {
        /// Whose token.
        token: TokenLabel,
        /// The fingerprint (a keyed hash, never the token) the journal recorded.
        recorded: String,
        /// The fingerprint of this run's token.
        given: String,
    },
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Origin { recorded, given } => write!(
                f,
                "its work was sent to {recorded}, and this run would send to {given}: what it \
                 records is not true of {given}. To send this file to {given}, use another \
                 journal path (or move this journal away); to resume it, run against {recorded}"
            ),
            Self::Token { token, recorded, given } => write!(
                f,
                "its work of the {token} was sent with another token (fingerprint {recorded}; \
                 this run's is {given}). If that token was rotated for the same account or \
                 source, accept the new one explicitly (rotated tokens); otherwise use another \
                 journal path"
            ),
        }
    }
}

/// The `meta` key of the fingerprint of the token a unit key names (`account`, `source:ID`, or
/// flag batches' `default`: keyed by what the journal stores, so a flags journal run with one
/// account's token never takes another's as its own).
fn token_key(unit_key: &str) -> String {
    format!("token_fingerprint:{unit_key}")
}

/// The `origin` a migrated schema-1 journal records when any of its work was sent: that
/// version kept no origin, so no server can be shown to be the one it went to.
pub(crate) const UNRECORDED_ORIGIN: &str =
    "an unrecorded server (the journal predates recorded origins)";

/// Whether a check records what it finds (a run) or only compares (a dry run).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Compare, record what is new, accept rotated tokens if asked.
    Run { accept_rotated: bool },
    /// Compare the origin only; record nothing (a dry run sends nothing, and the token a dry
    /// run holds may be a rotated one the real run will declare).
    DryRun,
}

impl Journal {
    /// Checks that `router` reaches the server and holds the tokens the journal's work went to
    /// and with, and (for a run) records them where the journal has none yet (a new journal,
    /// or tokens of work not sent before). A rotated token, accepted, is recorded; the origin
    /// is never accepted this way.
    pub(crate) fn check_destination(
        &self,
        router: &TokenRouter,
        check: Check,
    ) -> Result<(), ImportError> {
        let mismatch =
            |mismatch| ImportError::JournalMismatch { path: self.path().into(), mismatch };
        let clients: Vec<_> = router.labels().filter_map(|label| router.client(label)).collect();
        let Some(first) = clients.first() else { return Ok(()) };
        let recorded = self.meta("origin")?;
        // Every configured client must go where the journal's work went (or, for a journal
        // that records none yet, where the first goes: one journal, one server).
        let expected = recorded.clone().unwrap_or_else(|| first.origin().to_owned());
        if let Some(other) = clients.iter().find(|c| c.origin() != expected) {
            return Err(mismatch(Mismatch::Origin {
                recorded: expected,
                given: other.origin().to_owned(),
            }));
        }
        let Check::Run { accept_rotated } = check else { return Ok(()) };
        let mut updates = Vec::new();
        if recorded.is_none() {
            updates.push(("origin".to_owned(), expected));
        }
        for (key, label) in self.tokens_of_work(router)? {
            let Some(client) = router.client(label) else { continue };
            let given = client.journal_fingerprint();
            match self.meta(&token_key(&key))? {
                Some(recorded) if recorded == given => {}
                Some(recorded) if !accept_rotated => {
                    return Err(mismatch(Mismatch::Token { token: label, recorded, given }));
                }
                // Not recorded yet, or rotated on purpose: this token from now on.
                _ => updates.push((token_key(&key), given)),
            }
        }
        self.set_meta(&updates)
    }

    /// The token keys the journal's units go with, each with the label of the client that
    /// sends them now (flag batches' `default`: the router's default token).
    fn tokens_of_work(
        &self,
        router: &TokenRouter,
    ) -> Result<Vec<(String, TokenLabel)>, ImportError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT token FROM units")
            .map_err(|e| self.error(e))?;
        let keys = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.error(e))?;
        Ok(keys
            .into_iter()
            .filter_map(|key| {
                let label = match key.as_str() {
                    DEFAULT_TOKEN_KEY => router.default_token().map(|(label, _)| label),
                    other => TokenLabel::from_key(other),
                }?;
                Some((key, label))
            })
            .collect())
    }
    fn meta(&self, key: &str) -> Result<Option<String>, ImportError> {
        self.conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
            .map_err(|e| self.error(e))
    }

    fn set_meta(&self, pairs: &[(String, String)]) -> Result<(), ImportError> {
        if pairs.is_empty() {
            return Ok(());
        }
        let write = || -> rusqlite::Result<()> {
            let tx = self.conn.unchecked_transaction()?;
            for (key, value) in pairs {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2) \
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![key, value],
                )?;
            }
            tx.commit()
        };
        write().map_err(|e| self.error(e))
    }
}
