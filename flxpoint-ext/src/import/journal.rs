//! The journal: one SQLite file per input file, recording what is to be sent and what came of
//! it, so that a run can stop anywhere and resume.

use super::run::Outcome;
use super::shipment::Head;
use super::{ImportError, Problem, TokenLabel, TokenRouter};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The journal's schema version (in `meta`); another version is refused.
const SCHEMA_VERSION: &str = "3";

/// The token key of work that names no source (flag batches): resolved when sending.
pub(crate) const DEFAULT_TOKEN_KEY: &str = "default";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- A unit of work: a shipment (one POST) or a batch of flags (one PUT).
CREATE TABLE IF NOT EXISTS units (
    id INTEGER PRIMARY KEY,
    first_line INTEGER NOT NULL,
    token TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    -- 1 once a send of this unit may have reached the server: it was left in flight by a
    -- stopped run, or failed in a way that leaves it open (timeout, lost connection, 5xx).
    maybe_sent INTEGER NOT NULL DEFAULT 0,
    shipment_id INTEGER,
    error TEXT,
    group_key TEXT UNIQUE,
    -- A shipment: its create request as JSON, without its items.
    request TEXT
);
-- Finding the next work of a token, and counting by state, never scans finished work.
CREATE INDEX IF NOT EXISTS units_by_state ON units (state, token, id);
CREATE TABLE IF NOT EXISTS items (
    line INTEGER PRIMARY KEY,
    unit INTEGER NOT NULL,
    -- One `shipment.shipmentItems` entry as JSON.
    item TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS items_by_unit ON items (unit, line);
CREATE TABLE IF NOT EXISTS flags (
    line INTEGER PRIMARY KEY,
    unit INTEGER NOT NULL,
    shipment_id INTEGER NOT NULL UNIQUE,
    sync_error TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS flags_by_unit ON flags (unit, line);
";

/// What a journal holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobKind {
    /// Shipments to create (`POST /shipments`), one unit per shipment.
    Shipments,
    /// Sync errors to flag (`PUT /shipments/flag-with-errors`), one unit per batch.
    Flags,
}

impl JobKind {
    fn key(self) -> &'static str {
        match self {
            Self::Shipments => "shipments",
            Self::Flags => "flags",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        [Self::Shipments, Self::Flags].into_iter().find(|k| k.key() == key)
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Where a unit of work (a shipment, or a batch of flags) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UnitState {
    /// Not sent yet.
    Pending,
    /// Sent, outcome not recorded: the run stopped during the call. Sent again on resume.
    InFlight,
    /// Created by this import (the report gives the server's shipment id).
    Created,
    /// A 409 answered a shipment that an earlier send of this journal may have created (it
    /// was in flight when a run stopped, or failed without a definite refusal): it exists.
    AlreadyExists,
    /// The batch's sync errors were recorded.
    Flagged,
    /// The call failed (the report gives the error); sent again only with `retry_failed`.
    Failed,
}

impl UnitState {
    /// The name the journal and the report use: `pending`, `in_flight`, `created`,
    /// `already_exists`, `flagged`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InFlight => "in_flight",
            Self::Created => "created",
            Self::AlreadyExists => "already_exists",
            Self::Flagged => "flagged",
            Self::Failed => "failed",
        }
    }

    fn all() -> [Self; 6] {
        [
            Self::Pending,
            Self::InFlight,
            Self::Created,
            Self::AlreadyExists,
            Self::Flagged,
            Self::Failed,
        ]
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        Self::all().into_iter().find(|s| s.as_str() == text)
    }

    /// The states a run sends.
    pub(crate) fn to_send(retry_failed: bool) -> &'static [Self] {
        if retry_failed {
            &[Self::Pending, Self::InFlight, Self::Failed]
        } else {
            &[Self::Pending, Self::InFlight]
        }
    }
}

