//! [`Response`]: a decoded value with the status and headers it came with.

use std::time::Duration;

/// What an operation's `send_with_response()` returns: the decoded value, and the status and
/// headers of the answer it was decoded from (e.g. for request ids or rate-limit headers).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Response<T> {
    /// The HTTP status of the final answer.
    pub status: u16,
    /// Its headers.
    pub headers: http::HeaderMap,
    /// Attempts made (the first included).
    pub attempts: u32,
    /// How long the call took, rate-limit waits and retries included.
    pub elapsed: Duration,
    /// The decoded value.
    pub value: T,
}

impl<T> Response<T> {
    /// The decoded value, without the rest.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The same response carrying `f(value)`.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            headers: self.headers,
            attempts: self.attempts,
            elapsed: self.elapsed,
            value: f(self.value),
        }
    }
}
