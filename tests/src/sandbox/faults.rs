//! Injected faults: the [`Fault`] type (the JSON of `POST /_sandbox/faults`) and the FIFO queue
//! that API requests consume, one fault per request.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// A fault to inject into upcoming API requests; serializes exactly as the JSON accepted by
/// `POST /_sandbox/faults`, e.g. `{"kind":"status","status":503,"count":2}`.
///
/// Each API request takes at most one fault: the first queued fault whose `path` (a prefix of
/// the request path, any path when absent) matches. `count` is how many requests it affects
/// (default 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", rename_all_fields = "camelCase")]
pub enum Fault {
    /// Answer `status` (429, 500, 502, 503 or 504) with the JSON error body.
    Status {
        /// 429, 500, 502, 503 or 504.
        status: u16,
        /// Requests affected.
        #[serde(default = "one")]
        count: u32,
        /// `Retry-After` seconds to send (429 without it sends 1).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
        /// `true`: send no `Retry-After` at all, even on a 429 (a bare gateway 429).
        #[serde(default, skip_serializing_if = "is_false")]
        no_retry_after: bool,
        /// Only requests whose path starts with this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
        /// `true`: carry the operation out for real, then answer the fault status instead of
        /// its response (a response lost after the server committed). `false`: answer at once.
        #[serde(default, skip_serializing_if = "is_false")]
        after: bool,
    },
    /// Wait `ms` milliseconds, then handle the request normally.
    Latency {
        /// Delay in milliseconds.
        ms: u64,
        /// Requests affected.
        #[serde(default = "one")]
        count: u32,
        /// Only requests whose path starts with this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
    },
    /// Carry the operation out, send the response head and part of the body, then abort the
    /// connection.
    Drop {
        /// Requests affected.
        #[serde(default = "one")]
        count: u32,
        /// Only requests whose path starts with this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
    },
    /// Carry the operation out, then answer its status with `Content-Type: application/json`
    /// and a truncated (invalid) JSON body.
    Malformed {
        /// Requests affected.
        #[serde(default = "one")]
        count: u32,
        /// Only requests whose path starts with this.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<String>,
    },
}

