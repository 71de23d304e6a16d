//! `client.request(method, "/path")`: any endpoint of the Flxpoint API, including the ones this
//! crate has no typed operation for, with every guarantee of the typed ones: the token header,
//! the token's rate-limit bucket, no redirect followed, the body cap, redaction, typed errors
//! and the `flxpoint.call` span.

use crate::exec::CallSettings;
use crate::options::CallOptions;
use crate::retry::RetryClass;
use crate::{Client, Error, Response};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, PoisonError};

/// A request to any path of the API; see [`Client::request`].
#[derive(Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct RawRequest {
    client: Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Result<Vec<u8>, String>>,
    repeatable: Option<bool>,
    options: CallOptions,
}

impl Client {
    /// A request to `path` (e.g. `/fulfillment-requests`) of this client's base URL: the
    /// escape hatch to the endpoints without a typed operation, through this client's token,
    /// rate limit, retries, size cap and redaction.
    ///
    /// The path must start with `/`, and hold no scheme or host, no `.` or `..` segment
    /// (percent-encoded or not), no `\`, `?` or `#`, and no control characters: it can never
    /// carry the token anywhere but the base URL's origin. Query parameters go through
    /// [`RawRequest::query`]. A path or query value holding the token is refused: the token
    /// goes in its header only.
    ///
    /// Retries follow the method: `GET`, `HEAD`, `PUT`, `DELETE` and `OPTIONS` are repeatable;
    /// any other method (`POST`, `PATCH`) is retried only when the server surely did not act
    /// (a 429, a refused connection), unless [`RawRequest::repeatable`] says it may be.
    ///
    /// ```no_run
    /// # async fn run(client: flxpoint_ext::Client) -> Result<(), flxpoint_ext::Error> {
    /// use flxpoint_ext::Method;
    /// let open = client
    ///     .request(Method::GET, "/fulfillment-requests")
    ///     .query("status", "Processing")
    ///     .send_json()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn request(&self, method: Method, path: impl Into<String>) -> RawRequest {
        RawRequest {
            client: self.clone(),
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            repeatable: None,
            options: CallOptions::default(),
        }
    }
}

impl RawRequest {
    /// Adds a query parameter (encoded on the way).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// The JSON body (`Content-Type: application/json`).
    pub fn json(mut self, body: &impl serde::Serialize) -> Self {
        self.body = Some(serde_json::to_vec(body).map_err(|e| e.to_string()));
        self
    }

    /// Declares whether repeating this call is safe (e.g. a `POST` that the API documents as
    /// idempotent): with `true` it is retried like a `GET`, with `false` only when the server
    /// surely did not act.
    pub fn repeatable(mut self, repeatable: bool) -> Self {
        self.repeatable = Some(repeatable);
        self
    }

    crate::options::call_option_methods!();

    /// Sends it; the answer's body decoded as `T`. A body that is not a `T` is
    /// [`Error::Decode`] (the server did act).
    pub async fn send<T: DeserializeOwned>(self) -> Result<T, Error> {
        let client = self.client.clone();
        let (response, operation) = self.send_inner().await?;
        serde_json::from_slice(&response.value)
            .map_err(|e| client.decode_error(operation, &response, &e.to_string()))
    }

    /// Sends it; the answer's body as JSON (`null` when empty).
    pub async fn send_json(self) -> Result<serde_json::Value, Error> {
        let client = self.client.clone();
        let (response, operation) = self.send_inner().await?;
        if response.value.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        serde_json::from_slice(&response.value)
            .map_err(|e| client.decode_error(operation, &response, &e.to_string()))
    }

    /// Sends it; the answer's status, headers and body bytes (at most the client's
    /// `max_response_bytes`), with the attempts made and the time taken.
    pub async fn send_with_response(self) -> Result<Response<bytes::Bytes>, Error> {
        self.send_inner().await.map(|(response, _)| response)
    }

    /// Checks, sends; the answer and the call's operation name.
    async fn send_inner(self) -> Result<(Response<bytes::Bytes>, &'static str), Error> {
        let path = check_path(&self.path)?;
        // The token goes in its header only: a URL is logged, kept in errors and in proxies.
        if self.client.redact(path) != path {
            return Err(Error::validation("path", "holds the API token"));
        }
        if let Some((name, _)) = self.query.iter().find(|(_, v)| self.client.redact(v) != *v) {
            return Err(Error::validation(format!("query({name:?})"), "holds the API token"));
        }
        let options = self.options.check()?;
        let mut url =
            reqwest::Url::parse(&format!("{}{path}", self.client.base_url().trim_end_matches('/')))
                .map_err(|e| Error::validation("path", format!("does not make a URL: {e}")))?;
        // The path rules above make this impossible; checked anyway, as the token rides on it.
        if url.origin().ascii_serialization() != self.client.origin() {
            return Err(Error::validation("path", "would leave the client's origin"));
        }
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        let mut request = reqwest::Request::new(self.method.clone(), url);
        if let Some(body) = self.body {
            let body = body.map_err(|e| Error::validation("body", format!("is not JSON: {e}")))?;
            request.headers_mut().insert(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static("application/json"),
            );
            *request.body_mut() = Some(body.into());
        }
        let repeatable = self.repeatable.unwrap_or(matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ));
        let class = if repeatable { RetryClass::Idempotent } else { RetryClass::NotProcessedOnly };
        let operation = operation_name(&self.method, path);
        let mut settings = CallSettings::new(operation, class, options);
        settings.expects_body = self.method != Method::HEAD;
        Ok((self.client.send_raw(settings, request).await?, operation))
    }
}