impl fmt::Display for UnitState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many units of work (shipments, or flag batches) are in each state; given to the
/// progress callback and returned as the run's summary. A rate and an ETA are the caller's to
/// compute from `done()` over time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counts {
    /// All units in the journal.
    pub total: u64,
    /// Waiting to be sent (during a run, including those of an earlier run left `in_flight`,
    /// and the failed ones when retrying them).
    pub pending: u64,
    /// Sent, outcome not known yet.
    pub in_flight: u64,
    /// Shipments created.
    pub created: u64,
    /// Shipments that already existed (a 409 after an earlier send that may have made them).
    pub already_exists: u64,
    /// Flag batches recorded.
    pub flagged: u64,
    /// Failed.
    pub failed: u64,
    /// Units finished (any outcome) by this run.
    pub finished_this_run: u64,
}

impl Counts {
    /// Units finished, in any run: created, already existing, flagged or failed.
    pub fn done(&self) -> u64 {
        self.created + self.already_exists + self.flagged + self.failed
    }

    pub(crate) fn add(&mut self, state: UnitState, n: u64) {
        match state {
            UnitState::Pending => self.pending += n,
            UnitState::InFlight => self.in_flight += n,
            UnitState::Created => self.created += n,
            UnitState::AlreadyExists => self.already_exists += n,
            UnitState::Flagged => self.flagged += n,
            UnitState::Failed => self.failed += n,
        }
    }

    pub(crate) fn sub(&mut self, state: UnitState) {
        let field = match state {
            UnitState::Pending => &mut self.pending,
            UnitState::InFlight => &mut self.in_flight,
            UnitState::Created => &mut self.created,
            UnitState::AlreadyExists => &mut self.already_exists,
            UnitState::Flagged => &mut self.flagged,
            UnitState::Failed => &mut self.failed,
        };
        *field = field.saturating_sub(1);
    }
}

/// The journal of one input file; see the [module documentation](super).
///
/// Open it with [`Journal::shipments`] or [`Journal::flags`]. The journal keeps an exclusive
/// lock on its file while open: a second process opening it gets [`ImportError::Busy`].
pub struct Journal {
    pub(crate) conn: Connection,
    path: PathBuf,
    kind: JobKind,
    input_sha256: String,
    resumed: bool,
}

impl fmt::Debug for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .field("kind", &self.kind)
            .field("input_sha256", &self.input_sha256)
            .field("resumed", &self.resumed)
            .finish_non_exhaustive()
    }
}

/// Opens the journal of a shipments file; see [`Journal::shipments`].
#[derive(Clone, Debug)]
#[must_use = "nothing is opened until `.open()` is called"]
pub struct OpenShipments {
    input: PathBuf,
    journal: Option<PathBuf>,
    delimiter: Option<u8>,
}

impl OpenShipments {
    /// Keeps the journal at `path` instead of beside the input.
    pub fn journal_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// The file's delimiter (e.g. `b';'`, `b'\t'`), instead of the one its header line shows
    /// (a comma, unless the header has none and has a semicolon or a tab).
    pub fn delimiter(mut self, d: u8) -> Self {
        self.delimiter = Some(d);
        self
    }

    /// Opens (resumes) the journal, or creates and loads it: every row is read and checked
    /// (constant memory), each problem given to `on_problem`. With any problem the file is
    /// refused ([`ImportError::Invalid`]) and no journal is left behind. `router` decides each
    /// row's token (a row no configured token can act on is a problem).
    pub fn open(
        self,
        router: &TokenRouter,
        mut on_problem: impl FnMut(Problem),
    ) -> Result<Journal, ImportError> {
        let (input, d) = (self.input.clone(), self.delimiter);
        open(&self.input, self.journal, JobKind::Shipments, |tx, journal, file| {
            super::load::load_shipments(tx, &input, file, journal, d, router, &mut on_problem)
        })
    }
}

/// Opens the journal of a flags file; see [`Journal::flags`].
#[derive(Clone, Debug)]
#[must_use = "nothing is opened until `.open()` is called"]
pub struct OpenFlags {
    input: PathBuf,
    journal: Option<PathBuf>,
    batch_size: usize,
    delimiter: Option<u8>,
}

impl OpenFlags {
    /// Keeps the journal at `path` instead of beside the input.
    pub fn journal_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// The file's delimiter (e.g. `b';'`), as [`OpenShipments::delimiter`].
    pub fn delimiter(mut self, d: u8) -> Self {
        self.delimiter = Some(d);
        self
    }

