//! The request journal: what the API received ([`RecordedRequest`]), kept in a bounded list.
//!
//! Entries are stored compactly ([`Entry`]: bodies as their capped text) and turned into
//! [`RecordedRequest`]s (bodies parsed as JSON) only when read.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::journal_filter::Filter;

/// Longest body (request or response) kept in an entry; a longer one is kept as text cut there
/// (`bodyTruncated`, `responseBodyTruncated`): every documented body is far smaller.
pub(crate) const BODY_CAP: usize = 64 * 1024;

/// Longest path and longest query kept; a longer one is cut there and ends with [`ELLIPSIS`].
// Decision: an ellipsis, not a flag: a cut path stays a string a person reads as cut, and no
// field is added for what never happens with a real client (URLs are far shorter).
pub(crate) const URL_PART_CAP: usize = 8 * 1024;

/// Longest method kept (hyper accepts any token as a method); cut like a path.
const METHOD_CAP: usize = 64;

/// What ends a cut path, query or method.
pub(crate) const ELLIPSIS: &str = "…";

/// The most requests a journal may keep (`journal_limit`): at most about 146 KiB each whatever
/// a client sends (64 KiB of body, 64 KiB of answer, 8 KiB each of path and query), so at most
/// about 14 GiB at worst, a bound nobody reaches by mistake; real entries are a few KiB.
pub const MAX_JOURNAL_LIMIT: usize = 100_000;

/// The most bytes one entry keeps, whatever the client sends: two capped bodies, a capped path
/// and query and method, and the fixed part; plus the seed's caller label, which the seed's
/// author chooses (not the client). About 146 KiB; 1000 entries (the default) stay under
/// 150 MiB at worst, and real entries are a few KiB. Proved by the tests' accounting below.
#[cfg(test)]
const ENTRY_BOUND: usize = size_of::<Entry>()
    + 2 * BODY_CAP
    + 2 * (URL_PART_CAP + ELLIPSIS.len())
    + METHOD_CAP
    + ELLIPSIS.len()
    + 64; // the fault label ("status 500 after", "latency 18446744073709551615ms") and Retry-After

/// One API request as the sandbox received and answered it (`GET /_sandbox/requests`).
///
/// Never holds the token itself: only who it stands for ([`RecordedCaller`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedRequest {
    /// Sequence number, in the order the answers were recorded (never reused, not even after a
    /// clear or a reset).
    pub id: u64,
    /// When the request arrived (RFC 3339, UTC).
    pub time: DateTime<Utc>,
    /// `GET`, `POST`, `PUT`, `PATCH`, … (cut at 64 bytes, ending with `…`).
    pub method: String,
    /// The path, without the query; cut at 8 KiB, then ending with `…`.
    pub path: String,
    /// The raw query string (without `?`), `None` when the URL had none; cut at 8 KiB, then
    /// ending with `…`.
    // Decision: the raw string, not an object: repeats, order and odd encodings stay visible.
    pub query: Option<String>,
    /// The body: JSON when it parses as JSON, else text (invalid UTF-8 replaced); `None` when
    /// empty. Cut at 64 KiB (then always text) with `body_truncated` set.
    pub body: Option<Value>,
    /// Whether `body` was cut (or, over the sandbox's 2 MiB body limit, dropped).
    pub body_truncated: bool,
    /// Who the `X-API-TOKEN` stands for.
    pub caller: RecordedCaller,
    /// The status answered; `None` when the client went away before the answer.
    pub status: Option<u16>,
    /// The body answered, by the same rule as `body` (JSON, else text, cut at 64 KiB); `None`
    /// when empty, when the client went away, and for `drop` and `malformed` faults (their
    /// body is cut on the wire on purpose, so it is never read back).
    pub response_body: Option<Value>,
    /// Whether `response_body` was cut.
    pub response_body_truncated: bool,
    /// The `Retry-After` seconds answered, if any (429s, and status faults given `retryAfter`).
    pub retry_after: Option<u64>,
    /// The fault applied, e.g. `status 503`, `status 500 after`, `latency 1200ms`, `drop`,
    /// `malformed`; `None` without one.
    // Decision: a short label, not the fault's JSON: what a person scans for in a list.
    pub fault: Option<String>,
    /// Time from arrival to the response head (a `drop` fault cuts the body later).
    pub duration_ms: u64,
}

