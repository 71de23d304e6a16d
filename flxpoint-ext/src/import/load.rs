//! Loading a shipments file into a new journal: rows checked one at a time, then grouped into
//! shipments in SQLite.
//!
//! Decision: the cross-row checks (rows of one shipment agree on its shipment-level columns)
//! run here, against the journal's rows on disk, inside the load's one transaction, rolled
//! back on any problem: memory stays constant whatever the file's size, and a refused file
//! leaves nothing behind to send.

use super::csv_format::CsvRows;
use super::journal::head_from_json;
use super::shipment::{self, Head, ParsedRow};
use super::{ImportError, Problem, TokenRouter};
use rusqlite::{OptionalExtension, Transaction, params};
use serde_json::Value;
use std::path::Path;

/// Reads, checks and stores every row; returns how many problems were reported.
pub(crate) fn load_shipments(
    tx: &Transaction<'_>,
    input: &Path,
    file: &mut dyn std::io::Read,
    journal: &Path,
    delimiter: Option<u8>,
    router: &TokenRouter,
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
        CsvRows::open(file, &shipment::column_names(), delimiter, &mut report).map_err(io)?
    else {
        return Ok(problems.max(1));
    };
    if !shipment::check_header(&columns, &mut report) {
        return Ok(problems.max(1));
    }
    let mut find = tx
        .prepare("SELECT id, first_line, request FROM units WHERE group_key = ?1")
        .map_err(sql)?;
    let mut add_unit = tx
        .prepare(
            "INSERT INTO units (first_line, token, group_key, request) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(sql)?;
    let mut add_item =
        tx.prepare("INSERT INTO items (line, unit, item) VALUES (?1, ?2, ?3)").map_err(sql)?;
    while let Some(row) = rows.next_row(&mut report).map_err(io)? {
        if !row.check_shape(&mut report) {
            continue;
        }
        let line = row.line;
        let Some(ParsedRow { head, item, token }) =
            shipment::parse_row(&row, &columns, router, &mut report)
        else {
            continue;
        };
        let key = head.group_key();
        let found: Option<(i64, i64, String)> = find
            .query_row([&key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(sql)?;
        let unit = match found {
            Some((unit, first_line, first)) => {
                let first: Head = head_from_json(&first).unwrap_or_else(|| head.clone());
                let differs = first.disagreements(&head);
                for field in &differs {
                    report(Problem::new(
                        line,
                        *field,
                        format!(
                            "differs from line {first_line}, an earlier row of the same shipment \
                             (fulfillment request {}, tracking number {}); its rows must agree",
                            head.fulfillment_request(),
                            shipment::shown(head.tracking_number())
                        ),
                    ));
                }
                if !differs.is_empty() {
                    continue;
                }
                unit
            }
            None => {
                add_unit
                    .execute(params![
                        line as i64,
                        token.key(),
                        key,
                        Value::Object(head.0).to_string()
                    ])
                    .map_err(sql)?;
                tx.last_insert_rowid()
            }
        };
        add_item
            .execute(params![line as i64, unit, Value::Object(item).to_string()])
            .map_err(sql)?;
    }
    rows.finish("import", &mut report);
    super::blank_rows::store(tx, rows.blank_rows()).map_err(sql)?;
    Ok(problems)
}
