//! The tokens and the data a sandbox starts from (and returns to on `POST /_sandbox/reset`).
//!
//! [`Seed::default()`] is documented as a table in `tests/README.md`; its ids make the examples of
//! the help-center pages work as published (purchase order 1388412, item 1884921, accounting
//! item 12312, number `ORDER_123-1`).
//!
//! A seed of one's own is read from JSON or YAML ([`Seed::from_path`], [`Seed::from_json_str`],
//! [`Seed::from_yaml_str`]) with the field names of the state dump, then checked
//! ([`Seed::validate`]); a [`SeedError`] names the path of the bad field.

use serde::{Deserialize, Serialize};

mod check;
mod error;
mod load;
mod token;

pub use error::{Format, Problem, SeedError};
pub use token::{Token, TokenKind};

/// Token of the account: may act on everything.
pub const ACCOUNT_TOKEN: &str = "sandbox-account-token";
/// Token of source 100 ("Warehouse A"): sees only fulfillment requests of source 100.
pub const SOURCE_TOKEN: &str = "sandbox-source-token";
/// Token of source 200 ("Distributor B"): sees only fulfillment requests of source 200.
pub const OTHER_SOURCE_TOKEN: &str = "sandbox-source-200-token";
/// Token of a channel: allowed everywhere except `POST /shipments` (401 there).
pub const CHANNEL_TOKEN: &str = "sandbox-channel-token";

/// The account id every shipment reports as `accountId`.
pub const ACCOUNT_ID: i64 = 1;
/// Id of the source behind [`SOURCE_TOKEN`].
pub const SOURCE_ID: i64 = 100;
/// Id of the source behind [`OTHER_SOURCE_TOKEN`].
pub const OTHER_SOURCE_ID: i64 = 200;

/// Processing status a fulfillment request may be failed from.
pub const STATUS_PROCESSING: &str = "Processing";
/// Processing status a fulfillment request may be failed from.
pub const STATUS_PROCESSED: &str = "Processed";
/// Processing status after `processing-failed`.
pub const STATUS_PROCESSING_ERROR: &str = "Processing Error";
/// Processing status that refuses new shipments (412).
pub const STATUS_CANCELLED: &str = "Cancelled";

/// Everything a sandbox holds at start: sources, tokens, fulfillment requests and orders.
///
/// Read from a file, every field but `tokens` may be left out (an empty list); unknown fields
/// are refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
// Decision: unknown fields are refused, so a misspelt optional field is not silently dropped.
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    /// Sources (suppliers); each source token belongs to one of them.
    // Decision: records may be left out (empty), e.g. a seed of tokens and orders only.
    #[serde(default)]
    pub sources: Vec<Source>,
    /// The `X-API-TOKEN` values the sandbox accepts, and who each one is.
    // Decision: required (and not empty), since without a token every request is a 401.
    pub tokens: Vec<Token>,
    /// Fulfillment requests (the pages also call them purchase orders).
    #[serde(default)]
    pub fulfillment_requests: Vec<FulfillmentRequest>,
    /// Orders whose items `PATCH /orders/link` can link.
    #[serde(default)]
    pub orders: Vec<Order>,
}

impl Seed {
    /// One line for logs: how many records, and each token by label and kind (never its value).
    pub fn summary(&self) -> String {
        let tokens: Vec<String> = self.tokens.iter().map(Token::to_string).collect();
        format!(
            "{} source(s), {} fulfillment request(s), {} order(s); tokens: {}",
            self.sources.len(),
            self.fulfillment_requests.len(),
            self.orders.len(),
            tokens.join(", ")
        )
    }
}

/// A source (supplier).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Source {
    /// Source id, as in `sourceId`.
    pub id: i64,
    /// Display name.
    pub name: String,
}

/// A fulfillment request (purchase order) with its accounting fields and processing status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FulfillmentRequest {
    /// Id, as in `fulfillmentRequestId` / `purchaseOrderId`.
    pub id: i64,
    /// Number, as in `purchaseOrderNumber`; unique within its source.
    pub number: String,
    /// The source this request was sent to.
    pub source_id: i64,
    /// The order it fulfills (reported as the shipment's `orderId`).
    pub order_id: i64,
    /// Processing status, e.g. `Processing`, `Processed`, `Cancelled`, `Processing Error`.
    // Decision: `Processing` when left out, the status a new request has on the pages.
    #[serde(default = "processing")]
    pub processing_status: String,
    /// The reason given to `processing-failed`, if any.
    pub processing_error: Option<String>,
    /// Accounting sync flag (`null` until set).
    pub accounting_synced: Option<bool>,
    /// Id in the external accounting system.
    pub external_accounting_id: Option<String>,
    /// Error from the external accounting system.
    pub accounting_error: Option<String>,
    /// Items of the request.
    pub items: Vec<FulfillmentRequestItem>,
}

