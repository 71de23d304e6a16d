//! Flag values with structure (`--item sku=X,quantity=1`, `--shipment ID=MESSAGE`,
//! `--token-kind source:100`), parsed for clap: a bad value is a usage error (exit 2) that says
//! what was expected. Only the form is checked here; the rules (positive IDs, non-empty text)
//! are flxpoint-ext's, checked when the request is built.

use flxpoint_ext::{ItemRef, ShipmentLine, TokenKind};

/// `account`, `channel` or `source:ID`.
pub fn token_kind(text: &str) -> Result<TokenKind, String> {
    match text.split_once(':') {
        None if text == "account" => Ok(TokenKind::Account),
        None if text == "channel" => Ok(TokenKind::Channel),
        Some(("source", id)) => {
            let source_id =
                id.parse().map_err(|_| format!("source ID {id:?} is not an integer"))?;
            Ok(TokenKind::Source { source_id })
        }
        _ => Err("expected account, channel or source:ID".into()),
    }
}

/// `NAME=VALUE`, split at the first `=`; the value may contain more.
pub fn name_value(text: &str) -> Result<(String, String), String> {
    let (name, value) = text.split_once('=').ok_or("expected NAME=VALUE")?;
    Ok((name.to_owned(), value.to_owned()))
}

/// `ID=VALUE`: an integer ID, then text (which may contain `=`).
pub fn id_value(text: &str) -> Result<(i64, String), String> {
    let (id, value) = text.split_once('=').ok_or("expected ID=VALUE")?;
    Ok((integer("ID", id)?, value.to_owned()))
}

/// A shipment line: comma-separated `KEY=VALUE` pairs with the wire names of an item
/// (`sku=HG12123123,quantity=1`). Values cannot contain commas: use `--body` for those.
pub fn shipment_line(text: &str) -> Result<ShipmentLine, String> {
    let mut line = LineParts::default();
    for part in text.split(',') {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| format!("{part:?} is not KEY=VALUE (keys: {})", LineParts::KEYS))?;
        match key {
            "sku" => {
                line.item(ItemRef::Sku(value.to_owned()), key).map_err(|r| format!("{key} {r}"))?
            }
            "quantity" => once(&mut line.quantity, key, integer(key, value)?)?,
            "inventoryVariantId" => {
                once(&mut line.inventory_variant_id, key, integer(key, value)?)?
            }
            "rmaItemId" => once(&mut line.rma_item_id, key, integer(key, value)?)?,
            _ if LineParts::ID_KEYS.contains(&key) => {
                let item = LineParts::id_ref(key, integer(key, value)?);
                let item = item.ok_or_else(|| format!("{key} is not an item key"))?;
                line.item(item, key).map_err(|r| format!("{key} {r}"))?
            }
            _ => return Err(format!("unknown key {key:?} (keys: {})", LineParts::KEYS)),
        }
    }
    line.finish().map_err(|(key, rule)| format!("{key} {rule}"))
}

/// The parts of a shipment line as they are read, from a flag or from a JSON body.
#[derive(Default)]
pub struct LineParts {
    /// The key that named the item, and the item.
    pub item: Option<(String, ItemRef)>,
    /// `quantity`.
    pub quantity: Option<i64>,
    /// `inventoryVariantId`.
    pub inventory_variant_id: Option<i64>,
    /// `rmaItemId`.
    pub rma_item_id: Option<i64>,
    /// `customFields`, in order.
    pub custom_fields: Vec<(String, String)>,
}

impl LineParts {
    /// The keys a line may have (for messages).
    pub const KEYS: &str = "quantity, one of sku / orderItemId / sourceVariantId / \
                            fulfillmentRequestItemId, inventoryVariantId, rmaItemId";

