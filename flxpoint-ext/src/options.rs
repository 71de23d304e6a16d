//! Per-call options: settings that override the client's for one call only.

use crate::{Error, RetryPolicy};
use reqwest::header::{HeaderName, HeaderValue};
use std::time::Duration;

/// Overrides of one call; see the `deadline`, `attempt_timeout`, `retry` and `header` methods of
/// every operation builder.
#[derive(Clone, Debug, Default)]
pub(crate) struct CallOptions {
    pub deadline: Option<Duration>,
    pub attempt_timeout: Option<Duration>,
    pub retry: Option<RetryPolicy>,
    pub headers: Vec<(String, String)>,
}

/// [`CallOptions`] checked, ready for the executor.
#[derive(Clone, Debug, Default)]
pub(crate) struct Checked {
    pub deadline: Option<Duration>,
    pub attempt_timeout: Option<Duration>,
    pub retry: Option<RetryPolicy>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

/// Headers a call may not set: the token is the client's, and the others describe the body
/// and the connection, which the client owns.
const RESERVED: [&str; 5] =
    ["x-api-token", "content-type", "content-length", "host", "transfer-encoding"];

impl CallOptions {
    /// Checks every override by the rules of [`crate::ClientBuilder::build`]; the error names
    /// the option.
    pub fn check(&self) -> Result<Checked, Error> {
        for (name, d) in [("deadline", self.deadline), ("attempt_timeout", self.attempt_timeout)] {
            if let Some(d) = d {
                crate::client::check_wait(name, d)?;
            }
        }
        if let Some(policy) = &self.retry {
            policy.check()?;
        }
        let headers = self
            .headers
            .iter()
            .map(|(name, value)| {
                let field = format!("header({name:?})");
                let parsed = HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| Error::validation(&field, "is not a valid header name"))?;
                if RESERVED.contains(&parsed.as_str()) {
                    return Err(Error::validation(&field, "is set by the client, not per call"));
                }
                let value = HeaderValue::from_str(value).map_err(|_| {
                    Error::validation(&field, "value must be visible ASCII, spaces and tabs")
                })?;
                Ok((parsed, value))
            })
            .collect::<Result<_, _>>()?;
        Ok(Checked {
            deadline: self.deadline,
            attempt_timeout: self.attempt_timeout,
            retry: self.retry.clone(),
            headers,
        })
    }
}

/// The per-call option methods, for a builder with an `options: CallOptions` field.
macro_rules! call_option_methods {
    () => {
        /// Overrides the client's overall deadline for this call only (more than zero, at
        /// most a day).
        pub fn deadline(mut self, deadline: std::time::Duration) -> Self {
            self.options.deadline = Some(deadline);
            self
        }

        /// Overrides the client's timeout of one attempt for this call only (more than zero,
        /// at most a day).
        pub fn attempt_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options.attempt_timeout = Some(timeout);
            self
        }

        /// Overrides the client's retry policy for this call only. The operation's retry
        /// class still decides *which* failures may be retried.
        pub fn retry(mut self, policy: crate::RetryPolicy) -> Self {
            self.options.retry = Some(policy);
            self
        }

        /// Adds a header to this call's requests (not `X-API-TOKEN`, `Content-Type`,
        /// `Content-Length`, `Host` or `Transfer-Encoding`, which the client sets).
        pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.options.headers.push((name.into(), value.into()));
            self
        }
    };
}
pub(crate) use call_option_methods;

/// The per-call option methods and `send_with_response`, for an operation builder with an
/// `options: CallOptions` field and a `send_inner` method.
macro_rules! per_call_options {
    ($output:ty) => {
        crate::options::call_option_methods!();

        /// Validates, then sends; returns the value with the status and headers of the
        /// answer, the attempts made and the time taken.
        pub async fn send_with_response(self) -> Result<crate::Response<$output>, crate::Error> {
            self.send_inner().await
        }

        /// Validates, then sends.
        pub async fn send(self) -> Result<$output, crate::Error> {
            self.send_inner().await.map(crate::Response::into_value)
        }
    };
}
pub(crate) use per_call_options;
