//! A token of the seed: its kind, its value (a secret, never printed) and an optional label.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

/// Who a token is, i.e. what it may act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenKind {
    /// May act on everything.
    Account,
    /// Everything except `POST /shipments` (401 there).
    Channel,
    /// Only fulfillment requests (and their shipments) of its `sourceId`.
    Source,
}

/// An `X-API-TOKEN` value the sandbox accepts.
///
/// `Debug` and `Display` show the kind and the label, never the value; serializing writes it, as
/// a seed file holds it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Token {
    /// `account`, `channel` or `source`.
    pub kind: TokenKind,
    /// The source of a `source` token (required there, refused elsewhere).
    // Decision: a flat optional field rather than a tagged enum, so a seed file reads
    // `kind: source` + `sourceId: 100` and a bad value is reported at `tokens[i].sourceId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<i64>,
    /// The header value: printable ASCII without spaces, unique in the seed.
    #[serde(deserialize_with = "secret")]
    pub value: String,
    /// A name for logs and messages (the value never appears there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Token {
    /// An account token.
    pub fn account(value: impl Into<String>) -> Token {
        Token { kind: TokenKind::Account, source_id: None, value: value.into(), label: None }
    }

    /// A channel token.
    pub fn channel(value: impl Into<String>) -> Token {
        Token { kind: TokenKind::Channel, source_id: None, value: value.into(), label: None }
    }

    /// A token of source `source_id`.
    pub fn source(source_id: i64, value: impl Into<String>) -> Token {
        Token {
            kind: TokenKind::Source,
            source_id: Some(source_id),
            value: value.into(),
            label: None,
        }
    }

    /// The same token with this label.
    pub fn labelled(mut self, label: impl Into<String>) -> Token {
        self.label = Some(label.into());
        self
    }
}

impl fmt::Display for Token {
    /// `"label" (source 100 token)`, or only the part in parentheses without a label.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match (self.kind, self.source_id) {
            (TokenKind::Account, _) => "account token".to_owned(),
            (TokenKind::Channel, _) => "channel token".to_owned(),
            (TokenKind::Source, Some(id)) => format!("source {id} token"),
            (TokenKind::Source, None) => "source token".to_owned(),
        };
        match &self.label {
            Some(label) => write!(f, "{label:?} ({kind})"),
            None => f.write_str(&kind),
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("kind", &self.kind)
            .field("source_id", &self.source_id)
            .field("value", &"***")
            .field("label", &self.label)
            .finish()
    }
}

/// A string; any other type is refused without echoing it (serde's message would quote it).
fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct Secret;

    impl Visitor<'_> for Secret {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
            Ok(value.to_owned())
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<String, E> {
            Err(not_a_string())
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<String, E> {
            Err(not_a_string())
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<String, E> {
            Err(not_a_string())
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<String, E> {
            Err(not_a_string())
        }
    }

    // `deserialize_any`: serde_json answers a number asked for as a string with its own message.
    deserializer.deserialize_any(Secret)
}

fn not_a_string<E: de::Error>() -> E {
    E::custom("must be a string (quote it in YAML)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let token = Token::source(100, "s3cr3t-value").labelled("warehouse");
        assert!(!format!("{token:?}").contains("s3cr3t"));
        assert_eq!(token.to_string(), "\"warehouse\" (source 100 token)");
        assert_eq!(Token::account("s3cr3t").to_string(), "account token");
    }

    #[test]
    fn a_number_as_value_is_refused_without_echoing_it() {
        let err = serde_json::from_str::<Token>(r#"{"kind": "account", "value": 987654}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("must be a string") && !err.contains("987654"), "{err}");
    }
}
