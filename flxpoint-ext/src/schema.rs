//! Request bodies checked against the OpenAPI document the client is generated from
//! ([`flxpoint_api::OPENAPI_JSON`]): each field's type, the required fields and the unknown ones
//! come from the schema, so a field added to the spec is known here without a code change. The
//! pages' rules that the schema cannot express run as [`Rules`] hooks on each object.
//!
//! The document is compiled once into [`Node`]s (references followed, properties sorted by name),
//! so that checking a request hashes no name and formats a field's path only to report it.

use crate::Error;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;

mod scan;
pub(crate) use scan::scan;

/// `$ref`s followed deeper than this are not checked (the document has no recursive schema; this
/// only keeps a future one from recursing forever).
const MAX_DEPTH: usize = 24;

/// The document's schemas, compiled once: the components by name, and each operation's JSON
/// request body by operationId. flxpoint-api's build parses the same text to generate the
/// client, so it is valid JSON whenever this crate compiles.
struct Compiled {
    components: BTreeMap<String, Node>,
    bodies: BTreeMap<String, Node>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let document: Value = serde_json::from_str(flxpoint_api::OPENAPI_JSON).unwrap_or_default();
    let schemas = &document["components"]["schemas"];
    let components = schemas
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, schema)| (name.clone(), Node::compile(schema, schemas, "", 0)))
        .collect();
    let operations = document["paths"].as_object().into_iter().flatten().flat_map(|(_, item)| {
        item.as_object().into_iter().flatten().map(|(_, operation)| operation)
    });
    let bodies = operations
        .filter_map(|operation| {
            let id = operation.get("operationId")?.as_str()?;
            let schema = operation.pointer("/requestBody/content/application~1json/schema")?;
            Some((id.to_owned(), Node::compile(schema, schemas, "", 0)))
        })
        .collect();
    Compiled { components, bodies }
});

/// A schema that accepts anything (an absent component checks nothing).
static ANY: Node = Node { kind: Kind::Any, nullable: true, pattern: String::new(), most_items: 0 };

/// The schema named `name` in `components.schemas`.
#[cfg_attr(not(feature = "import"), allow(dead_code))]
pub(crate) fn component(name: &str) -> &'static Node {
    COMPILED.components.get(name).unwrap_or(&ANY)
}

/// The JSON request body of the operation `operation_id` (the spec's operationId).
pub(crate) fn request_body(operation_id: &str) -> &'static Node {
    COMPILED.bodies.get(operation_id).unwrap_or(&ANY)
}

/// One schema, its references followed.
#[derive(Debug)]
pub(crate) struct Node {
    kind: Kind,
    /// `nullable: true`, or `oneOf: [S, {enum: [null]}]` as the assembled document writes it.
    nullable: bool,
    /// The path of the objects it describes, every index as `[]` (`shipment.shipmentItems[]`).
    pattern: String,
    /// The largest `minItems` of this schema and every schema in it ([`scan`] reads only this).
    most_items: u64,
}

#[derive(Debug)]
enum Kind {
    Object {
        /// Sorted by name: the same order whether or not serde_json keeps the document's (its
        /// `preserve_order` feature, which another crate in a build may turn on).
        properties: Vec<Property>,
        /// As the document lists them.
        required: Vec<String>,
    },
    Array {
        element: Box<Node>,
        min_items: u64,
    },
    Scalar(Scalar),
    Any,
}

#[derive(Debug)]
struct Property {
    name: String,
    required: bool,
    deprecated: bool,
    node: Node,
}

/// The JSON type of a scalar field, as a file's cell is read into it.
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

impl Kind {
    /// What a value of this kind is, for "must be …".
    fn what(&self) -> &'static str {
        match self {
            Kind::Scalar(Scalar::Text | Scalar::DateTime) => "a string",
            Kind::Scalar(Scalar::Integer) => "an integer",
            Kind::Scalar(Scalar::Number) => "a number",
            Kind::Scalar(Scalar::Boolean) => "true or false",
            Kind::Object { .. } => "an object",
            Kind::Array { .. } => "an array",
            Kind::Any => "anything",
        }
    }
}

