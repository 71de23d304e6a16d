//! The execution hook: every generated operation sends its request through [`Hooks`].
//!
//! progenitor offers `ClientHooks::exec` for this, but only the crate that owns `Client` may
//! implement it, so this crate implements it once and delegates to an [`Executor`] that a
//! higher layer (flxpoint-ext: rate limiting, retries, tracing) installs at construction.

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use std::{fmt, future::Future, pin::Pin, sync::Arc};

/// The future an [`Executor`] returns.
pub type ExecFuture<'a> =
    Pin<Box<dyn Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a>>;

/// Sends one request on behalf of a generated operation.
pub trait Executor: Send + Sync + 'static {
    /// Sends `request` with `client` for the operation `operation_id` (the spec's operationId).
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> ExecFuture<'a>;
}

/// The generated client's inner value: an optional [`Executor`]; without one, requests are sent
/// directly.
#[derive(Clone, Default)]
pub struct Hooks {
    executor: Option<Arc<dyn Executor>>,
}

impl Hooks {
    /// Hooks that send every request through `executor`.
    pub fn new(executor: Arc<dyn Executor>) -> Self {
        Self { executor: Some(executor) }
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks").field("executor", &self.executor.is_some()).finish()
    }
}

impl ClientHooks<Hooks> for crate::Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        match &self.inner().executor {
            Some(executor) => executor.execute(self.client(), request, info.operation_id).await,
            None => self.client().execute(request).await,
        }
    }
}
