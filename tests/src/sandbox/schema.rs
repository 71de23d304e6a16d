//! Type checks of JSON bodies against the pages' field tables, and typed reads after the check.
//!
//! `null` passes only where the spec says `nullable` ([`Kind::Nullable`]; there it means
//! "absent", or "clear" for tri-state fields): the sandbox holds clients to the published
//! contract. Unknown fields are ignored; a wrong type is a 400 naming the field, e.g.
//! `shipment.shipmentItems[0].quantity must be an integer`.

use chrono::DateTime;
use serde_json::{Map, Number, Value};

use super::error::ApiError;

/// The expected JSON type of a field.
pub(crate) enum Kind {
    /// A JSON integer that fits `i64`.
    Int,
    /// A string.
    Str,
    /// A boolean.
    Bool,
    /// Any JSON number.
    Num,
    /// An RFC 3339 date-time string.
    DateTime,
    /// An object with these fields.
    Object(&'static [(&'static str, Kind)]),
    /// An array of elements of this kind.
    ArrayOf(&'static Kind),
    /// This kind, or `null` (the spec's `nullable: true`).
    Nullable(&'static Kind),
}

/// Checks `value` (at `path`, "" for the root) against `kind`.
pub(crate) fn check(value: &Value, kind: &Kind, path: &str) -> Result<(), ApiError> {
    let ok = match (kind, value) {
        (Kind::Nullable(_), Value::Null) => true,
        (Kind::Nullable(inner), value) => return check(value, inner, path),
        (_, Value::Null) => {
            return Err(ApiError::bad_request(format!("{} must not be null", shown(path))));
        }
        (Kind::Int, value) => value.as_i64().is_some(),
        (Kind::Str, value) => value.is_string(),
        (Kind::Bool, value) => value.is_boolean(),
        (Kind::Num, value) => value.is_number(),
        (Kind::DateTime, Value::String(text)) => {
            return match DateTime::parse_from_rfc3339(text) {
                Ok(_) => Ok(()),
                Err(_) => Err(wrong(path, "an RFC 3339 date-time string")),
            };
        }
        (Kind::Object(fields), Value::Object(map)) => {
            for (name, kind) in *fields {
                if let Some(field) = map.get(*name) {
                    check(field, kind, &join(path, name))?;
                }
            }
            true
        }
        (Kind::ArrayOf(element), Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                check(item, element, &format!("{path}[{index}]"))?;
            }
            true
        }
        _ => false,
    };
    if ok { Ok(()) } else { Err(wrong(path, expected(kind))) }
}

fn expected(kind: &Kind) -> &'static str {
    match kind {
        Kind::Int => "an integer",
        Kind::Str => "a string",
        Kind::Bool => "a boolean",
        Kind::Num => "a number",
        Kind::DateTime => "an RFC 3339 date-time string",
        Kind::Object(_) => "an object",
        Kind::ArrayOf(_) => "an array",
        Kind::Nullable(inner) => expected(inner),
    }
}

fn wrong(path: &str, what: &str) -> ApiError {
    ApiError::bad_request(format!("{} must be {what}", shown(path)))
}

/// The field's name in a message (`body` for the root).
fn shown(path: &str) -> &str {
    if path.is_empty() { "body" } else { path }
}

/// `parent.name` (or `name` at the root).
pub(crate) fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() { name.to_owned() } else { format!("{parent}.{name}") }
}

/// Typed reads of an already checked object; `null` reads as absent.
pub(crate) trait Read {
    /// The field if present and not `null`.
    fn field(&self, name: &str) -> Option<&Value>;

    /// An integer field.
    fn int(&self, name: &str) -> Option<i64> {
        self.field(name).and_then(Value::as_i64)
    }

    /// A string field.
    fn string(&self, name: &str) -> Option<String> {
        self.field(name).and_then(Value::as_str).map(str::to_owned)
    }

    /// A boolean field.
    fn boolean(&self, name: &str) -> Option<bool> {
        self.field(name).and_then(Value::as_bool)
    }

    /// A number field, kept exactly as sent.
    fn number(&self, name: &str) -> Option<Number> {
        match self.field(name) {
            Some(Value::Number(number)) => Some(number.clone()),
            _ => None,
        }
    }

    /// An array field (empty when absent).
    fn array(&self, name: &str) -> &[Value] {
        self.field(name).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
    }
}

impl Read for Map<String, Value> {
    fn field(&self, name: &str) -> Option<&Value> {
        self.get(name).filter(|value| !value.is_null())
    }
}

/// A PATCH field: absent = leave unchanged, `null` = clear, value = set.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tri<T> {
    /// Not in the body: unchanged.
    Absent,
    /// Explicit `null`: cleared.
    Null,
    /// A value: set.
    Value(T),
}

impl<T> Tri<T> {
    /// Reads `name` from a checked object with `read` (absent vs `null` kept apart).
    pub(crate) fn read(
        map: &Map<String, Value>,
        name: &str,
        read: impl Fn(&Value) -> Option<T>,
    ) -> Tri<T> {
        match map.get(name) {
            None => Tri::Absent,
            Some(Value::Null) => Tri::Null,
            Some(value) => read(value).map_or(Tri::Absent, Tri::Value),
        }
    }

    /// Applies the change to `slot`.
    pub(crate) fn apply(self, slot: &mut Option<T>) {
        match self {
            Tri::Absent => {}
            Tri::Null => *slot = None,
            Tri::Value(value) => *slot = Some(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ITEM: Kind = Kind::Object(&[("quantity", Kind::Int), ("at", Kind::DateTime)]);
    const BODY: Kind = Kind::Object(&[
        ("items", Kind::Nullable(&Kind::ArrayOf(&Kind::Nullable(&ITEM)))),
        ("cost", Kind::Nullable(&Kind::Num)),
        ("strict", Kind::Str),
    ]);

    fn message(value: serde_json::Value) -> String {
        format!("{:?}", check(&value, &BODY, "").unwrap_err())
    }

    #[test]
    fn wrong_types_name_the_field() {
        assert!(
            message(json!({"items": [{"quantity": "1"}]}))
                .contains("items[0].quantity must be an integer")
        );
        assert!(message(json!({"items": [{"quantity": 1.5}]})).contains("items[0].quantity"));
        assert!(message(json!({"items": [null, {"at": "yesterday"}]})).contains("items[1].at"));
        assert!(message(json!({"cost": "x"})).contains("cost must be a number"));
        assert!(message(json!([])).contains("body must be an object"));
        assert!(message(json!({"strict": null})).contains("strict must not be null"));
        assert!(message(json!(null)).contains("body must not be null"));
    }

    #[test]
    fn null_where_nullable_and_unknown_fields_pass() {
        assert!(check(&json!({"items": null, "cost": null, "other": "x"}), &BODY, "").is_ok());
        assert!(
            check(&json!({"items": [{"at": "2026-04-20T00:00:00Z"}], "cost": 0}), &BODY, "")
                .is_ok()
        );
    }

    #[test]
    fn tri_state_keeps_absent_and_null_apart() {
        let map = json!({"a": null, "b": "x"});
        let map = map.as_object().unwrap();
        let read = |value: &Value| value.as_str().map(str::to_owned);
        let mut slot = Some("old".to_owned());
        Tri::read(map, "missing", read).apply(&mut slot);
        assert_eq!(slot.as_deref(), Some("old"));
        Tri::read(map, "b", read).apply(&mut slot);
        assert_eq!(slot.as_deref(), Some("x"));
        Tri::read(map, "a", read).apply(&mut slot);
        assert_eq!(slot, None);
    }
}
