//! The shipments file: its columns are the generated create request's own fields, read from
//! the OpenAPI document (a field added to the spec is a new column, with no code here); one row
//! is one item of one shipment, made into the request's JSON and checked by the same
//! [`Validate`] entry point as any other request.

use super::csv_format::{Columns, Row};
use super::{Problem, TokenLabel, TokenRouter};
use crate::ops::create_shipment::rules::{ITEM_ALIAS, ITEM_KEYS};
use crate::schema::{self, Scalar};
use crate::{Error, Validate, types};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Number, Value};
use std::sync::LazyLock;

/// Which object of the request a column's field belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// The body itself (`fulfillmentRequestId`, `sourceId`, …).
    Request,
    /// `shipment`: every row of one shipment must agree on it.
    Shipment,
    /// `shipment.shipmentItems[]`: one per row.
    Item,
}

/// A column: the field it fills, its level and its type.
#[derive(Debug)]
pub(crate) struct Column {
    /// The header's name for it.
    pub name: &'static str,
    /// The request field it fills (an alias column fills the spec's field).
    pub field: &'static str,
    pub level: Level,
    pub scalar: Scalar,
    /// Required by the schema at its level.
    pub required: bool,
}

/// Decision: `allowDuplicateTrackingNumbers` is not a column. The import always sends `false`,
/// so that a shipment sent again after a crash is refused by the server as a repeat (409).
const NOT_COLUMNS: [&str; 1] = ["allowDuplicateTrackingNumbers"];

/// The columns, from the schema: the body's scalar fields, the shipment's, an item's, then the
/// item's alias (`fulfillmentRequestItemId`). Deprecated fields are left out.
pub(crate) static COLUMNS: LazyLock<Vec<Column>> = LazyLock::new(|| {
    let request = schema::component("CreateShipmentRequest");
    let shipment = request.property("shipment");
    let item = shipment.property("shipmentItems").element();
    let mut columns = Vec::new();
    for (level, object) in
        [(Level::Request, request), (Level::Shipment, shipment), (Level::Item, item)]
    {
        for (name, scalar, required) in object.scalars() {
            if !NOT_COLUMNS.contains(&name) {
                columns.push(Column { name, field: name, level, scalar, required });
            }
        }
    }
    let (alias, field) = ITEM_ALIAS;
    if let Some(target) = columns.iter().find(|c| c.level == Level::Item && c.field == field) {
        let scalar = target.scalar;
        columns.push(Column { name: alias, field, level: Level::Item, scalar, required: false });
    }
    columns
});

/// The header names, in [`COLUMNS`]' order.
pub(crate) fn column_names() -> Vec<&'static str> {
    COLUMNS.iter().map(|c| c.name).collect()
}

/// The columns that name an item (one per row): the page's item keys and their alias.
fn item_columns() -> impl Iterator<Item = (usize, &'static Column)> {
    COLUMNS.iter().enumerate().filter(|(_, c)| {
        c.level == Level::Item && (ITEM_KEYS.contains(&c.name) || c.name == ITEM_ALIAS.0)
    })
}

fn index_of(name: &str) -> Option<usize> {
    COLUMNS.iter().position(|c| c.name == name)
}

/// The header's required columns; a problem for each one missing.
pub(crate) fn check_header(columns: &Columns, on_problem: &mut dyn FnMut(Problem)) -> bool {
    let mut ok = true;
    let present = |name: &str| index_of(name).is_some_and(|i| columns[i].is_some());
    for column in COLUMNS.iter().filter(|c| c.required && c.level != Level::Request) {
        if !present(column.name) {
            on_problem(Problem::new(1, column.name, "is a required column, missing"));
            ok = false;
        }
    }
    if !present("fulfillmentRequestId") && !present("purchaseOrderNumber") {
        on_problem(Problem::new(
            1,
            "fulfillmentRequestId",
            "is missing: the header needs fulfillmentRequestId or purchaseOrderNumber",
        ));
        ok = false;
    }
    if !item_columns().any(|(i, _)| columns[i].is_some()) {
        on_problem(Problem::new(
            1,
            "sku",
            "is missing: the header needs an item column (sku, orderItemId, sourceVariantId or \
             fulfillmentRequestItemId)",
        ));
        ok = false;
    }
    ok
}

/// The shipment-level part of a row: the request's JSON with `shipment.shipmentItems` empty.
/// Every row of one shipment has the same head.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Head(pub Map<String, Value>);

impl Head {
    fn shipment(&self) -> Option<&Map<String, Value>> {
        self.0.get("shipment").and_then(Value::as_object)
    }

    pub(crate) fn tracking_number(&self) -> &str {
        self.shipment().and_then(|s| s.get("trackingNumber")).and_then(Value::as_str).unwrap_or("")
    }