impl Node {
    fn compile(schema: &Value, schemas: &Value, pattern: &str, depth: usize) -> Node {
        let any =
            || Node { kind: Kind::Any, nullable: true, pattern: pattern.to_owned(), most_items: 0 };
        if depth > MAX_DEPTH {
            return any();
        }
        let resolve = |schema: &Value| -> Option<Value> {
            let mut schema = schema.clone();
            for _ in 0..=MAX_DEPTH {
                let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
                    return Some(schema);
                };
                let name = reference.strip_prefix("#/components/schemas/")?;
                schema = schemas.get(name)?.clone();
            }
            None
        };
        let Some(schema) = resolve(schema) else { return any() };
        let is_null = |s: &Value| s.get("enum").is_some_and(|e| *e == serde_json::json!([null]));
        let (schema, nullable) =
            match schema.get("oneOf").and_then(Value::as_array).map(Vec::as_slice) {
                Some([first, second]) if is_null(second) => (resolve(first), true),
                Some([first, second]) if is_null(first) => (resolve(second), true),
                _ => {
                    let nullable = schema.get("nullable").and_then(Value::as_bool) == Some(true);
                    (Some(schema), nullable)
                }
            };
        let Some(schema) = schema else { return any() };
        let text = |key: &str| schema.get(key).and_then(Value::as_str);
        let kind = match text("type") {
            Some("object") => {
                let required: Vec<String> = schema
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .unwrap_or_default();
                let mut properties: Vec<Property> = schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(name, p)| Property {
                        name: name.clone(),
                        required: required.contains(name),
                        deprecated: p.get("deprecated").and_then(Value::as_bool) == Some(true),
                        node: Node::compile(p, schemas, &join(pattern, name), depth + 1),
                    })
                    .collect();
                properties.sort_by(|a, b| a.name.cmp(&b.name));
                Kind::Object { properties, required }
            }
            Some("array") => {
                let element = schema.get("items").unwrap_or(&Value::Null);
                Kind::Array {
                    element: Box::new(Node::compile(
                        element,
                        schemas,
                        &format!("{pattern}[]"),
                        depth + 1,
                    )),
                    min_items: schema.get("minItems").and_then(Value::as_u64).unwrap_or(0),
                }
            }
            Some("string") if text("format") == Some("date-time") => Kind::Scalar(Scalar::DateTime),
            Some("string") => Kind::Scalar(Scalar::Text),
            Some("integer") => Kind::Scalar(Scalar::Integer),
            Some("number") => Kind::Scalar(Scalar::Number),
            Some("boolean") => Kind::Scalar(Scalar::Boolean),
            _ => Kind::Any,
        };
        let most_items = match &kind {
            Kind::Object { properties, .. } => {
                properties.iter().map(|p| p.node.most_items).max().unwrap_or(0)
            }
            Kind::Array { element, min_items } => element.most_items.max(*min_items),
            Kind::Scalar(_) | Kind::Any => 0,
        };
        Node { kind, nullable, pattern: pattern.to_owned(), most_items }
    }

    /// [`Node::compile`] for a test elsewhere in the crate.
    #[cfg(test)]
    pub(crate) fn compile_for_test(schema: &Value, schemas: &Value) -> Node {
        Node::compile(schema, schemas, "", 0)
    }

    /// The largest `minItems` of this schema and every schema in it.
    pub(crate) fn most_items(&self) -> u64 {
        self.most_items
    }

    /// What [`scan`] checks in a request this schema describes, by path pattern: every text (a
    /// date-time's type never writes a blank one), anything the schema leaves open, and every
    /// array with a `minItems`.
    pub(crate) fn scanned(&self) -> Vec<&str> {
        let mut found = Vec::new();
        self.collect_scanned(&mut found);
        found
    }

    fn collect_scanned<'a>(&'a self, found: &mut Vec<&'a str>) {
        match &self.kind {
            Kind::Object { properties, .. } => {
                properties.iter().for_each(|p| p.node.collect_scanned(found));
            }
            Kind::Array { element, min_items } => {
                if *min_items > 0 {
                    found.push(&self.pattern);
                }
                element.collect_scanned(found);
            }
            Kind::Scalar(Scalar::Text) | Kind::Any => found.push(&self.pattern),
            Kind::Scalar(_) => {}
        }
    }

    fn is_container(&self) -> bool {
        matches!(self.kind, Kind::Object { .. } | Kind::Array { .. })
    }

    fn properties(&self) -> &[Property] {
        match &self.kind {
            Kind::Object { properties, .. } => properties,
            _ => &[],
        }
    }

    /// The property `name` of an object schema (a schema that checks nothing if absent).
    #[cfg_attr(not(feature = "import"), allow(dead_code))]
    pub(crate) fn property(&self, name: &str) -> &Node {
        self.find(name).map_or(&ANY, |p| &p.node)
    }

    fn find(&self, name: &str) -> Option<&Property> {
        let properties = self.properties();
        properties.binary_search_by(|p| p.name.as_str().cmp(name)).ok().map(|i| &properties[i])
    }

    /// The element schema of an array schema.
    #[cfg_attr(not(feature = "import"), allow(dead_code))]
    pub(crate) fn element(&self) -> &Node {
        match &self.kind {
            Kind::Array { element, .. } => element,
            _ => &ANY,
        }
    }

    /// The scalar properties of an object schema that are not deprecated, by name, and whether
    /// each is required.
    #[cfg_attr(not(feature = "import"), allow(dead_code))]
    pub(crate) fn scalars(&self) -> Vec<(&str, Scalar, bool)> {
        self.properties()
            .iter()
            .filter(|p| !p.deprecated)
            .filter_map(|p| match p.node.kind {
                Kind::Scalar(scalar) => Some((p.name.as_str(), scalar, p.required)),
                _ => None,
            })
            .collect()
    }
}