/// An item of a fulfillment request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FulfillmentRequestItem {
    /// Id, as in `purchaseOrderItemId` / `fulfillmentRequestItemId` and accounting `items[].id`.
    pub id: i64,
    /// SKU a shipment item may name.
    pub sku: String,
    /// Quantity requested; a shipment below it is `partial`.
    pub quantity: i64,
    /// The order item it fulfills (`orderItemId`).
    pub order_item_id: i64,
    /// The source variant it refers to (`sourceVariantId`).
    pub source_variant_id: i64,
    /// Id of the item in the external accounting system.
    pub external_accounting_item_id: Option<String>,
}

/// An order whose items may be linked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Order {
    /// Order id, as in `orderId`.
    pub id: i64,
    /// Its items.
    pub items: Vec<OrderItem>,
}

/// An order item, linked or unmanaged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderItem {
    /// Order item id, as in `orderItemId`.
    pub id: i64,
    /// `false` = unmanaged (can be linked), `true` = linked.
    // Decision: unmanaged when left out, as the items `PATCH /orders/link` acts on.
    #[serde(default)]
    pub linked: bool,
}

impl Default for Seed {
    /// The documented seed (see `tests/README.md`).
    fn default() -> Self {
        Seed {
            sources: vec![
                source(SOURCE_ID, "Warehouse A"),
                source(OTHER_SOURCE_ID, "Distributor B"),
            ],
            tokens: vec![
                Token::account(ACCOUNT_TOKEN).labelled("account"),
                Token::source(SOURCE_ID, SOURCE_TOKEN).labelled("source 100"),
                Token::source(OTHER_SOURCE_ID, OTHER_SOURCE_TOKEN).labelled("source 200"),
                Token::channel(CHANNEL_TOKEN).labelled("channel"),
            ],
            fulfillment_requests: vec![
                request(
                    (1388412, "ORDER_123-1", SOURCE_ID, 3001, STATUS_PROCESSING),
                    vec![
                        item(1884921, "HG12123123", 3, 7001, 8001),
                        item(12312, "AB-100", 1, 7002, 8002),
                    ],
                ),
                request(
                    (5002, "ORDER_124-1", SOURCE_ID, 3002, STATUS_PROCESSED),
                    vec![item(9003, "HG12123123", 1, 7003, 8001)],
                ),
                request(
                    (5003, "ORDER_125-1", OTHER_SOURCE_ID, 3003, "Acknowledged"),
                    vec![item(9004, "ZZ-9", 2, 7004, 8003)],
                ),
                request(
                    (5004, "ORDER_126-1", SOURCE_ID, 3004, STATUS_CANCELLED),
                    vec![item(9005, "HG12123123", 1, 7005, 8001)],
                ),
            ],
            orders: vec![
                order(3001, &[(4001, false), (4002, true)]),
                order(3002, &[(4003, false)]),
                order(3003, &[(4004, true)]),
            ],
        }
    }
}

fn processing() -> String {
    STATUS_PROCESSING.to_owned()
}

fn source(id: i64, name: &str) -> Source {
    Source { id, name: name.to_owned() }
}

fn request(
    (id, number, source_id, order_id, status): (i64, &str, i64, i64, &str),
    items: Vec<FulfillmentRequestItem>,
) -> FulfillmentRequest {
    FulfillmentRequest {
        id,
        number: number.to_owned(),
        source_id,
        order_id,
        processing_status: status.to_owned(),
        processing_error: None,
        accounting_synced: None,
        external_accounting_id: None,
        accounting_error: None,
        items,
    }
}

fn item(
    id: i64,
    sku: &str,
    quantity: i64,
    order_item_id: i64,
    variant: i64,
) -> FulfillmentRequestItem {
    FulfillmentRequestItem {
        id,
        sku: sku.to_owned(),
        quantity,
        order_item_id,
        source_variant_id: variant,
        external_accounting_item_id: None,
    }
}

fn order(id: i64, items: &[(i64, bool)]) -> Order {
    Order { id, items: items.iter().map(|&(id, linked)| OrderItem { id, linked }).collect() }
}
