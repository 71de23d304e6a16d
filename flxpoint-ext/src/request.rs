//! One entry point for a request from anywhere: built in code, read from a JSON body, made from
//! a CSV row. Each goes through the same checks (the schema's, then the pages' rules) and comes
//! out as the generated request type, or as [`Error::Validation`] naming the field.

use crate::{Error, TokenKind};
use serde_json::Value;

/// A generated request type that this crate checks before sending.
///
/// ```
/// use flxpoint_ext::{Validate, types::CreateShipmentRequest};
/// let body = serde_json::json!({
///     "fulfillmentRequestId": 1388412,
///     "shipment": {"trackingNumber": "1Z63R0945454", "shipmentItems": [{"sku": "HG12", "quantity": 0}]}
/// });
/// match CreateShipmentRequest::from_json(body, None) {
///     Err(flxpoint_ext::Error::Validation { field, .. }) => {
///         assert_eq!(field, "shipment.shipmentItems[0].quantity")
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
pub trait Validate: Sized {
    /// Reads and checks a JSON body: every field the schema knows, typed; an unknown one refused
    /// by name; `null` for an optional field read as absent; deprecated names mapped to the
    /// current ones; then the pages' rules, for the token kind when it is known.
    fn from_json(body: Value, token_kind: Option<TokenKind>) -> Result<Self, Error>;

    /// Checks a request built in code by the same rules as [`Validate::from_json`].
    fn validate(self, token_kind: Option<TokenKind>) -> Result<Self, Error>;
}
