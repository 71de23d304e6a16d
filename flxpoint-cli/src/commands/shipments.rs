//! `shipments create` (POST /shipments) and `shipments flag-with-errors`
//! (PUT /shipments/flag-with-errors).

use super::Answer;
use crate::cli::{CreateArgs, FlagArgs};
use crate::error::CliError;
use flxpoint_ext::{Client, CreateOutcome, CreateShipment, FulfillmentRequestRef, Validate, types};
use serde_json::{Value, json};

/// The input of `shipments create`: its flags, or its JSON body read into the generated request
/// type (checked by flxpoint-ext's [`Validate`], which knows every field of the spec).
#[derive(Debug)]
pub enum Create {
    /// From the flags; made into flxpoint-ext's builder when sent.
    Flags(Box<CreateArgs>),
    /// From `--body`.
    Body(Box<types::CreateShipmentRequest>),
}

impl Create {
    /// From the flags (clap made sure a target and a tracking number are there).
    pub fn from_flags(args: &CreateArgs) -> Result<Self, CliError> {
        if args.fulfillment_request_id.is_none() && args.purchase_order_number.is_none() {
            return Err(CliError::invalid(
                "fulfillmentRequestId",
                "is required (--fulfillment-request-id or --purchase-order-number)",
            ));
        }
        if args.tracking_number.is_none() {
            return Err(CliError::invalid(
                "shipment.trackingNumber",
                "is required (--tracking-number)",
            ));
        }
        Ok(Self::Flags(Box::new(args.clone())))
    }

    /// From the API's JSON body, checked against the spec's schema and the page's rules
    /// (`purchaseOrderId` and an item's `fulfillmentRequestItemId` are accepted as the other
    /// names of `fulfillmentRequestId` and `purchaseOrderItemId`). The token kind is checked
    /// again when it is sent.
    pub fn from_body(value: Value) -> Result<Self, CliError> {
        Ok(Self::Body(Box::new(types::CreateShipmentRequest::from_json(value, None)?)))
    }

    /// flxpoint-ext's builder for the flags.
    fn builder(args: CreateArgs, client: &Client) -> Result<CreateShipment, CliError> {
        let target = match (args.fulfillment_request_id, args.purchase_order_number) {
            (Some(id), _) => FulfillmentRequestRef::id(id),
            (None, number) => match args.source_id {
                Some(source_id) => {
                    FulfillmentRequestRef::number_in_source(number.unwrap_or_default(), source_id)
                }
                None => FulfillmentRequestRef::number(number.unwrap_or_default()),
            },
        };
        let mut b = client
            .create_shipment(target, args.tracking_number.unwrap_or_default())
            .lines(args.items)
            .allow_duplicate_tracking_numbers(args.allow_duplicate_tracking_numbers);
        for (name, value) in args.custom_fields {
            b = b.custom_field(name, value);
        }
        if let Some(v) = args.carrier {
            b = b.carrier(v);
        }
        if let Some(v) = args.method {
            b = b.method(v);
        }
        if let Some(v) = args.note {
            b = b.note(v);
        }
        if let Some(v) = args.tracking_url {
            b = b.tracking_url(v);
        }
        if let Some(v) = args.shipping_cost {
            b = b.shipping_cost(v);
        }
        if args.suppressed {
            b = b.suppressed(true);
        }
        if let Some(text) = args.shipped_at {
            // Read by the builder's own date type (chrono's, through serde): RFC 3339.
            let at = serde_json::from_value(Value::String(text.clone())).map_err(|_| {
                CliError::invalid(
                    "shipment.shippedAt",
                    format!(
                        "must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z, got {text:?}"
                    ),
                )
            })?;
            b = b.shipped_at(at);
        }
        Ok(b)
    }

    /// Sends it through flxpoint-ext. The answer is the created shipment; a shipment that
    /// already exists after a lost answer is reported as such (exit 0, with a note), never as
    /// created by this call.
    pub async fn send(self, client: &Client) -> Result<Answer, CliError> {
        let builder = match self {
            Self::Flags(args) => Self::builder(*args, client)?,
            Self::Body(request) => client.create_shipment_request(*request),
        };
        let response = builder.send_with_response().await?;
        Ok(match response.value {
            CreateOutcome::Created(shipment) => Answer::json(
                serde_json::to_value(&shipment)
                    .map_err(|e| CliError::Runtime(format!("cannot print the shipment: {e}")))?,
            ),
            CreateOutcome::AlreadyExists { attempts } => Answer::with_note(
                json!({"status": response.status, "alreadyExists": true, "attempts": attempts}),
                "a shipment with this tracking number exists on the fulfillment request, but an \
                 earlier attempt's answer was lost, so this run cannot tell whether it created it"
                    .into(),
            ),
            other => {
                Answer::json(json!({"status": response.status, "outcome": format!("{other:?}")}))
            }
        })
    }
}

/// The input of `shipments flag-with-errors`: the generated request body, from the flags or
/// read from `--body` (checked by flxpoint-ext's [`Validate`] against the spec's schema).
#[derive(Debug)]
pub struct Flag {
    body: Vec<types::Shipment>,
}

impl Flag {
    /// From `--shipment ID=MESSAGE` flags (checked when sent).
    pub fn from_flags(args: &FlagArgs) -> Self {
        let body = args.shipments.iter().map(|(id, message)| types::Shipment {
            id: Some(*id),
            sync_error: Some(message.clone()),
            ..Default::default()
        });
        Self { body: body.collect() }
    }

    /// From the JSON body: `[{"id": N, "syncError": "..."}, ...]`. Only these two fields are
    /// sent (flxpoint-ext's decision, so stale shipment data cannot overwrite newer), so any
    /// other field is refused rather than dropped.
    pub fn from_body(value: Value) -> Result<Self, CliError> {
        Ok(Self { body: Vec::<types::Shipment>::from_json(value, None)? })
    }

    /// Sends it; the answer is `{"status": N}`.
    pub async fn send(self, client: &Client) -> Result<Answer, CliError> {
        let response = client.flag_shipments_request(self.body).send_with_response().await?;
        Ok(Answer::status(response.status))
    }
}
