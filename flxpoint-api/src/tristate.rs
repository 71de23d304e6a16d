//! Hand-written stand-ins for the accounting-sync request types (installed with progenitor's
//! `with_replacement`, see `flxpoint-codegen`).
//!
//! Their fields are `string | null` / `boolean | null` and the PATCH semantics need three states
//! on the wire: absent (leave unchanged), `null` (clear), a value (set). The generated type would
//! be `Option<T>` that skips `None`, which cannot send `null` (the page's `success-1` example
//! sends `"accountingError": null`). Here each such field is `Option<Option<T>>`: `None` =
//! absent, `Some(None)` = `null`, `Some(Some(v))` = `v`, in both directions.

use serde::{Deserialize, Deserializer, Serialize};

/// Reads a present field as `Some(..)`, so a present `null` is `Some(None)`; `#[serde(default)]`
/// makes an absent one `None`. (Writing needs nothing: `Some(None)` serializes as `null`.)
/// Serde's own idiom for this, written out rather than pulling in serde_with for three lines.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Body of `PATCH /fulfillment-requests/{fulfillmentRequestId}/accounting-sync`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FulfillmentAccountingSyncRequest {
    /// Whether the fulfillment request was synced to the external system.
    #[serde(
        rename = "accountingSynced",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Option<bool>")]
    pub accounting_synced: Option<Option<bool>>,
    /// Identifier of the fulfillment request in the external system.
    #[serde(
        rename = "externalAccountingId",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Option<String>")]
    pub external_accounting_id: Option<Option<String>>,
    /// Any error met while syncing the fulfillment request to the external system.
    #[serde(
        rename = "accountingError",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Option<String>")]
    pub accounting_error: Option<Option<String>>,
    /// Fulfillment request items synced in the external accounting system.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<FulfillmentAccountingSyncItem>,
}

/// One item of a [`FulfillmentAccountingSyncRequest`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FulfillmentAccountingSyncItem {
    /// ID of the fulfillment request item.
    pub id: i64,
    /// Identifier of the item in the external system.
    #[serde(
        rename = "externalAccountingItemId",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Option<String>")]
    pub external_accounting_item_id: Option<Option<String>>,
}
