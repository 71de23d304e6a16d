//! The schema's checks that a request built in code can still fail, made while the request is
//! serialized, without building a `serde_json::Value`: every text shows something, and every
//! array has its `minItems`. The generated types already hold every other schema rule (types,
//! names, required fields).
//!
//! Why not the [`super::check`] walk: it needs the request as a `Value`, and building, walking
//! and dropping that tree was most of a call's overhead on a loopback server (see the README's
//! benchmark notes). Nor does the scan look anything up in the schema, whose compiled nodes a
//! network round trip has usually pushed out of the CPU's caches by the next call: it reads only
//! the schema's largest `minItems`. Serializing into [`std::io::sink`] with a [`Formatter`] that
//! sees each key, string and array costs one path buffer and one stack.

use super::{Node, Rules, push_index};
use crate::Error;
use serde_json::ser::{CharEscape, Formatter};
use serde_json::{Map, Value};
use std::io;

/// Checks `value` (a generated request) against `schema`: every string, keys aside, shows
/// something ([`crate::validate::non_empty`]'s rule), and every array has at least its
/// `minItems`. The first failure is named by its path, as [`super::check`] names it.
pub(crate) fn scan<T: serde::Serialize>(value: &T, schema: &Node) -> Result<(), Error> {
    let mut scan = Scan {
        path: String::with_capacity(64),
        frames: Vec::with_capacity(8),
        most_items: schema.most_items,
        short: false,
        in_key: false,
        blank: false,
        error: None,
    };
    let mut serializer = serde_json::Serializer::with_formatter(io::sink(), &mut scan);
    let written = value.serialize(&mut serializer);
    match (scan.error, written) {
        (Some(error), _) => return Err(error),
        (None, Err(e)) => return Err(Error::validation("body", e.to_string())),
        (None, Ok(())) => {}
    }
    if scan.short {
        // An array shorter than some array's minimum: the walk knows which minimum is its own.
        let mut body =
            serde_json::to_value(value).map_err(|e| Error::validation("body", e.to_string()))?;
        super::check(&mut body, schema, &Plain)?;
    }
    Ok(())
}

/// No rules beyond the schema's.
struct Plain;

impl Rules for Plain {
    fn check(&self, _: &str, _: &str, _: &Map<String, Value>) -> Result<(), Error> {
        Ok(())
    }
}

/// An open object or array: where its path ends, and how many items it has had.
struct Frame {
    path: usize,
    items: usize,
}

struct Scan {
    /// The path of the value being written (`shipment.shipmentItems[0].sku`).
    path: String,
    frames: Vec<Frame>,
    /// The largest `minItems` anywhere in the schema: a shorter array needs the walk.
    most_items: u64,
    short: bool,
    /// Between `begin_object_key` and `end_object_key`: the strings are names.
    in_key: bool,
    /// The string being written has shown nothing so far.
    blank: bool,
    error: Option<Error>,
}

impl Scan {
    fn open(&mut self) {
        self.frames.push(Frame { path: self.path.len(), items: 0 });
    }

    /// The path back to the container's own, for its next key or item.
    fn back(&mut self) -> Option<&mut Frame> {
        let frame = self.frames.last_mut()?;
        self.path.truncate(frame.path);
        Some(frame)
    }
}

impl Formatter for &mut Scan {
    fn begin_object<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.open();
        Ok(())
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.back();
        self.frames.pop();
        Ok(())
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.open();
        Ok(())
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        let items = self.back().map_or(0, |frame| frame.items);
        self.frames.pop();
        self.short |= (items as u64) < self.most_items;
        Ok(())
    }

    fn begin_array_value<W: ?Sized + io::Write>(&mut self, _: &mut W, _: bool) -> io::Result<()> {
        let Some(frame) = self.back() else { return Ok(()) };
        let item = frame.items;
        frame.items += 1;
        push_index(&mut self.path, item);
        Ok(())
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, _: &mut W, _: bool) -> io::Result<()> {
        self.in_key = true;
        if self.back().is_some_and(|frame| frame.path > 0) {
            self.path.push('.');
        }
        Ok(())
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.in_key = false;
        Ok(())
    }

    fn begin_string<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.blank = !self.in_key;
        Ok(())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        _: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if self.in_key {
            self.path.push_str(fragment);
        } else if self.blank {
            self.blank = fragment.chars().all(crate::validate::is_invisible);
        }
        Ok(())
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let c = match escape {
            CharEscape::Quote => '"',
            CharEscape::ReverseSolidus => '\\',
            CharEscape::Solidus => '/',
            // Every other escape is a control character, which shows nothing.
            CharEscape::Backspace => '\u{8}',
            CharEscape::FormFeed => '\u{c}',
            CharEscape::LineFeed => '\n',
            CharEscape::CarriageReturn => '\r',
            CharEscape::Tab => '\t',
            CharEscape::AsciiControl(byte) => char::from(byte),
        };
        self.write_string_fragment(w, c.encode_utf8(&mut [0; 4]))
    }

    fn end_string<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        if self.in_key || !self.blank || self.error.is_some() {
            return Ok(());
        }
        let field = if self.path.is_empty() { "body".to_owned() } else { self.path.clone() };
        self.error =
            Some(Error::validation(field, "must not be empty (or only invisible characters)"));
        // Stops the serializer: the first failure is the one reported.
        Err(io::Error::other("request check failed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn node(schema: serde_json::Value) -> Node {
        Node::compile(&schema, &json!({}), "", 0)
    }

    fn field_of(result: Result<(), Error>) -> String {
        match result {
            Err(Error::Validation { field, rule }) => format!("{field}: {rule}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn blank_text_and_short_arrays_are_named_by_their_path() {
        let schema = node(json!({"type": "object", "properties": {
            "a": {"type": "object", "properties": {
                "list": {"type": "array", "minItems": 1, "items": {"type": "object",
                    "properties": {"text": {"type": "string"}}}},
                "two": {"type": "array", "minItems": 2, "items": {"type": "string"}}}}}}));
        let ok =
            json!({"a": {"list": [{"text": "x"}, {"text": "\"\\"}], "two": ["a", "\u{200B}b"]}});
        assert!(scan(&ok, &schema).is_ok());
        let blank = json!({"a": {"list": [{"text": "x"}, {"text": " \u{200B}\n\u{1}"}]}});
        assert_eq!(
            field_of(scan(&blank, &schema)),
            "a.list[1].text: must not be empty (or only invisible characters)"
        );
        let empty = json!({"a": {"list": []}});
        assert_eq!(field_of(scan(&empty, &schema)), "a.list: needs at least one item");
        let one = json!({"a": {"list": [{}], "two": ["x"]}});
        assert_eq!(field_of(scan(&one, &schema)), "a.two: needs at least 2 items");
        assert_eq!(
            field_of(scan(&json!({"a": {"two": ["x", ""]}}), &schema)),
            "a.two[1]: must not be empty (or only invisible characters)"
        );
        // Names are not text to check; a name the schema lacks is still named.
        assert!(scan(&json!({" ": "x"}), &schema).is_ok());
        assert_eq!(
            field_of(scan(&json!({"a": {"q\"r": ""}}), &schema)),
            "a.q\"r: must not be empty (or only invisible characters)"
        );
        assert_eq!(
            field_of(scan(&json!(""), &schema)),
            "body: must not be empty (or only invisible characters)"
        );
    }
}