/// A request object's fields by name, found by comparing names: a request's objects hold a few
/// fields, and hashing the name (serde_json's map is an `IndexMap` when a crate in the build
/// turns on `preserve_order`) costs more than comparing them.
pub(crate) trait Fields {
    /// The field `key`.
    fn field(&self, key: &str) -> Option<&Value>;
    /// Whether the field `key` is there.
    fn has(&self, key: &str) -> bool {
        self.field(key).is_some()
    }
}

impl Fields for Map<String, Value> {
    fn field(&self, key: &str) -> Option<&Value> {
        self.iter().find_map(|(k, v)| (k == key).then_some(v))
    }
}

/// The pages' rules on one kind of object. `pattern` is the object's path with every index as
/// `[]` (`shipment.shipmentItems[]`), `at` its path (`shipment.shipmentItems[2]`, `""` for the
/// body).
pub(crate) trait Rules {
    /// Before the object's fields are checked: deprecated names mapped to the spec's own.
    /// Returns whether it changed `object` (by default it maps nothing).
    fn normalize(
        &self,
        _pattern: &str,
        _at: &str,
        _object: &mut Map<String, Value>,
    ) -> Result<bool, Error> {
        Ok(false)
    }

    /// After the object's own fields passed their type, required and unknown checks, before
    /// its nested objects and arrays are checked.
    fn check(&self, pattern: &str, at: &str, object: &Map<String, Value>) -> Result<(), Error>;
}

/// Checks `value` against `schema` and `rules`, removing the `null`s of optional fields that
/// are not nullable (the pages' own examples send them for "absent"). Returns whether `value`
/// was changed (a name mapped, a `null` removed).
pub(crate) fn check(value: &mut Value, schema: &Node, rules: &dyn Rules) -> Result<bool, Error> {
    walk(value, schema, &mut String::new(), rules)
}

/// The name a path is reported by (`body` for the body itself).
fn field(at: &str) -> &str {
    if at.is_empty() { "body" } else { at }
}

/// The path of `key` in the object at `at` (`shipment.carrier`; `key` alone in the body),
/// formatted only when it is needed.
#[derive(Clone, Copy)]
pub(crate) struct Field<'a>(pub &'a str, pub &'a str);

impl std::fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Field("", key) => f.write_str(key),
            Field(at, key) => write!(f, "{at}.{key}"),
        }
    }
}

