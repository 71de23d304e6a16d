//! The shipments file: its columns, one row into one item of one shipment, and a shipment into
//! the library's own [`CreateShipment`] builder, whose `to_request()` applies the rules.

use super::csv_format::{Columns, Row};
use super::{Problem, TokenLabel, TokenRouter};
use crate::{Client, CreateShipment, Error, FulfillmentRequestRef, ItemRef, ShipmentLine};
use chrono::{DateTime, SecondsFormat, Utc};

/// The columns, by the API's field names.
pub(crate) const COLUMNS: [&str; 15] = [
    "fulfillmentRequestId",
    "purchaseOrderNumber",
    "sourceId",
    "trackingNumber",
    "carrier",
    "method",
    "trackingUrl",
    "shippedAt",
    "shippingCost",
    "note",
    "sku",
    "orderItemId",
    "sourceVariantId",
    "fulfillmentRequestItemId",
    "quantity",
];
const FR_ID: usize = 0;
const PO_NUMBER: usize = 1;
const SOURCE_ID: usize = 2;
const TRACKING: usize = 3;
const CARRIER: usize = 4;
const METHOD: usize = 5;
const TRACKING_URL: usize = 6;
const SHIPPED_AT: usize = 7;
const COST: usize = 8;
const NOTE: usize = 9;
const ITEM_COLUMNS: [usize; 4] = [10, 11, 12, 13];
const QUANTITY: usize = 14;

/// The header's required columns; a problem for each one missing.
pub(crate) fn check_header(columns: &Columns, on_problem: &mut dyn FnMut(Problem)) -> bool {
    let mut ok = true;
    let mut need = |present: bool, field: &str, message: &str| {
        if !present {
            on_problem(Problem::new(1, field, message));
            ok = false;
        }
    };
    need(columns[TRACKING].is_some(), "trackingNumber", "is a required column, missing");
    need(columns[QUANTITY].is_some(), "quantity", "is a required column, missing");
    need(
        columns[FR_ID].is_some() || columns[PO_NUMBER].is_some(),
        "fulfillmentRequestId",
        "is missing: the header needs fulfillmentRequestId or purchaseOrderNumber",
    );
    need(
        ITEM_COLUMNS.iter().any(|&c| columns[c].is_some()),
        "sku",
        "is missing: the header needs an item column (sku, orderItemId, sourceVariantId or \
         fulfillmentRequestItemId)",
    );
    ok
}

/// The shipment-level values of a row (what all rows of one shipment share).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Head {
    pub fulfillment_request_id: Option<i64>,
    pub purchase_order_number: Option<String>,
    pub source_id: Option<i64>,
    pub tracking_number: String,
    pub carrier: Option<String>,
    pub method: Option<String>,
    pub tracking_url: Option<String>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub shipping_cost: Option<f64>,
    pub note: Option<String>,
}

impl Head {
    /// Which rows form one shipment: the same fulfillment request (id, or number within a
    /// source) and tracking number. Separated by U+001F, which neither value may hold.
    pub(crate) fn group_key(&self) -> String {
        match (&self.fulfillment_request_id, &self.purchase_order_number) {
            (Some(id), _) => format!("id:{id}\u{1f}{}", self.tracking_number),
            (None, number) => format!(
                "po:{}\u{1f}{}\u{1f}{}",
                self.source_id.map_or(String::new(), |s| s.to_string()),
                number.as_deref().unwrap_or_default(),
                self.tracking_number
            ),
        }
    }

    /// The fulfillment request as the builder takes it; `sourceId` only with the number.
    pub(crate) fn target(&self) -> FulfillmentRequestRef {
        match (self.fulfillment_request_id, &self.purchase_order_number, self.source_id) {
            (Some(id), _, _) => FulfillmentRequestRef::id(id),
            (None, number, Some(source)) => {
                FulfillmentRequestRef::number_in_source(number.clone().unwrap_or_default(), source)
            }
            (None, number, None) => {
                FulfillmentRequestRef::number(number.clone().unwrap_or_default())
            }
        }
    }

