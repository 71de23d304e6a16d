//! [`RequestMatcher`]: which journaled requests an assertion counts
//! ([`Sandbox::assert_received`](super::Sandbox::assert_received)).

use std::fmt;

use super::journal::RecordedRequest;

/// Selects journaled requests by method, exact path and, optionally, the status answered.
///
/// ```
/// use flxpoint_sandbox::sandbox::RequestMatcher;
///
/// let created = RequestMatcher::post("/shipments").status(201);
/// assert_eq!(created.to_string(), "POST /shipments answered 201");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestMatcher {
    method: Option<String>,
    path: String,
    status: Option<u16>,
}

impl RequestMatcher {
    /// Requests with this method (any case) and exactly this path (no query).
    pub fn new(method: &str, path: impl Into<String>) -> RequestMatcher {
        RequestMatcher {
            method: Some(method.to_ascii_uppercase()),
            path: path.into(),
            status: None,
        }
    }

    /// Requests of any method to exactly this path.
    pub fn any(path: impl Into<String>) -> RequestMatcher {
        RequestMatcher { method: None, path: path.into(), status: None }
    }

    /// `GET` requests to `path`.
    pub fn get(path: impl Into<String>) -> RequestMatcher {
        Self::new("GET", path)
    }

    /// `POST` requests to `path`.
    pub fn post(path: impl Into<String>) -> RequestMatcher {
        Self::new("POST", path)
    }

    /// `PUT` requests to `path`.
    pub fn put(path: impl Into<String>) -> RequestMatcher {
        Self::new("PUT", path)
    }

    /// `PATCH` requests to `path`.
    pub fn patch(path: impl Into<String>) -> RequestMatcher {
        Self::new("PATCH", path)
    }

    /// Only requests answered with `status`.
    pub fn status(mut self, status: u16) -> RequestMatcher {
        self.status = Some(status);
        self
    }

    /// Whether `request` is one of those selected.
    pub fn matches(&self, request: &RecordedRequest) -> bool {
        self.method.as_deref().is_none_or(|method| method == request.method)
            && self.path == request.path
            && self.status.is_none_or(|status| request.status == Some(status))
    }
}

impl fmt::Display for RequestMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method.as_deref().unwrap_or("any method"), self.path)?;
        match self.status {
            Some(status) => write!(f, " answered {status}"),
            None => Ok(()),
        }
    }
}

/// `Ok` when exactly `times` of `received` match, else the message listing what was received.
/// With `dropped` entries (over the journal's limit since it was last cleared) the count could
/// be wrong either way, so it is never `Ok`.
pub(crate) fn check(
    received: &[RecordedRequest],
    dropped: u64,
    matcher: &RequestMatcher,
    times: usize,
) -> Result<(), String> {
    // Decision: refuse outright; a dropped entry may or may not have matched.
    if dropped > 0 {
        return Err(format!(
            "cannot count requests matching {matcher}: the journal dropped {dropped} older \
             request(s) over its limit since it was last cleared; raise journal_limit (or clear \
             the journal before the requests to count)"
        ));
    }
    let matched = received.iter().filter(|request| matcher.matches(request)).count();
    if matched == times {
        return Ok(());
    }
    let mut message = format!(
        "expected {times} request(s) matching {matcher}, received {matched}; the journal holds {}:",
        received.len()
    );
    for request in received {
        let status = request.status.map_or("no answer".to_owned(), |status| status.to_string());
        let query = request.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default();
        message.push_str(&format!(
            "\n  #{} {} {}{query} → {status} ({}",
            request.id, request.method, request.path, request.caller.label
        ));
        if let Some(fault) = &request.fault {
            message.push_str(&format!(", fault {fault}"));
        }
        message.push(')');
    }
    Err(message)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::super::journal::{CallerKind, RecordedCaller};
    use super::*;

    fn request(id: u64, method: &str, path: &str, status: Option<u16>) -> RecordedRequest {
        RecordedRequest {
            id,
            time: Utc::now(),
            method: method.to_owned(),
            path: path.to_owned(),
            query: None,
            body: None,
            body_truncated: false,
            caller: RecordedCaller {
                kind: CallerKind::Account,
                source_id: None,
                label: "account".to_owned(),
            },
            status,
            response_body: None,
            response_body_truncated: false,
            retry_after: None,
            fault: Some("status 503".to_owned()).filter(|_| status == Some(503)),
            duration_ms: 1,
        }
    }

    #[test]
    fn counts_by_method_path_and_status_and_lists_what_came() {
        let received = [
            request(1, "POST", "/shipments", Some(503)),
            request(2, "POST", "/shipments", Some(201)),
            request(3, "PUT", "/shipments/flag-with-errors", None),
        ];
        assert!(check(&received, 0, &RequestMatcher::post("/shipments"), 2).is_ok());
        assert!(check(&received, 0, &RequestMatcher::post("/shipments").status(201), 1).is_ok());
        assert!(
            check(&received, 0, &RequestMatcher::any("/shipments/flag-with-errors"), 1).is_ok()
        );
        assert!(check(&received, 0, &RequestMatcher::patch("/shipments"), 0).is_ok());
        let message = check(&received, 0, &RequestMatcher::post("/shipments").status(201), 2)
            .expect_err("only one 201");
        assert!(message.starts_with(
            "expected 2 request(s) matching POST /shipments answered 201, received 1; \
             the journal holds 3:"
        ));
        assert!(message.contains("#1 POST /shipments → 503 (account, fault status 503)"));
        assert!(message.contains("#3 PUT /shipments/flag-with-errors → no answer (account)"));
        // With entries dropped, even a count that looks right is refused.
        let message = check(&received, 4, &RequestMatcher::patch("/shipments"), 0).unwrap_err();
        assert!(message.contains("dropped 4 older request(s)"), "{message}");
        assert!(message.contains("raise journal_limit"), "{message}");
    }
}