/// Who sent a request: the kind of its token and a label, never the token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordedCaller {
    /// The kind of token.
    pub kind: CallerKind,
    /// For a source token: its source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<i64>,
    /// Human label, e.g. `account`, `source 100`, `unknown token`, `no token`.
    pub label: String,
}

/// The kind of token a request carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CallerKind {
    /// The account token.
    Account,
    /// A source token.
    Source,
    /// A channel token.
    Channel,
    /// A token the sandbox does not know.
    Unknown,
    /// No `X-API-TOKEN` header.
    Missing,
}

/// A body as the journal keeps it: its (capped) text and whether that text is JSON.
// Decision: text, parsed when read: a parsed `Value` of a 64 KiB `[0,0,…]` costs megabytes.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct StoredBody {
    /// `None` when empty; else the text (invalid UTF-8 replaced), cut at [`BODY_CAP`].
    text: Option<String>,
    /// Whether `text` is the whole body and parses as JSON.
    json: bool,
    /// Whether the body was cut (or not read at all: over the 2 MiB read limit).
    pub(crate) truncated: bool,
}

impl StoredBody {
    /// What the journal keeps of a body of `bytes`.
    pub(crate) fn of(bytes: &[u8]) -> StoredBody {
        if bytes.is_empty() {
            return StoredBody::default();
        }
        let cut = &bytes[..bytes.len().min(BODY_CAP)];
        let truncated = bytes.len() > BODY_CAP;
        // Checked once here (without keeping the parse), so reading it back cannot fail.
        let json = !truncated && serde_json::from_slice::<serde::de::IgnoredAny>(cut).is_ok();
        let mut text = String::from_utf8_lossy(cut).into_owned();
        text.shrink_to_fit();
        StoredBody { text: Some(text), json, truncated }
    }

    /// A body that was not kept, and says so (`truncated`).
    pub(crate) fn unread() -> StoredBody {
        StoredBody { text: None, json: false, truncated: true }
    }

    /// The body as served: JSON when it is JSON, else text.
    fn value(&self) -> Option<Value> {
        let text = self.text.as_deref()?;
        Some(match self.json {
            true => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())),
            false => Value::String(text.to_owned()),
        })
    }

    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.text.as_ref().map_or(0, String::capacity)
    }
}

/// `text` cut to at most `cap` bytes (at a character boundary), then ending with [`ELLIPSIS`].
pub(crate) fn capped(text: &str, cap: usize) -> String {
    if text.len() <= cap {
        return text.to_owned();
    }
    let mut end = cap;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut cut = String::with_capacity(end + ELLIPSIS.len());
    cut.push_str(&text[..end]);
    cut.push_str(ELLIPSIS);
    cut
}

/// One journal entry as stored: what [`RecordedRequest`] shows, with bodies as text.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) id: u64,
    pub(crate) time: DateTime<Utc>,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    pub(crate) body: StoredBody,
    pub(crate) caller: RecordedCaller,
    pub(crate) status: Option<u16>,
    pub(crate) response_body: StoredBody,
    pub(crate) retry_after: Option<u64>,
    pub(crate) fault: Option<String>,
    pub(crate) duration_ms: u64,
}

impl Entry {
    /// A new entry (id 0 until pushed, no answer yet), its method, path and query capped.
    pub(crate) fn new(
        time: DateTime<Utc>,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: StoredBody,
        caller: RecordedCaller,
    ) -> Entry {
        Entry {
            id: 0,
            time,
            method: capped(method, METHOD_CAP),
            path: capped(path, URL_PART_CAP),
            query: query.map(|query| capped(query, URL_PART_CAP)),
            body,
            caller,
            status: None,
            response_body: StoredBody::default(),
            retry_after: None,
            fault: None,
            duration_ms: 0,
        }
    }

