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

/// A JSON body read as `T` after the schema and `rules` checked it (and dropped the `null`s
/// that mean "absent", mapped deprecated names).
pub(crate) fn read_checked<T: serde::de::DeserializeOwned>(
    mut body: Value,
    schema: &crate::schema::Node,
    rules: &dyn crate::schema::Rules,
) -> Result<T, Error> {
    crate::schema::check(&mut body, schema, rules)?;
    serde_json::from_value(body).map_err(|e| Error::validation("body", e.to_string()))
}

/// A request built in code, checked by the same schema and `rules` as a JSON body: it is
/// serialized and checked, and read back only if the check changed it.
pub(crate) fn check_typed<T: serde::Serialize + serde::de::DeserializeOwned>(
    value: T,
    schema: &crate::schema::Node,
    rules: &dyn crate::schema::Rules,
) -> Result<T, Error> {
    let mut body =
        serde_json::to_value(&value).map_err(|e| Error::validation("body", e.to_string()))?;
    // Most requests built in code pass unchanged: no need to read them back.
    if crate::schema::check(&mut body, schema, rules)? {
        return serde_json::from_value(body).map_err(|e| Error::validation("body", e.to_string()));
    }
    Ok(value)
}
