//! JSON bodies: read from a file or stdin (`--body FILE` / `--body -`).
//!
//! A body the spec describes (create, flag-with-errors, accounting-sync) is read into its
//! generated type by flxpoint-ext's `Validate::from_json`, against the document's schema. The
//! [`Object`] walker here is only for the two operations the spec gives no body
//! (`processing-failed`, `orders link`: query parameters), whose `--body` is this CLI's own JSON
//! form of them. Either way unknown fields are refused by name, not ignored: a typo must not
//! silently drop data.

use crate::error::CliError;
use serde_json::{Map, Value};
use std::io::Read;
use std::path::Path;

/// The largest body read: far above any real request, small enough to never strain memory.
const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// Reads and parses the JSON body at `path` (`-` = stdin).
pub fn read(path: &Path) -> Result<Value, CliError> {
    let (name, reader): (String, Box<dyn Read>) = if path == Path::new("-") {
        ("stdin".into(), Box::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(path)
            .map_err(|e| CliError::Input(format!("--body {}: cannot open: {e}", path.display())))?;
        (path.display().to_string(), Box::new(file))
    };
    let mut text = String::new();
    reader
        .take(MAX_BODY_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| CliError::Input(format!("--body {name}: cannot read: {e}")))?;
    if text.len() as u64 > MAX_BODY_BYTES {
        return Err(CliError::Input(format!("--body {name}: larger than {MAX_BODY_BYTES} bytes")));
    }
    serde_json::from_str(&text)
        .map_err(|e| CliError::invalid("body", format!("is not valid JSON ({name}): {e}")))
}

/// Joins a field name to its parent's path.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// A JSON object being read: each field is taken once, and [`Object::finish`] refuses the
/// fields nobody took.
pub struct Object<'a> {
    path: String,
    map: &'a Map<String, Value>,
    taken: Vec<&'static str>,
}

impl<'a> Object<'a> {
    /// `value` as an object at `path` (`""` for the body itself).
    pub fn new(path: &str, value: &'a Value) -> Result<Self, CliError> {
        let map = value.as_object().ok_or_else(|| {
            CliError::invalid(if path.is_empty() { "body" } else { path }, "must be an object")
        })?;
        Ok(Self { path: path.to_owned(), map, taken: Vec::new() })
    }

    /// The path of field `key`.
    pub fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The field's raw value; `null` is returned as is.
    pub fn raw(&mut self, key: &'static str) -> Option<&'a Value> {
        self.taken.push(key);
        self.map.get(key)
    }

    /// The field's value, with `null` read as absent.
    fn value(&mut self, key: &'static str) -> Option<&'a Value> {
        self.raw(key).filter(|v| !v.is_null())
    }

    /// A required field of any type.
    pub fn required(&mut self, key: &'static str) -> Result<&'a Value, CliError> {
        self.value(key).ok_or_else(|| CliError::invalid(self.path(key), "is required"))
    }

    /// A required string.
    pub fn required_string(&mut self, key: &'static str) -> Result<String, CliError> {
        let value = self.required(key)?;
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| CliError::invalid(self.path(key), "must be a string"))
    }

    /// Refuses any field not taken.
    pub fn finish(self) -> Result<(), CliError> {
        match self.map.keys().find(|k| !self.taken.contains(&k.as_str())) {
            Some(unknown) => Err(CliError::invalid(
                join(&self.path, unknown),
                format!("is not a field of this request (fields: {})", self.taken.join(", ")),
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(e: CliError) -> String {
        match e {
            CliError::Invalid { field, .. } => field,
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn fields_are_typed_null_is_absent_and_unknown_fields_are_refused() {
        let body = json!({"a": 1, "b": null, "c": "x", "d": {"e": true}, "f": 0});
        let mut o = Object::new("", &body).unwrap();
        assert_eq!(o.required("a").unwrap(), &json!(1));
        assert_eq!(field(o.required_string("b").unwrap_err()), "b");
        assert_eq!(o.required_string("c").unwrap(), "x");
        let mut d = Object::new(&o.path("d"), o.raw("d").unwrap()).unwrap();
        assert_eq!(field(d.required_string("e").unwrap_err()), "d.e");
        assert_eq!(field(o.finish().unwrap_err()), "f");
        assert_eq!(field(Object::new("", &json!([])).err().unwrap()), "body");
    }
}