    /// Rows per PUT (at least 1; default [`super::DEFAULT_FLAG_BATCH_SIZE`]). Used when the
    /// journal is created; a resumed journal keeps its batches.
    pub fn batch_size(mut self, rows: usize) -> Self {
        self.batch_size = rows.max(1);
        self
    }

    /// Opens (resumes) the journal, or creates and loads it; as [`OpenShipments::open`].
    pub fn open(self, mut on_problem: impl FnMut(Problem)) -> Result<Journal, ImportError> {
        let (input, batch_size, d) = (self.input.clone(), self.batch_size, self.delimiter);
        open(&self.input, self.journal, JobKind::Flags, |tx, journal, file| {
            super::flags::load_flags(tx, &input, file, journal, d, batch_size, &mut on_problem)
        })
    }
}

impl Journal {
    /// The journal of the shipments file `input`, by default at `<input>.journal`.
    ///
    /// ```no_run
    /// # fn demo(router: &flxpoint_ext::import::TokenRouter) -> Result<(), flxpoint_ext::import::ImportError> {
    /// use flxpoint_ext::import::Journal;
    /// let mut problems = Vec::new();
    /// let journal = Journal::shipments("shipments.csv").open(router, |p| problems.push(p))?;
    /// println!("{} shipments, resumed: {}", journal.counts()?.total, journal.resumed());
    /// # Ok(()) }
    /// ```
    pub fn shipments(input: impl Into<PathBuf>) -> OpenShipments {
        OpenShipments { input: input.into(), journal: None, delimiter: None }
    }

    /// The journal of the flags file `input` (`id,syncError`), by default at `<input>.journal`.
    pub fn flags(input: impl Into<PathBuf>) -> OpenFlags {
        OpenFlags {
            input: input.into(),
            journal: None,
            batch_size: super::DEFAULT_FLAG_BATCH_SIZE,
            delimiter: None,
        }
    }

    /// Where the journal of `input` goes by default: beside it, `.journal` appended
    /// (`shipments.csv` → `shipments.csv.journal`).
    pub fn default_path(input: &Path) -> PathBuf {
        let mut name = input.as_os_str().to_owned();
        name.push(".journal");
        PathBuf::from(name)
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What it holds.
    pub fn kind(&self) -> JobKind {
        self.kind
    }

    /// SHA-256 (hex) of the input file it was made for.
    pub fn input_sha256(&self) -> &str {
        &self.input_sha256
    }

    /// Whether it already existed (was loaded by an earlier open), rather than created now.
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// How many units (shipments, or flag batches) are in each state.
    pub fn counts(&self) -> Result<Counts, ImportError> {
        let mut counts = Counts::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state, COUNT(*) FROM units GROUP BY state")
            .map_err(|e| self.error(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))
            .map_err(|e| self.error(e))?;
        for row in rows {
            let (state, n) = row.map_err(|e| self.error(e))?;
            let state = UnitState::parse(&state).ok_or_else(|| self.corrupt("unknown state"))?;
            counts.add(state, n);
            counts.total += n;
        }
        Ok(counts)
    }

    pub(crate) fn error(&self, e: rusqlite::Error) -> ImportError {
        ImportError::journal(&self.path, e)
    }

    pub(crate) fn corrupt(&self, what: &str) -> ImportError {
        ImportError::Journal { path: self.path.clone(), message: format!("damaged: {what}") }
    }

    /// Per token, how many units a run would send.
    pub(crate) fn tokens_to_send(
        &self,
        retry_failed: bool,
    ) -> Result<Vec<(String, u64)>, ImportError> {
        let mut out: Vec<(String, u64)> = Vec::new();
        for state in UnitState::to_send(retry_failed) {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT token, COUNT(*) FROM units WHERE state = ?1 GROUP BY token")
                .map_err(|e| self.error(e))?;
            let rows = stmt
                .query_map([state.as_str()], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
                })
                .map_err(|e| self.error(e))?;
            for row in rows {
                let (token, n) = row.map_err(|e| self.error(e))?;
                match out.iter_mut().find(|(t, _)| *t == token) {
                    Some((_, total)) => *total += n,
                    None => out.push((token, n)),
                }
            }
        }
        Ok(out)
    }

