//! The flags file (`id,syncError`): loaded into batches, each sent as one
//! `PUT /shipments/flag-with-errors`.

use super::csv_format::CsvRows;
use super::journal::DEFAULT_TOKEN_KEY;
use super::shipment::shown;
use super::{ImportError, Journal, Problem};
use crate::{Error, ShipmentSyncError};
use rusqlite::{OptionalExtension, Transaction, params};
use std::path::Path;

/// Rows per PUT by default. At the documented 2 requests/second, 100 rows a call flags 200
/// shipments a second (a million in under 1.5 hours) with request bodies of a few KiB, while a
/// batch refused as a whole (one unknown shipment id makes the server answer 404 for all of it)
/// sets aside 100 rows to look at, not thousands.
pub const DEFAULT_FLAG_BATCH_SIZE: usize = 100;

const COLUMNS: [&str; 2] = ["id", "syncError"];

/// Reads, checks and stores every row in batches of `batch_size`; returns how many problems
/// were reported. A shipment id listed twice is a problem (the second would overwrite the
/// first's error, or be refused within one batch).
pub(crate) fn load_flags(
    tx: &Transaction<'_>,
    input: &Path,
    file: &mut dyn std::io::Read,
    journal: &Path,
    delimiter: Option<u8>,
    batch_size: usize,
    on_problem: &mut dyn FnMut(Problem),
) -> Result<u64, ImportError> {
    let io = |source| ImportError::Io { path: input.to_owned(), source };
    let sql = |e| ImportError::journal(journal, e);
    let file = std::io::BufReader::new(file);
    let mut problems = 0u64;
    let mut report = |p: Problem| {
        problems += 1;
        on_problem(p);
    };
    let Some((mut rows, columns)) =
        CsvRows::open(file, &COLUMNS, delimiter, &mut report).map_err(io)?
    else {
        return Ok(problems.max(1));
    };
    for (index, name) in COLUMNS.iter().enumerate() {
        if columns[index].is_none() {
            report(Problem::new(1, *name, "is a required column, missing"));
        }
    }
    if columns.iter().any(Option::is_none) {
        return Ok(problems);
    }
    let mut seen = tx.prepare("SELECT line FROM flags WHERE shipment_id = ?1").map_err(sql)?;
    let mut add_unit =
        tx.prepare("INSERT INTO units (first_line, token) VALUES (?1, ?2)").map_err(sql)?;
    let mut add_flag = tx
        .prepare("INSERT INTO flags (line, unit, shipment_id, sync_error) VALUES (?1, ?2, ?3, ?4)")
        .map_err(sql)?;
    let (mut unit, mut in_unit) = (0i64, batch_size);
    while let Some(row) = rows.next_row(&mut report).map_err(io)? {
        if !row.check_shape(&mut report) {
            continue;
        }
        let line = row.line;
        let id = row.cell(columns[0]);
        let sync_error = row.cell(columns[1]).unwrap_or_default();
        let id = match id.map(|v| (v, v.trim().parse::<i64>())) {
            None => {
                report(Problem::new(line, "id", "is required"));
                None
            }
            Some((v, Err(_))) => {
                report(Problem::new(line, "id", format!("is not a whole number: {}", shown(v))));
                None
            }
            Some((_, Ok(id))) => Some(id),
        };
        // The library's own checks (those of `FlagShipmentsWithErrors::to_request`).
        fn check<T>(
            checked: Result<T, Error>,
            line: u64,
            report: &mut dyn FnMut(Problem),
        ) -> Option<T> {
            match checked {
                Ok(value) => Some(value),
                Err(e) => {
                    let (field, rule) = match e {
                        Error::Validation { field, rule } => (field, rule),
                        other => ("id".to_owned(), other.to_string()),
                    };
                    report(Problem::new(line, field, rule));
                    None
                }
            }
        }
        let id = id.and_then(|id| check(crate::validate::id("id", id), line, &mut report));
        let sync_error =
            check(crate::validate::non_empty("syncError", sync_error), line, &mut report);
        let (Some(id), Some(sync_error)) = (id, sync_error) else { continue };
        let first: Option<i64> = seen.query_row([id], |r| r.get(0)).optional().map_err(sql)?;
        if let Some(first) = first {
            report(Problem::new(
                line,
                "id",
                format!("shipment {id} is listed again (first at line {first}): list it once"),
            ));
            continue;
        }
        if in_unit >= batch_size {
            add_unit.execute(params![line as i64, DEFAULT_TOKEN_KEY]).map_err(sql)?;
            (unit, in_unit) = (tx.last_insert_rowid(), 0);
        }
        add_flag.execute(params![line as i64, unit, id, sync_error]).map_err(sql)?;
        in_unit += 1;
    }
    rows.finish("flag", &mut report);
    super::blank_rows::store(tx, rows.blank_rows()).map_err(sql)?;
    Ok(problems)
}

impl Journal {
    /// A flag batch: its first line and entries.
    pub(crate) fn flag_batch(&self, id: i64) -> Result<(u64, Vec<ShipmentSyncError>), ImportError> {
        let line: i64 = self
            .conn
            .prepare_cached("SELECT first_line FROM units WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)))
            .map_err(|e| self.error(e))?;
        let line = line as u64;
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT shipment_id, sync_error FROM flags WHERE unit = ?1 ORDER BY line",
            )
            .map_err(|e| self.error(e))?;
        let entries = stmt
            .query_map([id], |r| Ok(ShipmentSyncError::new(r.get(0)?, r.get::<_, String>(1)?)))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.error(e))?;
        Ok((line, entries))
    }
}
