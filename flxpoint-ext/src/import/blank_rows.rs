//! The blank rows of a loaded file (every cell empty or spaces only, as spreadsheets leave past
//! the last row): skipped, not problems, and counted in the journal's `meta` table under
//! `blank_rows` by the load's own transaction.

use super::{ImportError, Journal};
use rusqlite::{OptionalExtension, Transaction};

/// Records `count` blank rows in the journal being loaded (0 too: the key then says they were
/// counted, where an older journal has none).
pub(crate) fn store(tx: &Transaction<'_>, count: u64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('blank_rows', ?1)",
        [count.to_string()],
    )
    .map(drop)
}

impl Journal {
    /// How many rows of the input were blank (every cell empty or spaces only, as spreadsheets
    /// leave past the last row): skipped when it was loaded, not problems. 0 for a journal
    /// made before they were counted.
    pub fn blank_rows(&self) -> Result<u64, ImportError> {
        let value: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'blank_rows'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.error(e))?;
        value.map_or(Ok(0), |v| v.parse().map_err(|_| self.corrupt("blank_rows is not a count")))
    }
}