    /// The next unit of `token` after `after` (by id) that a run sends, if any.
    pub(crate) fn next_to_send(
        &self,
        token: &str,
        after: i64,
        retry_failed: bool,
    ) -> Result<Option<(i64, UnitState)>, ImportError> {
        let mut best: Option<(i64, UnitState)> = None;
        for &state in UnitState::to_send(retry_failed) {
            let id: Option<i64> = self
                .conn
                .prepare_cached(
                    "SELECT id FROM units WHERE state = ?1 AND token = ?2 AND id > ?3 \
                     ORDER BY id LIMIT 1",
                )
                .and_then(|mut s| {
                    s.query_row(params![state.as_str(), token, after], |r| r.get(0)).optional()
                })
                .map_err(|e| self.error(e))?;
            if let Some(id) = id
                && best.is_none_or(|(b, _)| id < b)
            {
                best = Some((id, state));
            }
        }
        Ok(best)
    }

    /// Takes every unit a stopped run left `in_flight` as possibly sent: its call may have
    /// reached the server before the run stopped.
    pub(crate) fn note_interrupted_sends(&self) -> Result<(), ImportError> {
        self.conn
            .execute("UPDATE units SET maybe_sent = 1 WHERE state = 'in_flight'", [])
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// Commits `in_flight` before the call; returns whether an earlier send of the unit may
    /// have reached the server.
    pub(crate) fn mark_in_flight(&self, id: i64) -> Result<bool, ImportError> {
        self.conn
            .prepare_cached(
                "UPDATE units SET state = 'in_flight', attempts = attempts + 1 WHERE id = ?1 \
                 RETURNING maybe_sent",
            )
            .and_then(|mut s| s.query_row([id], |r| r.get(0)))
            .map_err(|e| self.error(e))
    }

    /// Commits a unit's outcome; `maybe_sent` once set stays set.
    pub(crate) fn record(&self, id: i64, outcome: &Outcome) -> Result<(), ImportError> {
        self.conn
            .prepare_cached(
                "UPDATE units SET state = ?2, shipment_id = ?3, error = ?4, \
                 maybe_sent = maybe_sent OR ?5 WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    outcome.state.as_str(),
                    outcome.shipment_id,
                    outcome.error,
                    outcome.maybe_sent
                ])
            })
            .map(drop)
            .map_err(|e| self.error(e))
    }

    /// A shipment unit: its first line, and its create request as JSON, items included.
    pub(crate) fn shipment(&self, id: i64) -> Result<(u64, Value), ImportError> {
        let (line, head) = self
            .conn
            .prepare_cached("SELECT first_line, request FROM units WHERE id = ?1")
            .and_then(|mut s| {
                s.query_row([id], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?)))
            })
            .map_err(|e| self.error(e))?;
        let head = head_from_json(&head).ok_or_else(|| self.corrupt("a shipment's request"))?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT item FROM items WHERE unit = ?1 ORDER BY line")
            .map_err(|e| self.error(e))?;
        let items = stmt
            .query_map([id], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(|e| self.error(e))?;
        let items = items
            .iter()
            .map(|text| serde_json::from_str(text))
            .collect::<Result<Vec<Value>, _>>()
            .map_err(|_| self.corrupt("a shipment's item"))?;
        Ok((line, head.with_items(items)))
    }
}

/// A [`Head`] from its stored JSON; `None` if it is not an object.
pub(crate) fn head_from_json(text: &str) -> Option<Head> {
    match serde_json::from_str(text).ok()? {
        Value::Object(map) => Some(Head(map)),
        _ => None,
    }
}