impl Client {
    /// The error of a success body that is not what the caller asked for.
    fn decode_error(
        &self,
        operation: &'static str,
        response: &Response<bytes::Bytes>,
        message: &str,
    ) -> Error {
        let sent = crate::error::Sent {
            operation,
            attempts: response.attempts,
            elapsed: response.elapsed,
        };
        sent.decode(response.status, self.redact(message), self.snippet(&response.value))
    }
}

/// The path, checked: it stays on the base URL's origin and names no other place.
fn check_path(path: &str) -> Result<&str, Error> {
    let refuse = |rule: &str| Err(Error::validation("path", rule.to_owned()));
    if !path.starts_with('/') {
        return refuse("must start with `/` (a path of the base URL, e.g. /fulfillment-requests)");
    }
    if path.starts_with("//") || path.contains("://") {
        return refuse("must not name a scheme or host: the token goes to the base URL only");
    }
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return refuse(&format!(
            "must not contain control characters (found U+{:04X})",
            u32::from(c)
        ));
    }
    if path.contains('\\') {
        return refuse("must not contain `\\` (URL parsers read it as `/`)");
    }
    if path.contains(['?', '#']) {
        return refuse(
            "must not contain `?` or `#`: give query parameters with .query(name, value)",
        );
    }
    let decoded = |segment: &str| {
        percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
    };
    if path.split('/').any(|segment| matches!(decoded(segment).as_str(), "." | "..")) {
        return refuse("must not contain a `.` or `..` segment");
    }
    Ok(path)
}

/// The most distinct operation names kept; past it, a call's span reads `request`.
const MAX_OPERATION_NAMES: usize = 256;

/// `METHOD /path/{id}` for the span and errors: numeric segments become `{id}`, so one
/// endpoint is one name. Decision: errors and spans take a `&'static str`, so each distinct name
/// is kept once for the process's life; a bounded number, then the generic `request`.
fn operation_name(method: &Method, path: &str) -> &'static str {
    static NAMES: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Default::default);
    let template: Vec<&str> = path
        .split('/')
        .map(|s| if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { "{id}" } else { s })
        .collect();
    let name = format!("{method} {}", template.join("/"));
    intern(&mut NAMES.lock().unwrap_or_else(PoisonError::into_inner), name)
}

/// `name` as kept in `names` (kept now if new and there is room), else `request`.
fn intern(names: &mut HashSet<&'static str>, name: String) -> &'static str {
    if let Some(known) = names.get(name.as_str()) {
        return known;
    }
    if names.len() >= MAX_OPERATION_NAMES {
        return "request";
    }
    let kept: &'static str = Box::leak(name.into_boxed_str());
    names.insert(kept);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_could_leave_the_origin_are_refused() {
        for bad in [
            "",
            "fulfillment-requests",
            "//evil.example/x",
            "/x/http://evil",
            "/a\\b",
            "/a?b=1",
            "/a#b",
            "/a/../b",
            "/a/%2e%2e/b",
            "/a/%2E./b",
            "/./a",
            "/a\nb",
            "/a\u{7f}",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?}");
        }
        for good in
            ["/", "/shipments", "/orders/link", "/a/...", "/a/b.c", "/fulfillment-requests/5"]
        {
            assert_eq!(check_path(good).unwrap(), good);
        }
    }

    #[test]
    fn operation_names_template_ids() {
        assert_eq!(
            operation_name(&Method::PATCH, "/fulfillment-requests/1388412/accounting-sync"),
            "PATCH /fulfillment-requests/{id}/accounting-sync"
        );
        assert_eq!(operation_name(&Method::GET, "/orders"), "GET /orders");
    }

    #[test]
    fn names_are_kept_once_and_bounded() {
        let mut names = HashSet::new();
        let first = intern(&mut names, "GET /a".to_owned());
        assert!(std::ptr::eq(first, intern(&mut names, "GET /a".to_owned())), "kept once");
        for i in 1..MAX_OPERATION_NAMES {
            intern(&mut names, format!("GET /n{i}"));
        }
        assert_eq!(names.len(), MAX_OPERATION_NAMES);
        assert_eq!(intern(&mut names, "GET /one-too-many".to_owned()), "request");
        assert_eq!(intern(&mut names, "GET /a".to_owned()), "GET /a", "known names still named");
        assert_eq!(names.len(), MAX_OPERATION_NAMES);
    }
}
