//! The rules a seed must follow beyond its shape: unique ids and token values, known sources,
//! usable quantities and values. Every broken rule is reported, each at its field's path.

use std::collections::HashMap;
use std::hash::Hash;

use super::error::{Problem, SeedError};
use super::{FulfillmentRequest, Order, Seed, TokenKind};

impl Seed {
    /// Checks the rules a sandbox relies on; a seed read from a file is always checked, and
    /// [`Sandbox::start`](crate::sandbox::Sandbox::start) checks the one it is given.
    pub fn validate(&self) -> Result<(), SeedError> {
        let mut check = Check { seed: self, problems: Vec::new() };
        check.sources();
        check.tokens();
        check.fulfillment_requests();
        check.orders();
        if check.problems.is_empty() {
            Ok(())
        } else {
            Err(SeedError::Invalid { problems: check.problems })
        }
    }
}

struct Check<'a> {
    seed: &'a Seed,
    problems: Vec<Problem>,
}

/// The first path where each key was seen.
struct Seen<K>(HashMap<K, String>);

impl<K: Eq + Hash> Seen<K> {
    fn new() -> Self {
        Seen(HashMap::new())
    }

    /// `None` the first time `key` is seen here, else the path of its first sighting.
    fn first(&mut self, key: K, path: &str) -> Option<String> {
        match self.0.get(&key) {
            Some(first) => Some(first.clone()),
            None => {
                self.0.insert(key, path.to_owned());
                None
            }
        }
    }
}