/// Version 1 journals knew no `maybe_sent`: only a unit left in flight is taken as possibly
/// sent (an earlier failure's kind is not known, and calling it a refusal can only make a
/// 409 a failure, never a claimed success).
/// Nor did they record where their work went: one that sent anything is marked as sent to an
/// unknown server, so that no run can take it as its own ([`super::Mismatch::Origin`]); one
/// that sent nothing is like a new journal.
fn migrate_from_1(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE;
         ALTER TABLE units ADD COLUMN maybe_sent INTEGER NOT NULL DEFAULT 0;
         UPDATE units SET maybe_sent = 1 WHERE state = 'in_flight';
         INSERT INTO meta (key, value)
             SELECT 'origin', '{}' WHERE EXISTS (SELECT 1 FROM units WHERE state != 'pending');
         UPDATE meta SET value = '2' WHERE key = 'schema_version';
         COMMIT;",
        super::destination::UNRECORDED_ORIGIN
    ))
}

/// Version 2 journals stored a shipment in positional columns; version 3 stores its request as
/// JSON, so that a field the spec gains is kept without a schema change. The old columns stay,
/// unread. An empty column becomes an absent member (`json_patch` onto `{}` drops `null`s).
fn migrate_from_2(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         ALTER TABLE units ADD COLUMN request TEXT;
         ALTER TABLE items ADD COLUMN item TEXT;
         UPDATE units SET request = json_patch('{}', json_object(
             'fulfillmentRequestId', fulfillment_request_id,
             'purchaseOrderNumber', purchase_order_number,
             'sourceId', source_id,
             'shipment', json_object(
                 'trackingNumber', tracking_number, 'carrier', carrier, 'method', method,
                 'trackingUrl', tracking_url, 'shippedAt', shipped_at,
                 'shippingCost', shipping_cost, 'note', note,
                 'shipmentItems', json_array())))
             WHERE group_key IS NOT NULL;
         UPDATE items SET item = json_patch('{}', json_object(
             'sku', sku, 'orderItemId', order_item_id, 'sourceVariantId', source_variant_id,
             'purchaseOrderItemId', fulfillment_request_item_id, 'quantity', quantity));
         UPDATE meta SET value = '3' WHERE key = 'schema_version';
         COMMIT;",
    )
}

