//! Request bodies checked against the OpenAPI document the client is generated from
//! ([`flxpoint_api::OPENAPI_JSON`]): each field's type, the required fields and the unknown ones
//! come from the schema, so a field added to the spec is known here without a code change. The
//! pages' rules that the schema cannot express run as [`Rules`] hooks on each object.

use crate::Error;
use serde_json::{Map, Value};
use std::sync::LazyLock;

/// The document, parsed once. flxpoint-api's build parses the same text to generate the client,
/// so it is valid JSON whenever this crate compiles.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(flxpoint_api::OPENAPI_JSON).unwrap_or_else(|_| Value::Null)
});

/// The schema named `name` in `components.schemas` (`null`, which checks nothing, if absent).
pub(crate) fn component(name: &str) -> &'static Value {
    &DOCUMENT["components"]["schemas"][name]
}

/// The pages' rules on one kind of object. `pattern` is the object's path with every index as
/// `[]` (`shipment.shipmentItems[]`), `at` its path (`shipment.shipmentItems[2]`, `""` for the
/// body).
pub(crate) trait Rules {
    /// Before the object's fields are checked: deprecated names mapped to the spec's own.
    /// Returns whether it changed `object`.
    fn normalize(
        &self,
        pattern: &str,
        at: &str,
        object: &mut Map<String, Value>,
    ) -> Result<bool, Error>;

    /// After the object's own fields passed their type, required and unknown checks, before
    /// its nested objects and arrays are checked.
    fn check(&self, pattern: &str, at: &str, object: &Map<String, Value>) -> Result<(), Error>;
}

/// Checks `value` against `schema` and `rules`, removing the `null`s of optional fields that
/// are not nullable (the pages' own examples send them for "absent"). Returns whether `value`
/// was changed (a name mapped, a `null` removed).
pub(crate) fn check(value: &mut Value, schema: &Value, rules: &dyn Rules) -> Result<bool, Error> {
    walk(value, schema, "", "", rules)
}

/// The name a path is reported by (`body` for the body itself).
fn field(at: &str) -> &str {
    if at.is_empty() { "body" } else { at }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() { key.to_owned() } else { format!("{at}.{key}") }
}

/// `schema` with its `$ref` (to `#/components/schemas/…`) followed.
fn resolve(schema: &Value) -> &Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix("#/components/schemas/")
            .map_or(&Value::Null, |name| resolve(component(name))),
        None => schema,
    }
}

/// The schema a value must match, and whether `null` is allowed instead: `nullable: true`, or
/// `oneOf: [S, {enum: [null]}]` as the assembled document writes it.
fn nullable(schema: &Value) -> (&Value, bool) {
    let schema = resolve(schema);
    if let Some([first, second]) = schema.get("oneOf").and_then(Value::as_array).map(Vec::as_slice)
    {
        let is_null =
            |s: &Value| s.get("enum").is_some_and(|e| *e == Value::Array(vec![Value::Null]));
        if is_null(second) {
            return (resolve(first), true);
        }
        if is_null(first) {
            return (resolve(second), true);
        }
    }
    (schema, schema.get("nullable").and_then(Value::as_bool) == Some(true))
}

fn is_container(schema: &Value) -> bool {
    matches!(nullable(schema).0.get("type").and_then(Value::as_str), Some("object" | "array"))
}

fn walk(
    value: &mut Value,
    schema: &Value,
    at: &str,
    pattern: &str,
    rules: &dyn Rules,
) -> Result<bool, Error> {
    let (schema, nullable) = nullable(schema);
    if value.is_null() {
        return if nullable {
            Ok(false)
        } else {
            Err(Error::validation(field(at), "must not be null"))
        };
    }
    let wrong = |what: &str| Err(Error::validation(field(at), format!("must be {what}")));
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let Some(object) = value.as_object_mut() else { return wrong("an object") };
            walk_object(object, schema, at, pattern, rules)
        }
        Some("array") => {
            let Some(items) = value.as_array_mut() else { return wrong("an array") };
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            if (items.len() as u64) < min {
                let needs = if min == 1 { "one item".to_owned() } else { format!("{min} items") };
                return Err(Error::validation(field(at), format!("needs at least {needs}")));
            }
            let element = &schema["items"];
            let pattern = format!("{pattern}[]");
            let mut changed = false;
            for (i, item) in items.iter_mut().enumerate() {
                changed |= walk(item, element, &format!("{at}[{i}]"), &pattern, rules)?;
            }
            Ok(changed)
        }
        Some("string") => match value.as_str() {
            None => wrong("a string"),
            Some(text) if schema.get("format").and_then(Value::as_str) == Some("date-time") => {
                match chrono::DateTime::parse_from_rfc3339(text) {
                    Ok(_) => Ok(false),
                    Err(_) => wrong(&format!(
                        "an RFC 3339 date-time such as 2024-05-01T12:00:00Z, got {text:?}"
                    )),
                }
            }
            Some(_) => Ok(false),
        },
        Some("integer") if value.as_i64().is_none() => wrong("an integer"),
        Some("number") if !value.is_number() => wrong("a number"),
        Some("boolean") if !value.is_boolean() => wrong("true or false"),
        _ => Ok(false),
    }
}