    fn source_id(&self) -> Option<i64> {
        self.0.get("sourceId").and_then(Value::as_i64)
    }

    fn purchase_order_number(&self) -> Option<&str> {
        self.0.get("purchaseOrderNumber").and_then(Value::as_str)
    }

    /// Which rows form one shipment: the same fulfillment request (id, or number within a
    /// source) and tracking number. Separated by U+001F, which neither value may hold.
    pub(crate) fn group_key(&self) -> String {
        match self.0.get("fulfillmentRequestId").and_then(Value::as_i64) {
            Some(id) => format!("id:{id}\u{1f}{}", self.tracking_number()),
            None => format!(
                "po:{}\u{1f}{}\u{1f}{}",
                self.source_id().map_or(String::new(), |s| s.to_string()),
                self.purchase_order_number().unwrap_or_default(),
                self.tracking_number()
            ),
        }
    }

    /// How the report names the fulfillment request: its id, or its number.
    pub(crate) fn fulfillment_request(&self) -> String {
        match self.0.get("fulfillmentRequestId").and_then(Value::as_i64) {
            Some(id) => id.to_string(),
            None => self.purchase_order_number().unwrap_or_default().to_owned(),
        }
    }

    /// The shipment-level columns where `other` (a later row) disagrees with `self`.
    pub(crate) fn disagreements(&self, other: &Head) -> Vec<&'static str> {
        let empty = Map::new();
        let value = |head: &Head, column: &Column| -> Option<Value> {
            let object = match column.level {
                Level::Request => &head.0,
                _ => head.shipment().unwrap_or(&empty),
            };
            object.get(column.field).cloned()
        };
        COLUMNS
            .iter()
            .filter(|c| c.level != Level::Item)
            // These name the shipment: rows differing in them are other shipments.
            .filter(|c| {
                !["fulfillmentRequestId", "purchaseOrderNumber", "trackingNumber"]
                    .contains(&c.field)
            })
            .filter(|c| value(self, c) != value(other, c))
            .map(|c| c.name)
            .collect()
    }

    /// The whole request: this head with `items` as its `shipment.shipmentItems`.
    pub(crate) fn with_items(&self, items: Vec<Value>) -> Value {
        let mut request = self.0.clone();
        // Decision: beside fulfillmentRequestId, a row's sourceId only picks the token; the
        // page takes sourceId with purchaseOrderNumber only, so it is not sent.
        // (A journal migrated from schema 2 holds `null` for the columns that were empty.)
        if request.get("fulfillmentRequestId").is_some_and(|id| !id.is_null()) {
            request.remove("sourceId");
        }
        if let Some(Value::Object(shipment)) = request.get_mut("shipment") {
            shipment.insert("shipmentItems".into(), Value::Array(items));
        }
        Value::Object(request)
    }
}

/// A row read and checked: its shipment-level values, its item (the JSON of one
/// `shipmentItems` entry), and the token it goes with.
pub(crate) struct ParsedRow {
    pub head: Head,
    pub item: Map<String, Value>,
    pub token: TokenLabel,
}

/// Reads and checks one row: every problem of the row is reported; `None` if there were any.
pub(crate) fn parse_row(
    row: &Row<'_>,
    columns: &Columns,
    router: &TokenRouter,
    on_problem: &mut dyn FnMut(Problem),
) -> Option<ParsedRow> {
    let line = row.line;
    // This row's problems (a handful at most).
    let mut bad: Vec<(&'static str, String)> = Vec::new();
    let parsed = read_row(row, columns, &mut bad).and_then(|(head, item)| {
        let checked = check_row(head, item, router, columns);
        checked.map_err(|(field, message)| bad.push((field, message))).ok()
    });
    let any = !bad.is_empty();
    for (field, message) in bad {
        on_problem(Problem::new(line, field, message));
    }
    if any { None } else { parsed }
}

/// A cell as its column's JSON type; the problem's message if it is not one.
fn typed(scalar: Scalar, value: &str) -> Result<Value, String> {
    let trimmed = value.trim();
    match scalar {
        Scalar::Text => Ok(Value::String(value.to_owned())),
        Scalar::Integer => trimmed
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("is not a whole number: {}", shown(value))),
        Scalar::Number => trimmed
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("is not a number: {}", shown(value))),
        Scalar::Boolean => match trimmed.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("is not true or false: {}", shown(value))),
        },
        Scalar::DateTime => DateTime::parse_from_rfc3339(trimmed)
            .map(|t| {
                let utc = t.with_timezone(&Utc);
                Value::String(utc.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            })
            .map_err(|_| {
                format!(
                    "is not an RFC 3339 date-time (e.g. 2026-04-20T15:30:00Z): {}",
                    shown(value)
                )
            }),
    }
}