/// A reader that hashes what passes through it: a new journal's input is read once, for its
/// load and its SHA-256 (which is then of exactly the bytes loaded).
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        Self { inner, hasher: Sha256::new() }
    }

    /// Reads what is left, and the SHA-256 of everything read, in hex.
    fn finish(mut self) -> std::io::Result<String> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        Ok(self.hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// Opens or creates the journal; a new one is filled by `load` (given the journal's path and
/// the input to read; it returns how many problems it reported) inside one transaction,
/// committed only without problems.
fn open(
    input: &Path,
    journal: Option<PathBuf>,
    kind: JobKind,
    load: impl FnOnce(&Transaction<'_>, &Path, &mut dyn Read) -> Result<u64, ImportError>,
) -> Result<Journal, ImportError> {
    let io = |source| ImportError::Io { path: input.to_owned(), source };
    // Opened first: an input that cannot be read leaves no journal behind.
    let mut reader = Hashing::new(std::fs::File::open(input).map_err(io)?);
    let path = journal.unwrap_or_else(|| Journal::default_path(input));
    let existed = path.exists();
    let mut conn = Connection::open(&path).map_err(|e| ImportError::journal(&path, e))?;
    let setup = || -> rusqlite::Result<()> {
        // A journal in use by another process is refused at once, not waited for.
        conn.busy_timeout(std::time::Duration::ZERO)?;
        // Exclusive: one process at a time may send from a journal (and WAL then needs no
        // shared-memory file).
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // NORMAL in WAL mode: a commit is in the OS's hands once written, so it survives the
        // process dying (crash, kill -9); only an OS crash or power loss can drop the last
        // commits, and the work they recorded is then sent again, which the server refuses as
        // a repeat (409), so nothing is duplicated even then.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(&format!("BEGIN IMMEDIATE; {SCHEMA} COMMIT;"))
    };
    setup().map_err(|e| ImportError::journal(&path, e))?;
    let meta = |conn: &Connection, key: &str| -> rusqlite::Result<Option<String>> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()
    };
    let stored = meta(&conn, "input_sha256").map_err(|e| ImportError::journal(&path, e))?;
    if let Some(stored) = stored {
        let version = meta(&conn, "schema_version").map_err(|e| ImportError::journal(&path, e))?;
        let migrate = |version: Option<&str>| -> rusqlite::Result<bool> {
            match version {
                Some("1") => {
                    migrate_from_1(&conn).and_then(|()| migrate_from_2(&conn)).map(|()| true)
                }
                Some("2") => migrate_from_2(&conn).map(|()| true),
                _ => Ok(false),
            }
        };
        let migrated = migrate(version.as_deref()).map_err(|e| ImportError::journal(&path, e))?;
        if !migrated && version.as_deref() != Some(SCHEMA_VERSION) {
            return Err(ImportError::Journal {
                path,
                message: format!("schema version {version:?}, this library reads {SCHEMA_VERSION}"),
            });
        }
        let stored_kind = meta(&conn, "kind").map_err(|e| ImportError::journal(&path, e))?;
        let stored_kind = stored_kind.as_deref().and_then(JobKind::from_key).ok_or_else(|| {
            ImportError::Journal { path: path.clone(), message: "damaged: unknown kind".into() }
        })?;
        if stored_kind != kind {
            return Err(ImportError::KindMismatch { path, journal: stored_kind, requested: kind });
        }
        let input_sha256 = reader.finish().map_err(io)?;
        if stored != input_sha256 {
            return Err(ImportError::InputChanged { path, journal_sha256: stored, input_sha256 });
        }
        return Ok(Journal { conn, path, kind, input_sha256, resumed: true });
    }
    let tx = conn.transaction().map_err(|e| ImportError::journal(&path, e))?;
    let problems = load(&tx, &path, &mut reader)?;
    if problems > 0 {
        drop(tx);
        drop(conn);
        if !existed {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(name));
            }
        }
        return Err(ImportError::Invalid { path: input.to_owned(), problems });
    }
    let input_sha256 = reader.finish().map_err(io)?;
    let write_meta = || -> rusqlite::Result<()> {
        let mut stmt = tx.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
        stmt.execute(["schema_version", SCHEMA_VERSION])?;
        stmt.execute(["kind", kind.key()])?;
        stmt.execute(["input_sha256", input_sha256.as_str()])?;
        Ok(())
    };
    write_meta().map_err(|e| ImportError::journal(&path, e))?;
    tx.commit().map_err(|e| ImportError::journal(&path, e))?;
    Ok(Journal { conn, path, kind, input_sha256, resumed: false })
}

impl TokenLabel {
    /// The label a stored token key names, resolving flag batches' default through `router`.
    pub(crate) fn resolve(key: &str, router: &TokenRouter) -> Option<TokenLabel> {
        if key == DEFAULT_TOKEN_KEY {
            return router.default_token().map(|(label, _)| label);
        }
        TokenLabel::from_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_kinds_print_as_the_journal_and_the_reports_name_them() {
        let states = [
            (UnitState::Pending, "pending"),
            (UnitState::InFlight, "in_flight"),
            (UnitState::Created, "created"),
            (UnitState::AlreadyExists, "already_exists"),
            (UnitState::Flagged, "flagged"),
            (UnitState::Failed, "failed"),
        ];
        for (state, name) in states {
            assert_eq!(state.to_string(), name);
            assert_eq!(state.as_str(), name);
        }
        assert_eq!(JobKind::Shipments.to_string(), "shipments");
        assert_eq!(JobKind::Flags.to_string(), "flags");
        assert_eq!(JobKind::from_key("flags"), Some(JobKind::Flags));
    }

    #[test]
    fn done_counts_every_finished_outcome_and_nothing_else() {
        let mut counts = Counts { total: 100, pending: 1, in_flight: 2, ..Counts::default() };
        for (state, n) in [
            (UnitState::Created, 3),
            (UnitState::AlreadyExists, 5),
            (UnitState::Flagged, 7),
            (UnitState::Failed, 11),
        ] {
            counts.add(state, n);
        }
        assert_eq!(counts.done(), 3 + 5 + 7 + 11);
    }
}
