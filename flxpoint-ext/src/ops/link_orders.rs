//! `PATCH /orders/link` (linkUnmanagedOrders).

use crate::Response;
use crate::exec::CallSettings;
use crate::options::CallOptions;
use crate::retry::RetryClass;
use crate::{Client, Error, validate};

/// Which unmanaged items to link: exactly one parameter, by type (the server answers 400 to
/// none or several).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkSelector {
    /// The unmanaged items of this order (`orderId`).
    OrderId(i64),
    /// This order item (`orderItemId`).
    OrderItemId(i64),
    /// A parameter this client does not know: the page names none, so the two above are our
    /// reading of it. Sent verbatim as `?name=value`.
    Other {
        /// The query parameter's name.
        name: String,
        /// Its value.
        value: String,
    },
}

/// The parameter names the typed selectors send.
const KNOWN: [&str; 2] = ["orderId", "orderItemId"];

/// Builder of an `orders/link` call; see [`Client::link_unmanaged_orders`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until `.send()` is awaited"]
pub struct LinkUnmanagedOrders {
    client: Client,
    selector: LinkSelector,
    options: CallOptions,
}

impl Client {
    /// Links unmanaged order items; returns the IDs of the orders that had at least one item
    /// linked by this call.
    ///
    /// Retried only when the server surely did not process the attempt: a repeat links nothing
    /// new and would report an empty list, losing the IDs of the first attempt.
    ///
    /// ```no_run
    /// # async fn run(client: flxpoint_ext::Client) -> Result<(), flxpoint_ext::Error> {
    /// use flxpoint_ext::LinkSelector;
    /// let linked: Vec<i64> = client.link_unmanaged_orders(LinkSelector::OrderId(3001)).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn link_unmanaged_orders(&self, selector: LinkSelector) -> LinkUnmanagedOrders {
        LinkUnmanagedOrders { client: self.clone(), selector, options: CallOptions::default() }
    }
}

/// The query parameter a link call names its order by.
enum Selector {
    OrderId(i64),
    OrderItemId(i64),
    /// The escape hatch's own parameter, in the call's settings.
    Extra,
}

impl LinkUnmanagedOrders {
    crate::options::per_call_options!(Vec<i64>);

    async fn send_inner(self) -> Result<Response<Vec<i64>>, Error> {
        let options = self.options.check()?;
        let mut settings =
            CallSettings::new("linkUnmanagedOrders", RetryClass::NotProcessedOnly, options);
        // Which query parameter names the order (the generated builder's two, or the hatch's).
        let selector = match &self.selector {
            LinkSelector::OrderId(id) => Selector::OrderId(validate::id("orderId", *id)?),
            LinkSelector::OrderItemId(id) => {
                Selector::OrderItemId(validate::id("orderItemId", *id)?)
            }
            // A documented name through the escape hatch gets the typed selector's checks.
            LinkSelector::Other { name, value } if KNOWN.contains(&name.as_str()) => {
                let id = value.trim().parse::<i64>().map_err(|_| {
                    Error::validation(
                        name.as_str(),
                        format!("must be a positive ID, got {value:?}"),
                    )
                })?;
                let id = validate::id(name, id)?;
                match name.as_str() {
                    "orderId" => Selector::OrderId(id),
                    _ => Selector::OrderItemId(id),
                }
            }
            LinkSelector::Other { name, value } => {
                let name = validate::query_value("selector.name", name)?;
                if !name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.[]".contains(c)) {
                    return Err(Error::validation(
                        "selector.name",
                        "must be a plain query parameter name (ASCII letters, digits, _-.[])",
                    ));
                }
                let value = validate::query_value("selector.value", value)?;
                settings.extra_query = Some((name.to_owned(), value.to_owned()));
                Selector::Extra
            }
        };
        let call = self.client.prepare(settings);
        let request = call.api().link_unmanaged_orders();
        let request = match selector {
            Selector::OrderId(id) => request.order_id(id),
            Selector::OrderItemId(id) => request.order_item_id(id),
            Selector::Extra => request,
        };
        self.client.call(&call, Box::pin(request.send())).await.0
    }
}