/// The values of a row, each typed by its column; `None` if any cell is bad (pushed to `bad`).
fn read_row(
    row: &Row<'_>,
    columns: &Columns,
    bad: &mut Vec<(&'static str, String)>,
) -> Option<(Head, Map<String, Value>)> {
    let (mut request, mut shipment, mut item) = (Map::new(), Map::new(), Map::new());
    for (index, column) in COLUMNS.iter().enumerate() {
        let Some(cell) = row.cell(columns[index]) else { continue };
        match typed(column.scalar, cell) {
            Ok(value) => {
                let object = match column.level {
                    Level::Request => &mut request,
                    Level::Shipment => &mut shipment,
                    Level::Item => &mut item,
                };
                // An alias column fills the spec's field under its own name; the rules map it.
                object.insert(column.name.to_owned(), value);
            }
            Err(message) => bad.push((column.name, message)),
        }
    }
    let given = |name: &str| index_of(name).and_then(|i| row.cell(columns[i])).is_some();
    match (given("fulfillmentRequestId"), given("purchaseOrderNumber")) {
        (true, true) => bad.push((
            "purchaseOrderNumber",
            "is given with fulfillmentRequestId: name the fulfillment request one way only".into(),
        )),
        (false, false) => bad.push((
            "fulfillmentRequestId",
            "is empty: each row needs fulfillmentRequestId or purchaseOrderNumber".into(),
        )),
        _ => {}
    }
    for column in COLUMNS.iter().filter(|c| c.required && c.level != Level::Request) {
        if !given(column.name) {
            bad.push((column.name, "is required".into()));
        }
    }
    let keys: Vec<&'static str> = item_columns()
        .filter(|(i, _)| row.cell(columns[*i]).is_some())
        .map(|(_, c)| c.name)
        .collect();
    match keys.as_slice() {
        [] => bad.push((
            "sku",
            "is empty: each row needs one item identifier (sku, orderItemId, sourceVariantId or \
             fulfillmentRequestItemId)"
                .into(),
        )),
        [_] => {}
        [first, rest @ ..] => {
            for second in rest {
                bad.push((
                    second,
                    format!("is a second item identifier (with {first}): an item takes one"),
                ));
            }
        }
    }
    if !bad.is_empty() {
        return None;
    }
    shipment.insert("shipmentItems".into(), Value::Array(Vec::new()));
    request.insert("shipment".into(), Value::Object(shipment));
    Some((Head(request), item))
}

/// The row's token, then the library's own rules on the row as a one-item shipment.
fn check_row(
    head: Head,
    item: Map<String, Value>,
    router: &TokenRouter,
    columns: &Columns,
) -> Result<ParsedRow, (&'static str, String)> {
    let Some((token, client)) = router.route(head.source_id()) else {
        return Err((
            "sourceId",
            match head.source_id() {
                Some(s) => format!(
                    "{s}: no configured token can act on this row (neither source {s}'s nor \
                     the account's)"
                ),
                None => "is empty and no account token is configured: no configured token can \
                         act on this row"
                    .into(),
            },
        ));
    };
    if token == TokenLabel::Account
        && head.purchase_order_number().is_some()
        && head.source_id().is_none()
    {
        return Err((
            "sourceId",
            "is required with purchaseOrderNumber when the row goes with the account token".into(),
        ));
    }
    let request = head.with_items(vec![Value::Object(item.clone())]);
    match types::CreateShipmentRequest::from_json(request, client.token_kind()) {
        Ok(_) => Ok(ParsedRow { head, item, token }),
        Err(Error::Validation { field, rule }) => Err((column_of(&field, columns), rule)),
        Err(other) => Err(("row", other.to_string())),
    }
}

/// The CSV column a field path of [`Validate::from_json`] names.
fn column_of(field: &str, columns: &Columns) -> &'static str {
    let last = field.rsplit('.').next().unwrap_or(field);
    // The item's ID is named by the column the file used for it.
    let (alias, target) = ITEM_ALIAS;
    if last == target && index_of(alias).is_some_and(|i| columns[i].is_some()) {
        return alias;
    }
    match last {
        // The token is picked by `sourceId`.
        "X-API-TOKEN" => "sourceId",
        other => COLUMNS.iter().find(|c| c.name == other).map_or("row", |c| c.name),
    }
}

/// A value quoted for a message, cut to a readable length.
pub(crate) fn shown(value: &str) -> String {
    const MAX: usize = 60;
    match value.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", &value[..cut]),
        None => format!("{value:?}"),
    }
}
