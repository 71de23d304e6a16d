//! The command line as clap parses it: the global settings and the command tree. Parsing only;
//! what the values mean is decided in `settings` and `commands`.

use crate::parse;
use clap::{ArgAction, ArgGroup, Args, Parser, Subcommand};
use flxpoint_ext::{ShipmentLine, TokenKind};
use std::path::PathBuf;

/// What `--help` says after the options: where the token comes from, and the exit codes.
const AFTER_HELP: &str = "\
Token: read from FLXPOINT_API_TOKEN, or from the file given by --token-file (surrounding
whitespace trimmed). There is no flag taking the token itself: a command line is visible to other
users of the machine and lands in shell history. The token is never printed.

Shared rate limit: the Redis URL of --redis-url (no password in it) or of the file given by
--redis-url-file, else FLXPOINT_REDIS_URL. Redis is checked before anything is sent: a wrong
password or an unreachable server is exit 2, unless --redis-fallback. A Redis password is never
taken on the command line, and never printed.

Output: the API's answer as JSON on stdout; errors as one JSON object on stderr.
Exit codes: 0 done; 1 the service refused the request (4xx/5xx) or it could not be delivered or
answered (transport, timeout); 2 bad input or settings, caught before anything was sent.
Bulk (shipments import, shipments flag-errors): 0 everything done; 1 some rows failed (see the
report; --retry-failed sends them again) or the run stopped; 2 a bad file (every problem listed
as FILE:LINE: FIELD: message) or settings, nothing sent.";

/// `flxpoint`: the Flxpoint REST API from the command line.
#[derive(Debug, Parser)]
#[command(
    name = "flxpoint",
    version,
    about = "The Flxpoint REST API from the command line.",
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// Settings every command shares.
    #[command(flatten)]
    pub global: Global,
    /// The operation to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Settings every command shares (accepted before or after the subcommand).
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Read the API token from this file instead of FLXPOINT_API_TOKEN.
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// The API's base URL (default: the production API).
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "FLXPOINT_BASE_URL",
        hide_env_values = true,
        help = "The API's base URL [default: https://api.flxpoint.com]"
    )]
    pub base_url: Option<String>,

    /// Client-side rate limit per token, in requests per second [default: 2].
    #[arg(long, global = true, value_name = "REQ_PER_SEC")]
    pub rate: Option<f64>,

    /// Requests allowed at once by the rate limit [default: 1].
    #[arg(long, global = true, value_name = "N")]
    pub burst: Option<u32>,

    /// A Redis server through which every worker holding the token shares its rate limit
    /// (`redis://HOST:PORT[/DB]`), instead of FLXPOINT_REDIS_URL. No password or user here:
    /// give a URL holding one in FLXPOINT_REDIS_URL or --redis-url-file.
    #[arg(long, global = true, value_name = "URL", conflicts_with = "no_rate_limit")]
    pub redis_url: Option<String>,

    /// Read the Redis URL of --redis-url (`redis://[[USER]:PASSWORD@]HOST:PORT[/DB]`) from this
    /// file (surrounding whitespace trimmed) instead of FLXPOINT_REDIS_URL.
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        conflicts_with_all = ["redis_url", "no_rate_limit"]
    )]
    pub redis_url_file: Option<PathBuf>,

    /// If Redis cannot be reached or refuses the password, go on at the fallback rate (a
    /// quarter of the limit per process) instead of exiting 2.
    #[arg(long, global = true)]
    pub redis_fallback: bool,

    /// No client-side rate limit (the server's limit still applies).
    #[arg(long, global = true, conflicts_with_all = ["rate", "burst"])]
    pub no_rate_limit: bool,

    /// The token's kind, enabling its checks before sending: account, channel or source:ID.
    #[arg(long, global = true, value_name = "KIND", value_parser = parse::token_kind)]
    pub token_kind: Option<TokenKind>,

    /// Run against an embedded sandbox (seeded data, no account, no network) started for this
    /// command only; ignores the token and base URL settings.
    #[arg(long, global = true, conflicts_with = "token_file")]
    pub sandbox: bool,
}

/// The command tree: one subcommand per resource.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Shipments: create one, flag shipments with channel sync errors.
    #[command(subcommand)]
    Shipments(ShipmentsCommand),
    /// Fulfillment requests (purchase orders): accounting sync, processing failed.
    #[command(subcommand)]
    FulfillmentRequests(FulfillmentRequestsCommand),
    /// Orders: link unmanaged order items.
    #[command(subcommand)]
    Orders(OrdersCommand),
    /// Run the embedded sandbox (seeded fake API) in the foreground until killed; takes the
    /// global --rate / --burst / --no-rate-limit as its server-side limit per token.
    Sandbox(SandboxArgs),
    /// Any endpoint of the API, like `gh api`: `flxpoint api GET /fulfillment-requests -f
    /// status=Processing`. Same token, rate limit, redaction and exit codes as the other
    /// commands; the answer on stdout (JSON pretty-printed, else as is).
    Api(ApiArgs),
}