/// An object: its scalar fields' types, the unknown ones, the required ones, the pages' rules,
/// then its nested objects and arrays (so a body's own mistakes are named before its parts').
fn walk_object(
    object: &mut Map<String, Value>,
    schema: &Value,
    at: &str,
    pattern: &str,
    rules: &dyn Rules,
) -> Result<bool, Error> {
    let mut changed = rules.normalize(pattern, at, object)?;
    let empty = Map::new();
    let properties = schema.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    // By name: the same order whether or not serde_json keeps the document's (its
    // `preserve_order` feature, which another crate in a build may turn on).
    let mut ordered: Vec<(&String, &Value)> = properties.iter().collect();
    ordered.sort_by_key(|(name, _)| *name);
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // `null` for an optional field that is not nullable means "absent", as the pages' examples
    // use it; it is dropped so that the generated type reads it as `None`.
    let before = object.len();
    object.retain(|key, value| {
        !(value.is_null()
            && !required.contains(&key.as_str())
            && properties.get(key).is_some_and(|s| !nullable(s).1))
    });
    changed |= object.len() != before;
    for &(key, field_schema) in &ordered {
        if let Some(value) = object.get_mut(key).filter(|_| !is_container(field_schema)) {
            walk(value, field_schema, &join(at, key), &join(pattern, key), rules)?;
        }
    }
    let missing = required.iter().find(|key| !object.contains_key(**key));
    let mut unknown =
        object.keys().filter(|key| !properties.contains_key(*key)).collect::<Vec<_>>();
    unknown.sort();
    if let Some(unknown) = unknown.first() {
        // A misspelt required field (`trackingNumbr`) is named by the field it misses.
        if let Some(meant) = missing.filter(|m| strsim::damerau_levenshtein(m, unknown) <= 2) {
            return Err(Error::validation(
                join(at, meant),
                format!("is required (is `{unknown}` a misspelling of it?)"),
            ));
        }
        let known: Vec<&str> = ordered.iter().map(|(name, _)| name.as_str()).collect();
        return Err(Error::validation(
            join(at, unknown),
            format!("is not a field of this request (fields: {})", known.join(", ")),
        ));
    }
    if let Some(missing) = missing {
        return Err(Error::validation(join(at, missing), "is required"));
    }
    rules.check(pattern, at, object)?;
    for &(key, field_schema) in &ordered {
        if let Some(value) = object.get_mut(key).filter(|_| is_container(field_schema)) {
            changed |= walk(value, field_schema, &join(at, key), &join(pattern, key), rules)?;
        }
    }
    Ok(changed)
}

/// The JSON type of a scalar field, as a file's cell is read into it.
#[cfg_attr(not(feature = "import"), allow(dead_code))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// `integer`.
    Integer,
    /// `number`.
    Number,
    /// `boolean`.
    Boolean,
    /// `string` with `format: date-time`.
    DateTime,
    /// Any other `string`.
    Text,
}

/// The property `name` of an object schema, resolved (`null` if absent).
#[cfg_attr(not(feature = "import"), allow(dead_code))]
pub(crate) fn property(schema: &'static Value, name: &str) -> &'static Value {
    let schema = nullable(schema).0;
    schema.get("properties").and_then(|p| p.get(name)).map_or(&Value::Null, |p| nullable(p).0)
}

/// The element schema of an array schema, resolved.
#[cfg_attr(not(feature = "import"), allow(dead_code))]
pub(crate) fn element(schema: &'static Value) -> &'static Value {
    schema.get("items").map_or(&Value::Null, |e| nullable(e).0)
}

/// The scalar properties of an object schema that are not deprecated, by name, and whether each
/// is required.
#[cfg_attr(not(feature = "import"), allow(dead_code))]
pub(crate) fn scalars(schema: &'static Value) -> Vec<(&'static str, Scalar, bool)> {
    let schema = nullable(schema).0;
    let required = |name: &str| {
        schema
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|k| k.as_str() == Some(name)))
    };
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut ordered: Vec<(&String, &Value)> = properties.iter().collect();
    ordered.sort_by_key(|(name, _)| *name);
    ordered
        .into_iter()
        .filter(|(_, p)| p.get("deprecated").and_then(Value::as_bool) != Some(true))
        .filter_map(|(name, p)| {
            let p = nullable(p).0;
            let scalar = match (p.get("type")?.as_str()?, p.get("format").and_then(Value::as_str)) {
                ("integer", _) => Scalar::Integer,
                ("number", _) => Scalar::Number,
                ("boolean", _) => Scalar::Boolean,
                ("string", Some("date-time")) => Scalar::DateTime,
                ("string", _) => Scalar::Text,
                _ => return None,
            };
            Some((name.as_str(), scalar, required(name)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_document_has_the_request_schemas() {
        let create = component("CreateShipmentRequest");
        assert_eq!(create["type"], "object");
        let shipment = property(create, "shipment");
        let names: Vec<&str> = scalars(shipment).iter().map(|(n, ..)| *n).collect();
        assert!(names.contains(&"trackingNumber") && names.contains(&"shippedAt"), "{names:?}");
        let item = element(property(shipment, "shipmentItems"));
        assert!(scalars(item).contains(&("quantity", Scalar::Integer, true)));
        // Deprecated fields are not offered as columns.
        assert!(!scalars(create).iter().any(|(n, ..)| *n == "purchaseOrderId"));
    }
}
