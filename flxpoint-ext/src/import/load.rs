//! Loading a shipments file into a new journal: rows checked one at a time, then grouped into
//! shipments in SQLite.
//!
//! Decision: the cross-row checks (rows of one shipment agree on its shipment-level columns)
//! run here, against the journal's rows on disk, inside the load's one transaction, rolled
//! back on any problem: memory stays constant whatever the file's size, and a refused file
//! leaves nothing behind to send.

use super::csv_format::CsvRows;
use super::journal::{HEAD_COLUMNS, head_from};
use super::shipment::{self, COLUMNS, Head, Item, ParsedRow};
use super::{ImportError, Problem, TokenRouter};
use crate::ItemRef;
use rusqlite::{OptionalExtension, Transaction, params};
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
        CsvRows::open(file, &COLUMNS, delimiter, &mut report).map_err(io)?
    else {
        return Ok(problems.max(1));
    };
    if !shipment::check_header(&columns, &mut report) {
        return Ok(problems.max(1));
    }
    let mut find = tx
        .prepare(&format!("SELECT id, first_line, {HEAD_COLUMNS} FROM units WHERE group_key = ?1"))
        .map_err(sql)?;
    let mut add_unit = tx
        .prepare(&format!(
            "INSERT INTO units (first_line, token, group_key, {HEAD_COLUMNS}) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ))
        .map_err(sql)?;
    let mut add_item = tx
        .prepare(
            "INSERT INTO items (line, unit, sku, order_item_id, source_variant_id, \
             fulfillment_request_item_id, quantity) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(sql)?;
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
        let found: Option<(i64, i64, Head)> = find
            .query_row([&key], |r| Ok((r.get(0)?, r.get(1)?, head_from(r, 2)?)))
            .optional()
            .map_err(sql)?;
        let unit = match found {
            Some((unit, first_line, first)) => {
                let differs = first.disagreements(&head);
                for field in &differs {
                    report(Problem::new(
                        line,
                        *field,
                        format!(
                            "differs from line {first_line}, an earlier row of the same shipment \
                             (fulfillment request {}, tracking number {}); its rows must agree",
                            head.fulfillment_request(),
                            shipment::shown(&head.tracking_number)
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
                        head.fulfillment_request_id,
                        head.purchase_order_number,
                        head.source_id,
                        head.tracking_number,
                        head.carrier,
                        head.method,
                        head.tracking_url,
                        head.shipped_at_text(),
                        head.shipping_cost,
                        head.note,
                    ])
                    .map_err(sql)?;
                tx.last_insert_rowid()
            }
        };
        let Item { item, quantity } = item;
        let (mut sku, mut order_item, mut variant, mut fr_item) = (None, None, None, None);
        match item {
            ItemRef::Sku(s) => sku = Some(s),
            ItemRef::OrderItemId(id) => order_item = Some(id),
            ItemRef::SourceVariantId(id) => variant = Some(id),
            ItemRef::FulfillmentRequestItemId(id) => fr_item = Some(id),
        }
        add_item
            .execute(params![line as i64, unit, sku, order_item, variant, fr_item, quantity])
            .map_err(sql)?;
    }
    rows.finish("import", &mut report);
    super::blank_rows::store(tx, rows.blank_rows()).map_err(sql)?;
    Ok(problems)
}