/// `flxpoint api`.
#[derive(Clone, Debug, Args)]
pub struct ApiArgs {
    /// GET, POST, PUT, PATCH, DELETE, …
    #[arg(value_name = "METHOD")]
    pub method: String,

    /// The path from the base URL, e.g. /fulfillment-requests (a `?query` is read as -f fields).
    #[arg(value_name = "PATH")]
    pub path: String,

    /// A field (repeatable): a query parameter with GET, HEAD and DELETE, a JSON body field
    /// otherwise. Its value is text.
    #[arg(short = 'f', long = "raw-field", value_name = "KEY=VALUE", value_parser = parse::name_value)]
    pub raw_fields: Vec<(String, String)>,

    /// A typed field (repeatable): like -f, but `true`, `false`, `null` and numbers are sent as
    /// JSON values in a body.
    #[arg(short = 'F', long = "field", value_name = "KEY=VALUE", value_parser = parse::name_value)]
    pub fields: Vec<(String, String)>,

    /// The JSON body from FILE or stdin (-), instead of fields.
    #[arg(long, value_name = "FILE|-", conflicts_with_all = ["raw_fields", "fields"])]
    pub body: Option<PathBuf>,

    /// A request header (repeatable), `Name: value`; not X-API-TOKEN, which the client sets.
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Print the status line and the answer's headers before the body.
    #[arg(short = 'i', long)]
    pub include: bool,

    /// Retry the call like a GET even if its method is POST or PATCH (it is safe to repeat).
    #[arg(long)]
    pub repeatable: bool,
}

/// `flxpoint sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// The loopback port to listen on (0: any free port; the line printed says which).
    #[arg(long, value_name = "N", default_value_t = 4010)]
    pub port: u16,

    /// Start from this seed (JSON or YAML: sources, tokens, fulfillment requests, orders; see
    /// flxpoint-sandbox's README, "Your own data") instead of the built-in one. A bad seed is
    /// refused before anything listens (exit 2, naming the bad field).
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,

    /// Requests kept by the request journal (GET /_sandbox/requests; older ones are dropped
    /// and counted) [default: 1000].
    #[arg(long, value_name = "N")]
    pub journal_limit: Option<usize>,
}

/// What `shipments import` and `shipments flag-errors` share.
#[derive(Debug, Args)]
pub struct BulkArgs {
    /// The journal (SQLite) recording progress [default: beside the input, FILE.journal].
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,

    /// Send again the work that failed in an earlier run of this journal.
    #[arg(long)]
    pub retry_failed: bool,

    /// A token (account or source) was rotated since the journal's last run: accept the new
    /// one for the same server and record it. Without it, a token other than the journal's is
    /// refused (exit 2, journal_mismatch), since the journal's outcomes may be another
    /// account's.
    #[arg(long)]
    pub rotated_token: bool,

    /// Write a CSV report (one line per shipment or flagged row, with its outcome) here at the
    /// end.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,

    /// Check the file and print each request that would be sent (JSON lines on stdout);
    /// send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Calls in flight at once per token (each token keeps its own rate limit).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    /// A TOML file of tokens: `account = "..."` (optional) and a `[sources]` table of
    /// `"SOURCE_ID" = "..."`. Rows with a sourceId go with that source's token. Not with
    /// --sandbox (the seed's tokens are used).
    #[arg(long, value_name = "FILE")]
    pub tokens: Option<PathBuf>,

    /// A source's token, read from PATH (repeatable).
    #[arg(long = "source-token-file", value_name = "SOURCE_ID=PATH", value_parser = parse::id_value)]
    pub source_token_files: Vec<(i64, String)>,

    /// The file's delimiter: `,` `;` `tab` (or `\t`) or `|` [default: `,`, or `;` or a tab
    /// when the header line has no comma but has one of those].
    #[arg(long, value_name = "CHAR", value_parser = delimiter)]
    pub delimiter: Option<u8>,
}

/// `,` `;` `tab` (or `\t`, or a tab itself) or `|`.
fn delimiter(text: &str) -> Result<u8, String> {
    match text {
        "," | ";" | "|" => Ok(text.as_bytes()[0]),
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ => Err(format!("{text:?} is not one of `,` `;` `tab` `|`")),
    }
}