    /// The keys naming an item by ID (the deprecated `purchaseOrderItemId` included).
    pub const ID_KEYS: [&'static str; 4] =
        ["orderItemId", "sourceVariantId", "fulfillmentRequestItemId", "purchaseOrderItemId"];

    /// The item a numeric key names: `orderItemId`, `sourceVariantId`,
    /// `fulfillmentRequestItemId` and its deprecated name `purchaseOrderItemId`.
    pub fn id_ref(key: &str, id: i64) -> Option<ItemRef> {
        match key {
            "orderItemId" => Some(ItemRef::OrderItemId(id)),
            "sourceVariantId" => Some(ItemRef::SourceVariantId(id)),
            // The deprecated name of the same ID, as flxpoint-ext accepts it.
            "fulfillmentRequestItemId" | "purchaseOrderItemId" => {
                Some(ItemRef::FulfillmentRequestItemId(id))
            }
            _ => None,
        }
    }

    /// Records how the line names its item: one way only (the new and the deprecated name of
    /// the same ID may both be given if they agree). The error is the rule, without the key.
    pub fn item(&mut self, item: ItemRef, key: &str) -> Result<(), String> {
        match &self.item {
            Some((_, earlier)) if *earlier == item => Ok(()),
            Some((earlier_key, _)) => {
                Err(format!("names the item a second way (after {earlier_key}): give exactly one"))
            }
            None => {
                self.item = Some((key.to_owned(), item));
                Ok(())
            }
        }
    }

    /// The line; or the key that is missing and why.
    pub fn finish(self) -> Result<ShipmentLine, (&'static str, String)> {
        let Some((_, item)) = self.item else {
            return Err((
                "item",
                "needs one of sku, orderItemId, sourceVariantId, fulfillmentRequestItemId".into(),
            ));
        };
        let Some(quantity) = self.quantity else {
            return Err(("quantity", "is required".into()));
        };
        let mut line = ShipmentLine::new(item, quantity);
        if let Some(id) = self.inventory_variant_id {
            line = line.inventory_variant_id(id);
        }
        if let Some(id) = self.rma_item_id {
            line = line.rma_item_id(id);
        }
        for (name, value) in self.custom_fields {
            line = line.custom_field(name, value);
        }
        Ok(line)
    }
}

fn once(slot: &mut Option<i64>, key: &str, value: i64) -> Result<(), String> {
    if slot.replace(value).is_some() {
        return Err(format!("{key} is given twice"));
    }
    Ok(())
}

fn integer(key: &str, value: &str) -> Result<i64, String> {
    value.trim().parse().map_err(|_| format!("{key} must be an integer, got {value:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_by_each_key_and_its_mistakes() {
        assert_eq!(shipment_line("sku=HG1,quantity=2"), Ok(ShipmentLine::sku("HG1", 2)));
        assert_eq!(
            shipment_line("quantity=1,purchaseOrderItemId=5,fulfillmentRequestItemId=5"),
            Ok(ShipmentLine::new(ItemRef::FulfillmentRequestItemId(5), 1))
        );
        assert_eq!(
            shipment_line("orderItemId=7,quantity=1,rmaItemId=3"),
            Ok(ShipmentLine::new(ItemRef::OrderItemId(7), 1).rma_item_id(3))
        );
        for (bad, says) in [
            ("sku=A", "quantity is required"),
            ("quantity=1", "needs one of sku"),
            ("sku=A,orderItemId=1,quantity=1", "a second way"),
            ("sku=A,quantity=x", "must be an integer"),
            ("sku=A,quantity=1,quantity=2", "given twice"),
            ("sku=A,quantity=1,colour=red", "unknown key"),
            ("sku", "is not KEY=VALUE"),
        ] {
            let err = shipment_line(bad).expect_err(bad);
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn token_kinds_and_pairs() {
        assert_eq!(token_kind("source:100"), Ok(TokenKind::Source { source_id: 100 }));
        assert_eq!(token_kind("account"), Ok(TokenKind::Account));
        assert!(token_kind("source:x").is_err() && token_kind("admin").is_err());
        assert_eq!(id_value("12=a=b"), Ok((12, "a=b".into())));
        assert!(id_value("x=a").is_err() && name_value("novalue").is_err());
    }
}