/// The path of item `i` of the array at the path `.0` (`shipment.shipmentItems[2]`), formatted
/// only when it is needed.
#[derive(Clone, Copy)]
pub(crate) struct Indexed<P>(pub P, pub usize);

impl<P: std::fmt::Display> std::fmt::Display for Indexed<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}[{}]", self.0, self.1)
    }
}

/// Appends `[i]` to `path` as [`Indexed`] writes it, without the formatting machinery: this
/// runs for every item of every array of every request.
fn push_index(path: &mut String, i: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = i;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    path.push('[');
    digits[at..].iter().for_each(|&d| path.push(char::from(d)));
    path.push(']');
}

fn join(at: &str, key: &str) -> String {
    Field(at, key).to_string()
}

/// A value against its schema; what it must be if it is not. Objects and arrays are walked by
/// [`walk`], which knows their path.
fn scalar(value: &Value, node: &Node) -> Result<(), String> {
    if value.is_null() {
        return if node.nullable { Ok(()) } else { Err("must not be null".into()) };
    }
    let ok = match node.kind {
        Kind::Scalar(Scalar::Text) => value.is_string(),
        Kind::Scalar(Scalar::DateTime) => match value.as_str() {
            None => false,
            Some(text) => {
                return chrono::DateTime::parse_from_rfc3339(text).map(drop).map_err(|_| {
                    format!(
                        "must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z, got {text:?}"
                    )
                });
            }
        },
        Kind::Scalar(Scalar::Integer) => value.as_i64().is_some(),
        Kind::Scalar(Scalar::Number) => value.is_number(),
        Kind::Scalar(Scalar::Boolean) => value.is_boolean(),
        Kind::Object { .. } => value.is_object(),
        Kind::Array { .. } => value.is_array(),
        Kind::Any => true,
    };
    if ok {
        return Ok(());
    }
    Err(format!("must be {}", node.kind.what()))
}

/// `path` is the value's path (`shipment.shipmentItems[2]`): one buffer for the whole walk, each
/// level appending its part and cutting it off after.
fn walk(
    value: &mut Value,
    node: &Node,
    path: &mut String,
    rules: &dyn Rules,
) -> Result<bool, Error> {
    scalar(value, node).map_err(|rule| Error::validation(field(path), rule))?;
    let at = path.as_str();
    match (&node.kind, value) {
        (Kind::Object { .. }, Value::Object(object)) => walk_object(object, node, path, rules),
        (Kind::Array { element, min_items }, Value::Array(items)) => {
            if (items.len() as u64) < *min_items {
                let needs = if *min_items == 1 {
                    "one item".to_owned()
                } else {
                    format!("{min_items} items")
                };
                return Err(Error::validation(field(at), format!("needs at least {needs}")));
            }
            let mut changed = false;
            let len = path.len();
            for (i, item) in items.iter_mut().enumerate() {
                if element.is_container() {
                    push_index(path, i);
                    changed |= walk(item, element, path, rules)?;
                    path.truncate(len);
                } else {
                    scalar(item, element)
                        .map_err(|rule| Error::validation(Indexed(&*path, i).to_string(), rule))?;
                }
            }
            Ok(changed)
        }
        _ => Ok(false),
    }
}