    /// How the report names the fulfillment request: its id, or its number.
    pub(crate) fn fulfillment_request(&self) -> String {
        match (self.fulfillment_request_id, &self.purchase_order_number) {
            (Some(id), _) => id.to_string(),
            (None, number) => number.clone().unwrap_or_default(),
        }
    }

    /// The shipment-level columns where `other` (a later row) disagrees with `self`.
    pub(crate) fn disagreements(&self, other: &Head) -> Vec<&'static str> {
        let mut out = Vec::new();
        let fields: [(&str, bool); 7] = [
            ("sourceId", self.source_id == other.source_id),
            ("carrier", self.carrier == other.carrier),
            ("method", self.method == other.method),
            ("trackingUrl", self.tracking_url == other.tracking_url),
            ("shippedAt", self.shipped_at == other.shipped_at),
            (
                "shippingCost",
                self.shipping_cost.map(f64::to_bits) == other.shipping_cost.map(f64::to_bits),
            ),
            ("note", self.note == other.note),
        ];
        for (name, same) in fields {
            if !same {
                out.push(name);
            }
        }
        out
    }

    /// `shippedAt` as the journal stores it (RFC 3339, UTC, to the second or finer).
    pub(crate) fn shipped_at_text(&self) -> Option<String> {
        self.shipped_at.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

/// One item line of a shipment, as the journal stores it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Item {
    pub item: ItemRef,
    pub quantity: i64,
}

/// The import's builder for a shipment. Duplicates are always refused
/// (`allowDuplicateTrackingNumbers: false`): sending a shipment again after a crash is then
/// safe, since the server answers a repeated tracking number with 409.
pub(crate) fn builder(client: &Client, head: &Head, items: &[Item]) -> CreateShipment {
    let mut b = client
        .create_shipment(head.target(), head.tracking_number.clone())
        .allow_duplicate_tracking_numbers(false)
        .lines(items.iter().map(|i| ShipmentLine::new(i.item.clone(), i.quantity)));
    if let Some(v) = &head.carrier {
        b = b.carrier(v.clone());
    }
    if let Some(v) = &head.method {
        b = b.method(v.clone());
    }
    if let Some(v) = &head.tracking_url {
        b = b.tracking_url(v.clone());
    }
    if let Some(v) = head.shipped_at {
        b = b.shipped_at(v);
    }
    if let Some(v) = head.shipping_cost {
        b = b.shipping_cost(v);
    }
    if let Some(v) = &head.note {
        b = b.note(v.clone());
    }
    b
}

/// A row read and checked: its shipment-level values, its item, and the token it goes with.
pub(crate) struct ParsedRow {
    pub head: Head,
    pub item: Item,
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
        let checked = check_row(head, item, router);
        checked.map_err(|(field, message)| bad.push((field, message))).ok()
    });
    let any = !bad.is_empty();
    for (field, message) in bad {
        on_problem(Problem::new(line, field, message));
    }
    if any { None } else { parsed }
}

