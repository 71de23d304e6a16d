//! `PATCH /fulfillment-requests/{id}/processing-failed` (failFulfillmentRequest).

use crate::Response;
use crate::exec::CallSettings;
use crate::options::CallOptions;
use crate::retry::RetryClass;
use crate::{Client, Error, validate};

/// Builder of a processing-failed call; see [`Client::fail_fulfillment_request`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct FailFulfillmentRequest {
    client: Client,
    fulfillment_request_id: i64,
    reason: String,
    options: CallOptions,
}

impl Client {
    /// Marks a fulfillment request in `Processing` or `Processed` as failed; it moves to
    /// `Processing Error` with `reason` (sent URL-encoded as the `error` query parameter, so at
    /// most 2048 bytes of UTF-8 and no control characters). Any 2xx answer is success.
    ///
    /// Not idempotent: a repeat is answered 400 once the first succeeded. So it is retried only
    /// when the server surely did not process the attempt (429, no connection); a 400 therefore
    /// always means the request itself was refused.
    ///
    /// ```no_run
    /// # async fn run(client: flxpoint_ext::Client) -> Result<(), flxpoint_ext::Error> {
    /// client.fail_fulfillment_request(1388412, "address undeliverable").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn fail_fulfillment_request(
        &self,
        fulfillment_request_id: i64,
        reason: impl Into<String>,
    ) -> FailFulfillmentRequest {
        FailFulfillmentRequest {
            client: self.clone(),
            fulfillment_request_id,
            reason: reason.into(),
            options: CallOptions::default(),
        }
    }
}

impl FailFulfillmentRequest {
    crate::options::per_call_options!(());

    async fn send_inner(self) -> Result<Response<()>, Error> {
        validate::id("fulfillmentRequestId", self.fulfillment_request_id)?;
        let reason = validate::query_value("error", &self.reason)?;
        let options = self.options.check()?;
        let call = self.client.prepare(CallSettings {
            expects_body: false,
            ..CallSettings::new("failFulfillmentRequest", RetryClass::NotProcessedOnly, options)
        });
        let send = call
            .api()
            .fail_fulfillment_request()
            .fulfillment_request_id(self.fulfillment_request_id)
            .error(reason)
            .send();
        self.client.call_without_body(&call, Box::pin(send)).await
    }
}