/// `shipments import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The shipments CSV file (one row per item; see the README). With --sandbox and no FILE,
    /// the built-in sample file.
    #[arg(value_name = "FILE.csv")]
    pub file: Option<PathBuf>,

    /// Journal, report, dry run, concurrency and tokens.
    #[command(flatten)]
    pub bulk: BulkArgs,
}

/// `shipments flag-errors`.
#[derive(Debug, Args)]
pub struct FlagErrorsArgs {
    /// The CSV file: columns `id` (shipment id) and `syncError`.
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,

    /// Rows per PUT (used when the journal is created; a resumed journal keeps its batches).
    #[arg(long, value_name = "N", default_value_t = flxpoint_ext::import::DEFAULT_FLAG_BATCH_SIZE, value_parser = batch_size)]
    pub batch_size: usize,

    /// Journal, report, dry run, concurrency and tokens.
    #[command(flatten)]
    pub bulk: BulkArgs,
}

/// At least 1.
fn batch_size(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// `flxpoint shipments …`
#[derive(Debug, Subcommand)]
pub enum ShipmentsCommand {
    /// Create a shipment on a fulfillment request (POST /shipments).
    Create(Box<CreateArgs>),
    /// Record channel sync errors on shipments (PUT /shipments/flag-with-errors).
    FlagWithErrors(FlagArgs),
    /// Import shipments from a CSV file, durably: every row checked first, progress kept in a
    /// journal so that a stopped run resumes without sending anything twice (POST /shipments
    /// per shipment).
    Import(ImportArgs),
    /// Flag shipments with channel sync errors from a CSV file of `id,syncError`, in batches
    /// (PUT /shipments/flag-with-errors per batch), durably like `import`.
    FlagErrors(FlagErrorsArgs),
}

/// `flxpoint fulfillment-requests …`
#[derive(Debug, Subcommand)]
pub enum FulfillmentRequestsCommand {
    /// Record a fulfillment request's state in an external accounting system
    /// (PATCH /fulfillment-requests/{id}/accounting-sync).
    AccountingSync(AccountingSyncArgs),
    /// Mark a fulfillment request in Processing or Processed as failed
    /// (PATCH /fulfillment-requests/{id}/processing-failed).
    ProcessingFailed(ProcessingFailedArgs),
}

/// `flxpoint orders …`
#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Link unmanaged order items; prints the IDs of the orders with items newly linked
    /// (PATCH /orders/link).
    Link(LinkArgs),
}

/// `shipments create`: the target fulfillment request, then the shipment.
#[derive(Clone, Debug, Args)]
#[command(group(
    ArgGroup::new("target")
        .args(["fulfillment_request_id", "purchase_order_number", "body"])
        .required(true)
))]
pub struct CreateArgs {
    /// The fulfillment request, by its ID.
    #[arg(long, value_name = "ID")]
    pub fulfillment_request_id: Option<i64>,

    /// The fulfillment request, by its purchase-order number (with --source-id for an ACCOUNT
    /// token).
    #[arg(long, value_name = "NUMBER")]
    pub purchase_order_number: Option<String>,

    /// The source the purchase-order number belongs to.
    #[arg(long, value_name = "ID", requires = "purchase_order_number")]
    pub source_id: Option<i64>,

    /// The tracking number.
    #[arg(long, value_name = "TEXT", required_unless_present = "body")]
    pub tracking_number: Option<String>,

    /// The carrier, e.g. ups.
    #[arg(long, value_name = "TEXT")]
    pub carrier: Option<String>,

    /// The delivery method, e.g. ups_ground.
    #[arg(long, value_name = "TEXT")]
    pub method: Option<String>,

    /// A URL to track the shipment.
    #[arg(long, value_name = "URL")]
    pub tracking_url: Option<String>,

    /// When it was shipped (RFC 3339, e.g. 2024-05-01T12:00:00Z).
    #[arg(long, value_name = "DATETIME")]
    pub shipped_at: Option<String>,

    /// The cost of delivering (not negative).
    #[arg(long, value_name = "AMOUNT")]
    pub shipping_cost: Option<f64>,

    /// A note.
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,

    /// Do not sync the shipment back to the channel.
    #[arg(long)]
    pub suppressed: bool,

    /// Allow this tracking number more than once on the fulfillment request.
    #[arg(long)]
    pub allow_duplicate_tracking_numbers: bool,

    /// A custom field of the shipment (repeatable).
    #[arg(long = "custom-field", value_name = "NAME=VALUE", value_parser = parse::name_value)]
    pub custom_fields: Vec<(String, String)>,