    /// The entry as served, its bodies parsed.
    pub(crate) fn recorded(&self) -> RecordedRequest {
        RecordedRequest {
            id: self.id,
            time: self.time,
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            body: self.body.value(),
            body_truncated: self.body.truncated,
            caller: self.caller.clone(),
            status: self.status,
            response_body: self.response_body.value(),
            response_body_truncated: self.response_body.truncated,
            retry_after: self.retry_after,
            fault: self.fault.clone(),
            duration_ms: self.duration_ms,
        }
    }

    /// The bytes this entry keeps: its fixed part and every heap allocation it owns.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        size_of::<Entry>()
            + self.method.capacity()
            + self.path.capacity()
            + self.query.as_ref().map_or(0, String::capacity)
            + self.body.bytes()
            + self.caller.label.capacity()
            + self.response_body.bytes()
            + self.fault.as_ref().map_or(0, String::capacity)
    }
}

/// The last `limit` recorded requests, oldest first, and how many older ones were dropped.
pub(crate) struct Journal {
    entries: VecDeque<Entry>,
    dropped: u64,
    next_id: u64,
    limit: usize,
}

impl Journal {
    /// An empty journal keeping at most `limit` requests (0 = keep none, only count them);
    /// `limit` is checked against [`MAX_JOURNAL_LIMIT`] by the configuration.
    pub(crate) fn new(limit: usize) -> Journal {
        Journal { entries: VecDeque::new(), dropped: 0, next_id: 1, limit }
    }

    /// Records `entry` under the next id, dropping the oldest entry when full.
    pub(crate) fn push(&mut self, mut entry: Entry) {
        entry.id = self.next_id;
        self.next_id += 1;
        if self.entries.len() >= self.limit {
            self.dropped += 1;
            if self.entries.pop_front().is_none() {
                return; // limit 0: nothing is kept
            }
        }
        self.entries.push_back(entry);
    }