fn one() -> u32 {
    1
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// The statuses a `status` fault may answer: what a failing server or gateway sends (429 Too Many
/// Requests, 500 Internal Server Error, 502 Bad Gateway, 503 Service Unavailable, 504 Gateway
/// Timeout).
pub const FAULT_STATUSES: [u16; 5] = [429, 500, 502, 503, 504];

impl Fault {
    /// A `status` fault answering `status` once, before the operation runs.
    pub fn status(status: u16) -> Fault {
        Fault::Status {
            status,
            count: 1,
            retry_after: None,
            no_retry_after: false,
            path: None,
            after: false,
        }
    }

    /// A `latency` fault delaying one request by `ms` milliseconds.
    pub fn latency(ms: u64) -> Fault {
        Fault::Latency { ms, count: 1, path: None }
    }

    /// A `drop` fault cutting one response mid-body.
    pub fn drop_connection() -> Fault {
        Fault::Drop { count: 1, path: None }
    }

    /// A `malformed` fault truncating one response body.
    pub fn malformed() -> Fault {
        Fault::Malformed { count: 1, path: None }
    }

    /// Sets how many requests the fault affects.
    pub fn times(mut self, n: u32) -> Fault {
        *self.count_mut() = n;
        self
    }

    /// Restricts the fault to requests whose path starts with `prefix`.
    pub fn on_path(mut self, prefix: impl Into<String>) -> Fault {
        let slot = match &mut self {
            Fault::Status { path, .. }
            | Fault::Latency { path, .. }
            | Fault::Drop { path, .. }
            | Fault::Malformed { path, .. } => path,
        };
        *slot = Some(prefix.into());
        self
    }

    /// For `status` faults: the `Retry-After` seconds to send. No effect on other kinds.
    pub fn retry_after(mut self, seconds: u64) -> Fault {
        if let Fault::Status { retry_after, .. } = &mut self {
            *retry_after = Some(seconds);
        }
        self
    }

    /// For `status` faults: send no `Retry-After` header (not even a 429's default). No effect
    /// on other kinds.
    pub fn without_retry_after(mut self) -> Fault {
        if let Fault::Status { retry_after, no_retry_after, .. } = &mut self {
            *retry_after = None;
            *no_retry_after = true;
        }
        self
    }

    /// For `status` faults: carry the operation out first (`"after": true`). No effect on
    /// other kinds.
    pub fn after_commit(mut self) -> Fault {
        if let Fault::Status { after, .. } = &mut self {
            *after = true;
        }
        self
    }

    /// Checks the values: `count` ≥ 1 and, for `status`, one of [`FAULT_STATUSES`].
    pub fn validate(&self) -> Result<(), String> {
        if let Fault::Status { status, .. } = self
            && !FAULT_STATUSES.contains(status)
        {
            return Err(format!("status must be one of {FAULT_STATUSES:?}, got {status}"));
        }
        match self.count() {
            0 => Err("count must be at least 1".to_owned()),
            _ => Ok(()),
        }
    }

    fn count(&self) -> u32 {
        match self {
            Fault::Status { count, .. }
            | Fault::Latency { count, .. }
            | Fault::Drop { count, .. }
            | Fault::Malformed { count, .. } => *count,
        }
    }

    fn count_mut(&mut self) -> &mut u32 {
        match self {
            Fault::Status { count, .. }
            | Fault::Latency { count, .. }
            | Fault::Drop { count, .. }
            | Fault::Malformed { count, .. } => count,
        }
    }

    fn matches(&self, request_path: &str) -> bool {
        let prefix = match self {
            Fault::Status { path, .. }
            | Fault::Latency { path, .. }
            | Fault::Drop { path, .. }
            | Fault::Malformed { path, .. } => path,
        };
        prefix.as_deref().is_none_or(|prefix| request_path.starts_with(prefix))
    }
}

/// Pending faults in the order they were injected.
#[derive(Default)]
pub(crate) struct FaultQueue {
    pending: VecDeque<Fault>,
}

impl FaultQueue {
    /// Appends a (validated) fault.
    pub(crate) fn push(&mut self, fault: Fault) {
        self.pending.push_back(fault);
    }

    /// Drops every pending fault.
    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    /// Takes one use of the first fault matching `path` (removed when its count is used up).
    pub(crate) fn take_for(&mut self, path: &str) -> Option<Fault> {
        let index = self.pending.iter().position(|fault| fault.matches(path))?;
        let fault = self.pending.get_mut(index)?;
        let taken = fault.clone().times(1);
        *fault.count_mut() = fault.count().saturating_sub(1);
        if fault.count() == 0 {
            self.pending.remove(index);
        }
        Some(taken)
    }

    /// The pending faults, for the state dump.
    pub(crate) fn snapshot(&self) -> Vec<Fault> {
        self.pending.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_uses_the_documented_names() {
        let fault: Fault = serde_json::from_str(
            r#"{"kind":"status","status":503,"count":2,"retryAfter":3,"path":"/shipments","after":true}"#,
        )
        .unwrap();
        assert_eq!(
            fault,
            Fault::status(503).times(2).retry_after(3).on_path("/shipments").after_commit()
        );
        let back = serde_json::to_value(&fault).unwrap();
        assert_eq!(back["retryAfter"], 3);
        let latency: Fault = serde_json::from_str(r#"{"kind":"latency","ms":5}"#).unwrap();
        assert_eq!(latency, Fault::latency(5));
    }

    #[test]
    fn queue_is_fifo_filtered_by_path_and_counted() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::status(500).on_path("/orders"));
        queue.push(Fault::malformed().times(2));
        assert_eq!(queue.take_for("/shipments"), Some(Fault::malformed()));
        assert_eq!(queue.take_for("/orders/link"), Some(Fault::status(500).on_path("/orders")));
        assert_eq!(queue.take_for("/orders/link"), Some(Fault::malformed()));
        assert_eq!(queue.take_for("/orders/link"), None);
    }

    #[test]
    fn validation_refuses_other_statuses_and_zero_counts() {
        assert!(Fault::status(404).validate().is_err());
        assert!(Fault::drop_connection().times(0).validate().is_err());
        assert!(Fault::status(501).validate().is_err());
        for status in FAULT_STATUSES {
            assert!(Fault::status(status).validate().is_ok(), "{status}");
        }
        assert!(Fault::status(504).after_commit().validate().is_ok());
    }
}