    /// A line (repeatable): quantity=N and exactly one of sku=, orderItemId=, sourceVariantId=,
    /// fulfillmentRequestItemId=; optionally inventoryVariantId=, rmaItemId=.
    /// Example: --item sku=HG12123123,quantity=1
    #[arg(long = "item", value_name = "KEY=VALUE,...", value_parser = parse::shipment_line)]
    pub items: Vec<ShipmentLine>,

    /// The request as the API's JSON body (POST /shipments), from FILE or stdin (-), instead of
    /// the flags above. The deprecated purchaseOrderId / purchaseOrderItemId are accepted.
    #[arg(long, value_name = "FILE|-", conflicts_with_all = [
        "source_id", "tracking_number", "carrier", "method", "tracking_url", "shipped_at",
        "shipping_cost", "note", "suppressed", "allow_duplicate_tracking_numbers",
        "custom_fields", "items",
    ])]
    pub body: Option<PathBuf>,
}

/// `shipments flag-with-errors`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").args(["shipments", "body"]).required(true)))]
pub struct FlagArgs {
    /// A shipment and the sync error to record on it (repeatable).
    #[arg(long = "shipment", value_name = "ID=MESSAGE", value_parser = parse::id_value)]
    pub shipments: Vec<(i64, String)>,

    /// The JSON body, [{"id": N, "syncError": "..."}, ...], from FILE or stdin (-).
    #[arg(long, value_name = "FILE|-")]
    pub body: Option<PathBuf>,
}

/// `fulfillment-requests accounting-sync`. Each field is left unchanged unless set or cleared.
#[derive(Debug, Args)]
pub struct AccountingSyncArgs {
    /// The fulfillment request's ID.
    #[arg(value_name = "ID")]
    pub fulfillment_request_id: i64,

    /// Set accountingSynced.
    #[arg(long, value_name = "true|false", action = ArgAction::Set)]
    pub accounting_synced: Option<bool>,

    /// Clear accountingSynced (send null).
    #[arg(long, conflicts_with = "accounting_synced")]
    pub clear_accounting_synced: bool,

    /// Set externalAccountingId.
    #[arg(long, value_name = "TEXT")]
    pub external_accounting_id: Option<String>,

    /// Clear externalAccountingId (send null).
    #[arg(long, conflicts_with = "external_accounting_id")]
    pub clear_external_accounting_id: bool,

    /// Set accountingError.
    #[arg(long, value_name = "TEXT")]
    pub accounting_error: Option<String>,

    /// Clear accountingError (send null).
    #[arg(long, conflicts_with = "accounting_error")]
    pub clear_accounting_error: bool,

    /// Set an item's externalAccountingItemId (repeatable).
    #[arg(long = "item", value_name = "ITEM_ID=TEXT", value_parser = parse::id_value)]
    pub items: Vec<(i64, String)>,

    /// Clear an item's externalAccountingItemId (repeatable).
    #[arg(long = "clear-item", value_name = "ITEM_ID")]
    pub clear_items: Vec<i64>,

    /// The PATCH body as JSON from FILE or stdin (-), instead of the flags above: an absent
    /// field is left unchanged, null clears it.
    #[arg(long, value_name = "FILE|-", conflicts_with_all = [
        "accounting_synced", "clear_accounting_synced", "external_accounting_id",
        "clear_external_accounting_id", "accounting_error", "clear_accounting_error", "items",
        "clear_items",
    ])]
    pub body: Option<PathBuf>,
}

/// `fulfillment-requests processing-failed`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").args(["reason", "body"]).required(true)))]
pub struct ProcessingFailedArgs {
    /// The fulfillment request's ID.
    #[arg(value_name = "ID")]
    pub fulfillment_request_id: i64,

    /// Why it failed (sent as the `error` query parameter).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// The parameters as JSON, {"error": "..."}, from FILE or stdin (-).
    #[arg(long, value_name = "FILE|-")]
    pub body: Option<PathBuf>,
}

/// `orders link`: exactly one selector.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("selector").args(["order_id", "order_item_id", "by", "body"]).required(true)
))]
pub struct LinkArgs {
    /// Link the unmanaged items of this order.
    #[arg(long, value_name = "ID")]
    pub order_id: Option<i64>,

    /// Link this order item.
    #[arg(long, value_name = "ID")]
    pub order_item_id: Option<i64>,

    /// Any other query parameter, sent as ?NAME=VALUE.
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse::name_value)]
    pub by: Option<(String, String)>,

    /// The parameter as JSON, e.g. {"orderId": 3001}, from FILE or stdin (-).
    #[arg(long, value_name = "FILE|-")]
    pub body: Option<PathBuf>,
}
