//! `orders link` (PATCH /orders/link).

use super::Answer;
use crate::cli::LinkArgs;
use crate::error::CliError;
use flxpoint_ext::{Client, LinkSelector};
use serde_json::Value;

/// The input of `orders link`: one selector.
#[derive(Debug)]
pub struct Link {
    selector: LinkSelector,
}

/// The form a link body must have (for messages).
const BODY_FORM: &str = "must hold exactly one parameter, e.g. {\"orderId\": 3001}";

impl Link {
    /// From `--order-id`, `--order-item-id` or `--by NAME=VALUE` (clap lets exactly one in).
    pub fn from_flags(args: &LinkArgs) -> Result<Self, CliError> {
        let selector = match (args.order_id, args.order_item_id, &args.by) {
            (Some(id), _, _) => LinkSelector::OrderId(id),
            (None, Some(id), _) => LinkSelector::OrderItemId(id),
            (None, None, Some((name, value))) => {
                LinkSelector::Other { name: name.clone(), value: value.clone() }
            }
            (None, None, None) => return Err(CliError::invalid("selector", BODY_FORM)),
        };
        Ok(Self { selector })
    }

    /// From `{"NAME": VALUE}`: the one query parameter, by its name on the wire. Integers for
    /// `orderId` / `orderItemId`; any other name is sent verbatim, and flxpoint-ext checks it.
    pub fn from_body(value: &Value) -> Result<Self, CliError> {
        let map = value.as_object().ok_or_else(|| CliError::invalid("body", BODY_FORM))?;
        let mut entries = map.iter();
        let (Some((name, value)), None) = (entries.next(), entries.next()) else {
            return Err(CliError::invalid("body", BODY_FORM));
        };
        let selector = match (name.as_str(), value) {
            ("orderId", Value::Number(n)) if n.is_i64() => {
                LinkSelector::OrderId(n.as_i64().unwrap_or_default())
            }
            ("orderItemId", Value::Number(n)) if n.is_i64() => {
                LinkSelector::OrderItemId(n.as_i64().unwrap_or_default())
            }
            (_, Value::String(s)) => LinkSelector::Other { name: name.clone(), value: s.clone() },
            (_, Value::Number(n)) => {
                LinkSelector::Other { name: name.clone(), value: n.to_string() }
            }
            _ => return Err(CliError::invalid(name.as_str(), "must be a number or a string")),
        };
        Ok(Self { selector })
    }

    /// Sends it; the answer is the list of order IDs with items newly linked.
    pub async fn send(self, client: &Client) -> Result<Answer, CliError> {
        let linked = client.link_unmanaged_orders(self.selector).send().await?;
        Ok(Answer::json(Value::from(linked)))
    }
}