/// The values of a row, each parsed; `None` if any cell is bad (pushed to `bad`).
fn read_row(
    row: &Row<'_>,
    columns: &Columns,
    bad: &mut Vec<(&'static str, String)>,
) -> Option<(Head, Item)> {
    let cell = |c: usize| row.cell(columns[c]);
    let text = |c: usize| cell(c).map(str::to_owned);
    let integer = |c: usize, bad: &mut Vec<(&'static str, String)>| {
        let value = cell(c)?;
        let parsed = value.trim().parse::<i64>();
        parsed
            .map_err(|_| bad.push((COLUMNS[c], format!("is not a whole number: {}", shown(value)))))
            .ok()
    };
    let fulfillment_request_id = integer(FR_ID, bad);
    let source_id = integer(SOURCE_ID, bad);
    let quantity = integer(QUANTITY, bad);
    let item_ids: Vec<(usize, Option<i64>)> =
        ITEM_COLUMNS[1..].iter().map(|&c| (c, integer(c, bad))).collect();
    let shipped_at = cell(SHIPPED_AT).and_then(|value| {
        let parsed = DateTime::parse_from_rfc3339(value.trim()).map(|t| t.with_timezone(&Utc));
        parsed
            .map_err(|_| {
                bad.push((
                    "shippedAt",
                    format!(
                        "is not an RFC 3339 date-time (e.g. 2026-04-20T15:30:00Z): {}",
                        shown(value)
                    ),
                ))
            })
            .ok()
    });
    let shipping_cost = cell(COST).and_then(|value| {
        let parsed = value.trim().parse::<f64>();
        parsed
            .map_err(|_| bad.push(("shippingCost", format!("is not a number: {}", shown(value)))))
            .ok()
    });
    let purchase_order_number = text(PO_NUMBER);
    match (cell(FR_ID).is_some(), &purchase_order_number) {
        (true, Some(_)) => bad.push((
            "purchaseOrderNumber",
            "is given with fulfillmentRequestId: name the fulfillment request one way only".into(),
        )),
        (false, None) => bad.push((
            "fulfillmentRequestId",
            "is empty: each row needs fulfillmentRequestId or purchaseOrderNumber".into(),
        )),
        _ => {}
    }
    let tracking_number = text(TRACKING);
    if tracking_number.is_none() {
        bad.push(("trackingNumber", "is required".into()));
    }
    if cell(QUANTITY).is_none() {
        bad.push(("quantity", "is required".into()));
    }
    let given: Vec<usize> = ITEM_COLUMNS.iter().copied().filter(|&c| cell(c).is_some()).collect();
    match given.as_slice() {
        [] => bad.push((
            "sku",
            "is empty: each row needs one item identifier (sku, orderItemId, sourceVariantId or \
             fulfillmentRequestItemId)"
                .into(),
        )),
        [_] => {}
        [first, rest @ ..] => {
            for &c in rest {
                bad.push((
                    COLUMNS[c],
                    format!(
                        "is a second item identifier (with {}): an item takes one",
                        COLUMNS[*first]
                    ),
                ));
            }
        }
    }
    if !bad.is_empty() {
        return None;
    }
    let item = match given[0] {
        10 => ItemRef::Sku(text(10)?),
        c => {
            let id = item_ids.iter().find(|(k, _)| *k == c).and_then(|(_, v)| *v)?;
            match c {
                11 => ItemRef::OrderItemId(id),
                12 => ItemRef::SourceVariantId(id),
                _ => ItemRef::FulfillmentRequestItemId(id),
            }
        }
    };
    let head = Head {
        fulfillment_request_id,
        purchase_order_number,
        source_id,
        tracking_number: tracking_number?,
        carrier: text(CARRIER),
        method: text(METHOD),
        tracking_url: text(TRACKING_URL),
        shipped_at,
        shipping_cost,
        note: text(NOTE),
    };
    Some((head, Item { item, quantity: quantity? }))
}

/// The row's token, then the library's own rules on the row as a one-item shipment.
fn check_row(
    head: Head,
    item: Item,
    router: &TokenRouter,
) -> Result<ParsedRow, (&'static str, String)> {
    let Some((token, client)) = router.route(head.source_id) else {
        return Err((
            "sourceId",
            match head.source_id {
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
        && head.purchase_order_number.is_some()
        && head.source_id.is_none()
    {
        return Err((
            "sourceId",
            "is required with purchaseOrderNumber when the row goes with the account token".into(),
        ));
    }
    match builder(client, &head, std::slice::from_ref(&item)).to_request() {
        Ok(_) => Ok(ParsedRow { head, item, token }),
        Err(Error::Validation { field, rule }) => Err((column_of(&field), rule)),
        Err(other) => Err(("row", other.to_string())),
    }
}

/// The CSV column a field path of [`CreateShipment::to_request`] names.
fn column_of(field: &str) -> &'static str {
    let last = field.rsplit('.').next().unwrap_or(field);
    match last {
        "purchaseOrderItemId" => "fulfillmentRequestItemId",
        // The token is picked by `sourceId`.
        "X-API-TOKEN" => "sourceId",
        other => COLUMNS.iter().find(|c| **c == other).copied().unwrap_or("row"),
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