impl Check<'_> {
    fn problem(&mut self, field: impl Into<String>, rule: impl Into<String>) {
        self.problems.push(Problem { field: field.into(), rule: rule.into() });
    }

    /// Whether source `id` is in `sources`; reports at `field` when not.
    fn known_source(&mut self, field: String, id: i64) {
        if !self.seed.sources.iter().any(|source| source.id == id) {
            self.problem(field, format!("no source {id} in sources"));
        }
    }

    fn not_empty(&mut self, field: String, text: &str) {
        if text.trim().is_empty() {
            self.problem(field, "must not be empty");
        }
    }

    fn sources(&mut self) {
        let mut ids = Seen::new();
        for (i, source) in self.seed.sources.iter().enumerate() {
            let field = format!("sources[{i}].id");
            if let Some(first) = ids.first(source.id, &field) {
                self.problem(field, format!("{} duplicates {first}", source.id));
            }
        }
    }

    fn tokens(&mut self) {
        if self.seed.tokens.is_empty() {
            self.problem("tokens", "at least one token is needed (every request would get 401)");
        }
        let mut values = Seen::new();
        let mut labels = Seen::new();
        for (i, token) in self.seed.tokens.iter().enumerate() {
            // Decision: labels are unique, since the journal names each caller by its label.
            if let Some(label) = &token.label {
                let field = format!("tokens[{i}].label");
                if let Some(first) = labels.first(label.as_str(), &field) {
                    let rule = format!(
                        "{label:?} repeats {first} (the request journal names callers by label, \
                         so two tokens would look the same)"
                    );
                    self.problem(field, rule);
                }
            }
            let value = format!("tokens[{i}].value");
            // The value itself is never part of a message: it is a secret.
            if token.value.is_empty() || !token.value.bytes().all(|b| b.is_ascii_graphic()) {
                let rule = "must be printable ASCII without spaces (it is sent as a header as is)";
                self.problem(value.clone(), rule);
            }
            if let Some(first) = values.first(token.value.as_str(), &value) {
                self.problem(value, format!("duplicates {first}"));
            }
            let source_id = format!("tokens[{i}].sourceId");
            match (token.kind, token.source_id) {
                (TokenKind::Source, Some(id)) => self.known_source(source_id, id),
                (TokenKind::Source, None) => self.problem(source_id, "required for a source token"),
                (_, Some(_)) => self.problem(source_id, "only a source token has a source"),
                (_, None) => {}
            }
        }
    }

    fn fulfillment_requests(&mut self) {
        let mut ids = Seen::new();
        let mut numbers = Seen::new();
        let mut item_ids = Seen::new();
        for (i, request) in self.seed.fulfillment_requests.iter().enumerate() {
            let at = format!("fulfillmentRequests[{i}]");
            if let Some(first) = ids.first(request.id, &format!("{at}.id")) {
                self.problem(format!("{at}.id"), format!("{} duplicates {first}", request.id));
            }
            self.known_source(format!("{at}.sourceId"), request.source_id);
            // Decision: `orderId` need not be in `orders` (the built-in 5004's order is not).
            self.not_empty(format!("{at}.number"), &request.number);
            let number = (request.source_id, request.number.as_str());
            if let Some(first) = numbers.first(number, &format!("{at}.number")) {
                let rule = format!("{:?} duplicates {first} in source {}", number.1, number.0);
                self.problem(format!("{at}.number"), rule);
            }
            self.not_empty(format!("{at}.processingStatus"), &request.processing_status);
            self.items(&at, request, &mut item_ids);
        }
    }

    fn items(&mut self, at: &str, request: &FulfillmentRequest, ids: &mut Seen<i64>) {
        if request.items.is_empty() {
            // Decision: refused, since no shipment could ever be created on such a request.
            self.problem(format!("{at}.items"), "at least one item is needed");
        }
        for (k, item) in request.items.iter().enumerate() {
            let field = format!("{at}.items[{k}]");
            // Decision: item ids are unique in the whole seed, as ids are in Flxpoint.
            if let Some(first) = ids.first(item.id, &format!("{field}.id")) {
                self.problem(format!("{field}.id"), format!("{} duplicates {first}", item.id));
            }
            self.not_empty(format!("{field}.sku"), &item.sku);
            if item.quantity < 1 {
                self.problem(format!("{field}.quantity"), "must be at least 1");
            }
        }
    }

    fn orders(&mut self) {
        let mut ids = Seen::new();
        let mut item_ids = Seen::new();
        for (i, order) in self.seed.orders.iter().enumerate() {
            let field = format!("orders[{i}].id");
            if let Some(first) = ids.first(order.id, &field) {
                self.problem(field, format!("{} duplicates {first}", order.id));
            }
            self.order_items(i, order, &mut item_ids);
        }
    }

    fn order_items(&mut self, i: usize, order: &Order, ids: &mut Seen<i64>) {
        for (k, item) in order.items.iter().enumerate() {
            let field = format!("orders[{i}].items[{k}].id");
            // Unique in the whole seed: `?orderItemId=` links every item with that id.
            if let Some(first) = ids.first(item.id, &field) {
                self.problem(field, format!("{} duplicates {first}", item.id));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::seed::{Source, Token};

    fn fields(seed: &Seed) -> Vec<String> {
        match seed.validate() {
            Err(SeedError::Invalid { problems }) => problems.into_iter().map(|p| p.field).collect(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn the_default_seed_is_valid() {
        Seed::default().validate().unwrap();
    }

    #[test]
    fn every_broken_rule_is_reported_at_its_field() {
        let mut seed = Seed::default();
        seed.sources.push(Source { id: 100, name: "again".into() });
        seed.tokens.push(Token::account(seed.tokens[0].value.clone()));
        seed.tokens.push(Token::source(999, "another-token"));
        seed.fulfillment_requests[3].items[0].quantity = 0;
        seed.fulfillment_requests[1].number = seed.fulfillment_requests[0].number.clone();
        seed.orders[2].items[0].id = seed.orders[0].items[0].id;
        assert_eq!(
            fields(&seed),
            [
                "sources[2].id",
                "tokens[4].value",
                "tokens[5].sourceId",
                "fulfillmentRequests[1].number",
                "fulfillmentRequests[3].items[0].quantity",
                "orders[2].items[0].id",
            ]
        );
    }

    #[test]
    fn a_duplicate_token_value_is_reported_without_the_value() {
        let mut seed = Seed::default();
        seed.tokens[1].value = seed.tokens[0].value.clone();
        let message = seed.validate().unwrap_err().to_string();
        assert_eq!(message, "tokens[1].value: duplicates tokens[0].value");
    }

    #[test]
    fn a_repeated_label_is_reported_at_the_second_token() {
        let mut seed = Seed::default();
        seed.tokens[3].label = seed.tokens[1].label.clone();
        seed.tokens[0].label = None; // unlabelled tokens never clash
        seed.tokens[2].label = None;
        let message = seed.validate().unwrap_err().to_string();
        assert!(
            message.starts_with("tokens[3].label: \"source 100\" repeats tokens[1].label"),
            "{message}"
        );
    }

    #[test]
    fn source_ids_belong_to_source_tokens_only() {
        let mut seed = Seed::default();
        seed.tokens[0].source_id = Some(100);
        seed.tokens[1].source_id = None;
        seed.tokens[2].value = "with space".into();
        assert_eq!(fields(&seed), ["tokens[0].sourceId", "tokens[1].sourceId", "tokens[2].value"]);
    }
}