/// An object: its scalar fields' types, the unknown ones, the required ones, the pages' rules,
/// then its nested objects and arrays (so a body's own mistakes are named before its parts').
fn walk_object(
    object: &mut Map<String, Value>,
    node: &Node,
    path: &mut String,
    rules: &dyn Rules,
) -> Result<bool, Error> {
    let at = path.as_str();
    let Kind::Object { properties, required } = &node.kind else { return Ok(false) };
    let pattern = node.pattern.as_str();
    let mut changed = rules.normalize(pattern, at, object)?;
    // `null` for an optional field that is not nullable means "absent", as the pages' examples
    // use it; it is dropped so that the generated type reads it as `None`.
    let before = object.len();
    object.retain(|key, value| {
        !(value.is_null() && node.find(key).is_some_and(|p| !p.required && !p.node.nullable))
    });
    changed |= object.len() != before;
    // Reported as if the fields were checked in order of name (the first wrong field, the
    // first unknown one), without sorting them: the wrong field and the unknown one with the
    // smallest name.
    let (mut wrong, mut unknown): (Option<(&str, String)>, Option<&str>) = (None, None);
    for (key, value) in object.iter() {
        let key = key.as_str();
        match node.find(key) {
            None if unknown.is_none_or(|u| key < u) => unknown = Some(key),
            Some(p) if !p.node.is_container() && wrong.as_ref().is_none_or(|(w, _)| key < *w) => {
                if let Err(rule) = scalar(value, &p.node) {
                    wrong = Some((key, rule));
                }
            }
            _ => {}
        }
    }
    if let Some((key, rule)) = wrong {
        return Err(Error::validation(join(at, key), rule));
    }
    let missing = required.iter().find(|key| !object.has(key));
    if let Some(unknown) = unknown {
        // A misspelt required field (`trackingNumbr`) is named by the field it misses.
        if let Some(meant) = missing.filter(|m| strsim::damerau_levenshtein(m, unknown) <= 2) {
            return Err(Error::validation(
                join(at, meant),
                format!("is required (is `{unknown}` a misspelling of it?)"),
            ));
        }
        let known: Vec<&str> = properties.iter().map(|p| p.name.as_str()).collect();
        return Err(Error::validation(
            join(at, unknown),
            format!("is not a field of this request (fields: {})", known.join(", ")),
        ));
    }
    if let Some(missing) = missing {
        return Err(Error::validation(join(at, missing), "is required"));
    }
    rules.check(pattern, at, object)?;
    for p in properties.iter().filter(|p| p.node.is_container()) {
        if let Some(value) = object.iter_mut().find_map(|(k, v)| (*k == p.name).then_some(v)) {
            let len = path.len();
            if len > 0 {
                path.push('.');
            }
            path.push_str(&p.name);
            changed |= walk(value, &p.node, path, rules)?;
            path.truncate(len);
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_is_appended_as_it_is_displayed() {
        for i in [0, 7, 10, 99, 100, 12345, usize::MAX] {
            let mut path = "a.b".to_owned();
            push_index(&mut path, i);
            assert_eq!(path, Indexed("a.b", i).to_string());
        }
    }

    #[test]
    fn the_embedded_document_has_the_request_schemas() {
        let create = component("CreateShipmentRequest");
        assert!(matches!(create.kind, Kind::Object { .. }));
        // The operation's body is the same schema, its reference followed.
        assert_eq!(request_body("createShipment").scalars(), create.scalars());
        let flag = request_body("flagShipmentsWithErrors");
        assert!(flag.element().scalars().contains(&("syncError", Scalar::Text, false)));
        let shipment = create.property("shipment");
        let names: Vec<&str> = shipment.scalars().iter().map(|(n, ..)| *n).collect();
        assert!(names.contains(&"trackingNumber") && names.contains(&"shippedAt"), "{names:?}");
        let item = shipment.property("shipmentItems").element();
        assert!(item.scalars().contains(&("quantity", Scalar::Integer, true)));
        assert_eq!(item.pattern, "shipment.shipmentItems[]");
        // Deprecated fields are not offered as columns.
        assert!(!create.scalars().iter().any(|(n, ..)| *n == "purchaseOrderId"));
    }

    #[test]
    fn the_scan_checks_texts_open_values_and_arrays_with_a_minimum() {
        let schema = serde_json::json!({
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "at": {"type": "string", "format": "date-time"},
                "count": {"type": "integer"},
                "open": {},
                "lines": {"type": "array", "minItems": 1, "items": {
                    "type": "object",
                    "properties": {"sku": {"type": "string"}, "tags": {"type": "array",
                        "items": {"type": "string"}}},
                }},
            },
        });
        let node = Node::compile(&schema, &serde_json::json!({}), "", 0);
        let mut scanned = node.scanned();
        scanned.sort_unstable();
        assert_eq!(scanned, ["lines", "lines[].sku", "lines[].tags[]", "name", "open"]);
    }
}
