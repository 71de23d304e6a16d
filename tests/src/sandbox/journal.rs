//! The request journal: what the API received ([`RecordedRequest`]), kept in a bounded list.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::journal_filter::Filter;

/// Longest body kept in an entry; a longer one is kept as text cut there (`bodyTruncated`):
/// every documented body is far smaller, and 1000 entries then stay under 64 MiB.
pub(crate) const BODY_CAP: usize = 64 * 1024;

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
    /// `GET`, `POST`, `PUT`, `PATCH`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query string (without `?`), `None` when the URL had none.
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

/// The last `limit` recorded requests, oldest first, and how many older ones were dropped.
pub(crate) struct Journal {
    entries: VecDeque<RecordedRequest>,
    dropped: u64,
    next_id: u64,
    limit: usize,
}

impl Journal {
    /// An empty journal keeping at most `limit` requests (0 = keep none, only count them).
    pub(crate) fn new(limit: usize) -> Journal {
        Journal { entries: VecDeque::new(), dropped: 0, next_id: 1, limit }
    }

    /// Records `entry` under the next id, dropping the oldest entry when full.
    pub(crate) fn push(&mut self, mut entry: RecordedRequest) {
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

    /// The entries `filter` selects, oldest first.
    pub(crate) fn select(&self, filter: &Filter) -> Vec<RecordedRequest> {
        let matching: Vec<&RecordedRequest> =
            self.entries.iter().filter(|entry| filter.matches(entry)).collect();
        let skip = filter.limit.map_or(0, |limit| matching.len().saturating_sub(limit));
        matching.into_iter().skip(skip).cloned().collect()
    }

    /// The JSON of `GET /_sandbox/requests`.
    pub(crate) fn dump(&self, filter: &Filter) -> Value {
        json!({"requests": self.select(filter), "dropped": self.dropped, "limit": self.limit})
    }
}

/// What a journal entry keeps of a body of `bytes` (`None` when empty) and whether it was cut.
pub(crate) fn body_of(bytes: &[u8]) -> (Option<Value>, bool) {
    if bytes.is_empty() {
        return (None, false);
    }
    if bytes.len() <= BODY_CAP
        && let Ok(json) = serde_json::from_slice(bytes)
    {
        return (Some(json), false);
    }
    let cut = &bytes[..bytes.len().min(BODY_CAP)];
    (Some(Value::String(String::from_utf8_lossy(cut).into_owned())), bytes.len() > BODY_CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, status: u16) -> RecordedRequest {
        RecordedRequest {
            id: 0,
            time: Utc::now(),
            method: "POST".to_owned(),
            path: path.to_owned(),
            query: None,
            body: None,
            body_truncated: false,
            caller: RecordedCaller {
                kind: CallerKind::Missing,
                source_id: None,
                label: "no token".to_owned(),
            },
            status: Some(status),
            fault: None,
            duration_ms: 0,
        }
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
        assert_eq!(body_of(b""), (None, false));
        assert_eq!(body_of(br#"{"a":1}"#), (Some(json!({"a": 1})), false));
        assert_eq!(body_of(b"{broken"), (Some(json!("{broken")), false));
        let long = vec![b'x'; BODY_CAP + 1];
        let (body, cut) = body_of(&long);
        assert!(cut);
        assert_eq!(body.unwrap().as_str().unwrap().len(), BODY_CAP);
    }
}
