//! Durable bulk work from CSV files: shipment imports and sync-error flagging, journaled in
//! SQLite so that a run can be stopped (Ctrl-C, crash, `kill -9`) and resumed without sending
//! anything twice.
//!
//! The flow, for a command line or any other caller:
//!
//! 1. [`Journal::shipments`] (or [`Journal::flags`]) opens the journal beside the input file
//!    (`shipments.csv` → `shipments.csv.journal`). A new journal reads the whole file once,
//!    streaming, and reports **every** bad row through a callback as a [`Problem`] (line and
//!    column); any problem refuses the file ([`ImportError::Invalid`]): nothing is loaded and
//!    nothing is sent. An existing journal of the same file (same SHA-256) is resumed; one of
//!    another file is refused ([`ImportError::InputChanged`]).
//! 2. [`Journal::dry_run`] lists what would be sent; [`Journal::run`] sends it, with one
//!    lane per token ([`TokenRouter`]) and a progress callback ([`Counts`]).
//! 3. [`Journal::write_report`] writes one CSV line per shipment (or per flagged row).
//!
//! ```no_run
//! use flxpoint_ext::Client;
//! use flxpoint_ext::import::{Journal, RunOptions, TokenRouter};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let router = TokenRouter::new()
//!     .account(Client::new("account-token")?)
//!     .source(200, Client::new("token-of-source-200")?);
//! let mut journal = Journal::shipments("shipments.csv")
//!     .open(&router, |problem| eprintln!("{problem}"))?;
//! let summary = journal
//!     .run(&router, &RunOptions::new(), |counts| eprintln!("{} done", counts.done()))
//!     .await?;
//! eprintln!("{} created, {} failed", summary.created, summary.failed);
//! journal.write_report(std::fs::File::create("shipments.report.csv")?)?;
//! # Ok(()) }
//! ```
//!
//! # The shipments file
//!
//! UTF-8 (a byte-order mark is accepted; a UTF-16 or UTF-32 file is refused, naming its
//! encoding), a header row first; the header names the columns with the API's own field names,
//! in any order (the table below). Files are read as spreadsheets save them:
//!
//! - Comma-separated, or semicolon-separated (European spreadsheets) or tab-separated (TSV
//!   exports) when the header line has no comma but has `;` or a tab;
//!   [`OpenShipments::delimiter`] sets it (e.g. `|`). A header of one unknown column that
//!   another delimiter would split says so (`delimiter `;`?`).
//! - Lines end with `\n`, `\r\n` (Excel's default) or a lone `\r`; a problem's line is the
//!   file's physical line (a quoted value spanning lines counts each of them).
//! - Blank rows (every cell empty or spaces only, as the `,,,,` a sheet leaves past its last
//!   row) are skipped, not problems, and counted ([`Journal::blank_rows`]).
//! - A record (a row with all its lines) over 1 MiB is a problem at its first line, and
//!   reading stops there: an unclosed quote near the top of a large file costs no more memory
//!   than a good file.
//!
//! The columns are the scalar fields of the generated create request
//! ([`crate::types::CreateShipmentRequest`]), read from the OpenAPI document the client is
//! generated from: the body's, the shipment's and one item's, by their API names. A field the
//! spec gains is a new column, typed by its schema, with no code change. Today:
//!
//! | column | type | |
//! |---|---|---|
//! | `fulfillmentRequestId` | integer | the fulfillment request, by id … |
//! | `purchaseOrderNumber` | text | … or by number (one of the two on each row) |
//! | `sourceId` | integer | picks the token (any row); sent only with `purchaseOrderNumber` |
//! | `trackingNumber` | text | required |
//! | `carrier`, `method`, `trackingUrl`, `note` | text | optional |
//! | `shippedAt` | RFC 3339 date-time | optional, e.g. `2026-04-20T15:30:00Z` or `…+02:00` (sent in UTC) |
//! | `shippingCost` | number | optional, finite, not negative, e.g. `12.5` |
//! | `suppressed` | `true` / `false` | optional |
//! | `sku`, `orderItemId`, `sourceVariantId`, `fulfillmentRequestItemId` (or its page name `purchaseOrderItemId`) | text / integers | the item: exactly one of them on each row |
//! | `quantity` | integer | required, at least 1 |
//! | `inventoryVariantId`, `rmaItemId` | integer | optional, per item |
//!
//! Deprecated fields (`purchaseOrderId`) are not columns, nor is `allowDuplicateTrackingNumbers`
//! (always `false`, so that a shipment sent again after a crash is refused as a repeat), nor are
//! custom fields (lists).
//!
//! - One row is one item. Rows with the same fulfillment request (the same id, or the same
//!   number in the same source) and the same `trackingNumber` form one shipment, wherever they
//!   are in the file; they must agree on every shipment-level column (`sourceId`, `carrier`,
//!   `method`, `trackingUrl`, `shippedAt`, `shippingCost`, `note`, `suppressed`, …), or the
//!   later row is a problem naming the column and the first row's line.
//! - An empty cell (or one of spaces only) is an absent value. Text is sent as written.
//! - A header must name `trackingNumber`, `quantity`, at least one of `fulfillmentRequestId` /
//!   `purchaseOrderNumber` and at least one item column; a column it does not know, or names
//!   twice, is a problem (so a typo never silently drops data).
//! - Every row is checked as a one-item request by [`crate::Validate`], the entry point every
//!   create request goes through (the builder's, a JSON body's), plus: a row's token must exist.
//! - The journal keeps each shipment's request as JSON, so whatever a column held is sent.
//! - Tokens: a row with `sourceId` goes with that source's token when the [`TokenRouter`] has
//!   one, else with the account token; a row without goes with the account token, or with the
//!   only source token when no account token is configured. A row no configured token can act
//!   on is a problem. With the account token, `purchaseOrderNumber` needs `sourceId` (the
//!   page's rule); `sourceId` is sent only with `purchaseOrderNumber` (the page: "not necessary
//!   to provide when using `purchaseOrderId`").
//! - A fulfillment request named by id in one row and by number in another cannot be matched
//!   without asking the server: those are two shipments (and the server refuses the second
//!   with 409 if they share the tracking number).
//!
//! ```text
//! fulfillmentRequestId,purchaseOrderNumber,sourceId,trackingNumber,carrier,sku,quantity
//! 1388412,,,1Z999AA10123456784,ups,HG12123123,2
//! 1388412,,,1Z999AA10123456784,ups,AB-100,1
//! ,ORDER_125-1,200,9400110200881234567890,usps,ZZ-9,2
//! ```
//!
//! `sample-shipments.csv` beside this module is a complete example that works against the
//! sandbox's default seed.
//!
//! # The flags file
//!
//! Columns `id` (a shipment id) and `syncError` (non-empty text), both required, nothing else;
//! read as the shipments file is (encoding, delimiter, line ends, blank rows).
//! A shipment id may appear once. Rows are sent in batches of [`DEFAULT_FLAG_BATCH_SIZE`] (see
//! [`OpenFlags::batch_size`]) to `PUT /shipments/flag-with-errors`, with the account token (or
//! the only configured token).
//!
//! # Sending and resuming
//!
//! Each shipment (or batch) is `pending`, `in_flight`, then `created` (with the server's
//! shipment id), `already_exists`, `flagged` or `failed` (with the error, which never holds the
//! token). The state is committed before every call (`in_flight`) and after it (the outcome),
//! so a run stopped at any point resumes where it was: finished work is skipped, `in_flight`
//! work is sent again, `failed` work only with [`RunOptions::retry_failed`]. Sending a shipment
//! again is safe because the import always sends `allowDuplicateTrackingNumbers: false`: the
//! server refuses a repeated tracking number on a fulfillment request with 409. Flagging a
//! batch again is safe because the PUT is idempotent.
//!
//! A 409 is recorded `already_exists` only with evidence that this journal's own earlier send
//! may have created the shipment: the unit was left `in_flight` by a stopped run, or an
//! earlier send failed in a way that leaves it open ([`crate::Processing`] other than
//! `NotProcessed`: a timeout, a connection lost after sending, a 5xx). After nothing but
//! definite refusals (a 4xx, a validation error, a refused connection) the tracking number
//! belongs to another shipment: the unit stays `failed` (its error starts with `conflict:`),
//! however often it is retried.
//!
//! # One journal, one destination
//!
//! The first [`Journal::run`] records the base URL's origin and, for each token the journal's
//! work goes with, a fingerprint (a domain-separated SHA-256 of origin and token, never the
//! token). A later run whose clients go to another origin, or hold another token for the same
//! label, is refused before anything is sent ([`ImportError::JournalMismatch`]): the journal's
//! outcomes are true of that server only. A token rotated for the same account or source is
//! accepted only through [`RunOptions::accept_rotated_tokens`], which records the new one.

mod blank_rows;
mod csv_format;
mod destination;
mod dry_run;
mod error;
mod flags;
mod journal;
mod load;
mod problem;
mod report;
mod run;
mod shipment;
mod tokens;

/// The sample shipments file of the [module documentation](self) (`sample-shipments.csv`), for
/// trying an import against the sandbox's default seed: five shipments of seven rows, on
/// fulfillment requests 1388412, 5002 (by id) and `ORDER_125-1` of source 200 (by number).
pub const SAMPLE_SHIPMENTS_CSV: &str = include_str!("sample-shipments.csv");

pub use destination::Mismatch;
pub use dry_run::Planned;
pub use error::ImportError;
pub use flags::DEFAULT_FLAG_BATCH_SIZE;
pub use journal::{Counts, JobKind, Journal, OpenFlags, OpenShipments, UnitState};
pub use problem::Problem;
pub use run::RunOptions;
pub use tokens::{TokenLabel, TokenRouter};