    /// Forgets every entry and the dropped count.
    // Decision: ids go on after a clear, so a console polling with `since` never misses one.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.dropped = 0;
    }

    /// How many entries were dropped (the oldest, over the limit) since the last clear.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The bytes the kept entries hold (not the deque's own slots): at most
    /// [`ENTRY_BOUND`] (plus the caller label) per entry.
    #[cfg(test)]
    pub(crate) fn bytes_kept(&self) -> usize {
        self.entries.iter().map(Entry::bytes).sum()
    }

    /// The entries `filter` selects, oldest first.
    pub(crate) fn select(&self, filter: &Filter) -> Vec<RecordedRequest> {
        let matching: Vec<&Entry> =
            self.entries.iter().filter(|entry| filter.matches(entry)).collect();
        let skip = filter.limit.map_or(0, |limit| matching.len().saturating_sub(limit));
        matching.into_iter().skip(skip).map(Entry::recorded).collect()
    }

    /// The JSON of `GET /_sandbox/requests`.
    pub(crate) fn dump(&self, filter: &Filter) -> Value {
        json!({"requests": self.select(filter), "dropped": self.dropped, "limit": self.limit})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller() -> RecordedCaller {
        RecordedCaller { kind: CallerKind::Missing, source_id: None, label: "no token".to_owned() }
    }

    fn entry(path: &str, status: u16) -> Entry {
        let mut entry = Entry::new(Utc::now(), "POST", path, None, StoredBody::default(), caller());
        entry.status = Some(status);
        entry
    }

    #[test]
    fn keeps_the_last_entries_counts_the_dropped_and_never_reuses_ids() {
        let mut journal = Journal::new(2);
        for status in [201, 409, 503] {
            journal.push(entry("/shipments", status));
        }
        let all = journal.select(&Filter::default());
        assert_eq!(
            all.iter().map(|e| (e.id, e.status)).collect::<Vec<_>>(),
            [(2, Some(409)), (3, Some(503))]
        );
        assert_eq!(journal.dump(&Filter::default())["dropped"], 1);
        assert_eq!(journal.dropped(), 1);
        journal.clear();
        journal.push(entry("/shipments", 201));
        assert_eq!(journal.select(&Filter::default())[0].id, 4);
        assert_eq!(journal.dump(&Filter::default())["dropped"], 0);
    }

    #[test]
    fn a_zero_limit_keeps_nothing_and_counts_everything() {
        let mut journal = Journal::new(0);
        journal.push(entry("/shipments", 201));
        assert!(journal.select(&Filter::default()).is_empty());
        assert_eq!(journal.dump(&Filter::default())["dropped"], 1);
    }

    #[test]
    fn bodies_are_json_text_or_cut_text() {
        assert_eq!(StoredBody::of(b"").value(), None);
        assert_eq!(StoredBody::of(br#"{"a":1}"#).value(), Some(json!({"a": 1})));
        assert_eq!(StoredBody::of(b"{broken").value(), Some(json!("{broken")));
        let long = vec![b'x'; BODY_CAP + 1];
        let body = StoredBody::of(&long);
        assert!(body.truncated);
        assert_eq!(body.value().unwrap().as_str().unwrap().len(), BODY_CAP);
        // JSON cut in the middle is text, never half-parsed.
        let mut array = b"[0".to_vec();
        array.extend(b",0".repeat(BODY_CAP));
        array.push(b']');
        assert!(StoredBody::of(&array).value().unwrap().is_string());
    }

    #[test]
    fn paths_queries_and_methods_are_cut_with_an_ellipsis() {
        assert_eq!(capped("/shipments", URL_PART_CAP), "/shipments");
        let cut = capped(&"é".repeat(URL_PART_CAP), URL_PART_CAP); // 2 bytes each
        assert!(cut.ends_with(ELLIPSIS) && cut.len() <= URL_PART_CAP + ELLIPSIS.len(), "{cut}");
        let long = format!("/{}", "p".repeat(3 * URL_PART_CAP));
        let entry = Entry::new(
            Utc::now(),
            &"M".repeat(1000),
            &long,
            Some(&long),
            StoredBody::default(),
            caller(),
        );
        let shown = entry.recorded();
        assert_eq!(shown.path.len(), URL_PART_CAP + ELLIPSIS.len());
        assert_eq!(shown.query.unwrap().len(), URL_PART_CAP + ELLIPSIS.len());
        assert_eq!(shown.method.len(), METHOD_CAP + ELLIPSIS.len());
    }

    /// The worst a client can do: 1000 requests with a 64 KiB body of `[0,0,0,…]` (a parsed
    /// `Value` of it alone took 1–2.5 MB), answered with as long a body, with over-long paths,
    /// queries and methods: the journal keeps at most `ENTRY_BOUND` bytes each.
    #[test]
    fn a_full_journal_of_worst_case_entries_stays_within_its_bound() {
        let mut worst = b"[0".to_vec();
        worst.extend(b",0".repeat(BODY_CAP / 2 - 2));
        worst.push(b']');
        assert!(worst.len() <= BODY_CAP && serde_json::from_slice::<Value>(&worst).is_ok());
        let long = format!("/{}", "p".repeat(2 * URL_PART_CAP));
        let body = StoredBody::of(&worst); // read once (slow unoptimized), then copied
        let mut journal = Journal::new(1000);
        for _ in 0..1000 {
            let mut entry = Entry::new(
                Utc::now(),
                &"M".repeat(1000),
                &long,
                Some(&long),
                body.clone(),
                caller(),
            );
            entry.response_body = body.clone();
            entry.fault = Some("latency 18446744073709551615ms".to_owned());
            journal.push(entry);
        }
        let label = caller().label.len();
        let kept = journal.bytes_kept();
        assert!(kept <= 1000 * (ENTRY_BOUND + label), "{kept} bytes kept");
        const { assert!(ENTRY_BOUND < 150 * 1024, "the documented ~146 KiB") };
        assert!(kept < 150 * 1024 * 1024, "the default journal stays under 150 MiB: {kept}");
        // Still served as JSON (only the newest is read: parsing is slow unoptimized).
        let newest = Filter::parse(&[("limit".to_owned(), "1".to_owned())]).unwrap();
        let first = &journal.select(&newest)[0];
        assert_eq!(
            first.body.as_ref().and_then(Value::as_array).map(Vec::len),
            Some(BODY_CAP / 2 - 1)
        );
    }
}
