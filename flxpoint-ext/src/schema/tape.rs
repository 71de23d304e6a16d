//! A request as the checks read it: one flat list of tokens and one text buffer, written by
//! serializing the request (a generated type or a JSON value) exactly as `serde_json` would
//! make it a JSON value, and read through [`Val`], [`Obj`] and [`Arr`] views.
//!
//! Why not `serde_json::Value`: a value tree is an allocation per object, key and string, all
//! made and freed on every call, and its keys are scattered over the heap. A tape is two
//! buffers, reused by each thread (see [`with_tape`]): checking a request allocates nothing.

use serde::ser::{self, Serialize};
use std::cell::RefCell;
use std::fmt::{self, Display, Write as _};

/// One token. A container holds the index just past its last token, so that a reader can step
/// over it; an object's entries are a [`Tok::Key`] followed by the value's tokens.
#[derive(Clone, Copy, Debug)]
enum Tok {
    Null,
    Bool(bool),
    Int(i64),
    /// A non-negative integer above `i64::MAX`.
    UInt(u64),
    Float(f64),
    /// A range of [`Tape::text`].
    Str(u32, u32),
    Key(u32, u32),
    Obj(u32),
    Arr(u32),
}

/// A serialized request.
#[derive(Default)]
pub(crate) struct Tape {
    toks: Vec<Tok>,
    text: String,
}

/// The largest tape a thread keeps for its next request (a bulk request may be much larger).
const KEPT_BYTES: usize = 64 * 1024;

/// Runs `f` with this thread's tape, emptied.
pub(crate) fn with_tape<R>(f: impl FnOnce(&mut Tape) -> R) -> R {
    thread_local! {
        static TAPE: RefCell<Tape> = RefCell::default();
    }
    let mut tape = TAPE.with(|t| t.take());
    tape.toks.clear();
    tape.text.clear();
    let out = f(&mut tape);
    let size = tape.toks.capacity() * std::mem::size_of::<Tok>() + tape.text.capacity();
    if size <= KEPT_BYTES {
        TAPE.with(|t| t.replace(tape));
    }
    out
}

impl Tape {
    /// Serializes `value` into this (empty) tape.
    pub(crate) fn write<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), String> {
        value.serialize(&mut Writer { tape: self }).map_err(|e| e.0)
    }

    /// The value written.
    pub(crate) fn root(&self) -> Val<'_> {
        Val { tape: self, at: 0 }
    }

    fn offset(&self) -> Result<u32, Failure> {
        u32::try_from(self.text.len()).map_err(|_| Failure("the request is over 4 GiB".into()))
    }

    fn push_str(&mut self, s: &str, key: bool) -> Result<(), Failure> {
        let start = self.offset()?;
        self.text.push_str(s);
        let end = self.offset()?;
        self.toks.push(if key { Tok::Key(start, end) } else { Tok::Str(start, end) });
        Ok(())
    }

    fn str_at(&self, start: u32, end: u32) -> &str {
        self.text.get(start as usize..end as usize).unwrap_or_default()
    }
}

/// A value on a tape.
#[derive(Clone, Copy)]
pub(crate) struct Val<'t> {
    tape: &'t Tape,
    at: usize,
}

impl<'t> Val<'t> {
    fn tok(self) -> Tok {
        self.tape.toks.get(self.at).copied().unwrap_or(Tok::Null)
    }

    /// The index just past this value.
    fn end(self) -> usize {
        match self.tok() {
            Tok::Obj(end) | Tok::Arr(end) => end as usize,
            _ => self.at + 1,
        }
    }

    pub(crate) fn is_null(self) -> bool {
        matches!(self.tok(), Tok::Null)
    }

    pub(crate) fn is_string(self) -> bool {
        matches!(self.tok(), Tok::Str(..))
    }

    pub(crate) fn is_number(self) -> bool {
        matches!(self.tok(), Tok::Int(_) | Tok::UInt(_) | Tok::Float(_))
    }

    pub(crate) fn is_boolean(self) -> bool {
        matches!(self.tok(), Tok::Bool(_))
    }

    pub(crate) fn is_i64(self) -> bool {
        self.as_i64().is_some()
    }

    pub(crate) fn as_str(self) -> Option<&'t str> {
        match self.tok() {
            Tok::Str(start, end) => Some(self.tape.str_at(start, end)),
            _ => None,
        }
    }

    pub(crate) fn as_i64(self) -> Option<i64> {
        match self.tok() {
            Tok::Int(n) => Some(n),
            _ => None,
        }
    }

    pub(crate) fn as_f64(self) -> Option<f64> {
        match self.tok() {
            Tok::Int(n) => Some(n as f64),
            Tok::UInt(n) => Some(n as f64),
            Tok::Float(n) => Some(n),
            _ => None,
        }
    }

    pub(crate) fn as_object(self) -> Option<Obj<'t>> {
        matches!(self.tok(), Tok::Obj(_)).then_some(Obj(self))
    }

    pub(crate) fn as_array(self) -> Option<Arr<'t>> {
        matches!(self.tok(), Tok::Arr(_)).then_some(Arr(self))
    }

    /// The value as `serde_json` holds it (for a message: this allocates).
    pub(crate) fn to_value(self) -> serde_json::Value {
        use serde_json::Value;
        match self.tok() {
            Tok::Null | Tok::Key(..) => Value::Null,
            Tok::Bool(b) => Value::Bool(b),
            Tok::Int(n) => n.into(),
            Tok::UInt(n) => n.into(),
            Tok::Float(n) => n.into(),
            Tok::Str(start, end) => self.tape.str_at(start, end).into(),
            Tok::Obj(_) => {
                Value::Object(Obj(self).iter().map(|(k, v)| (k.to_owned(), v.to_value())).collect())
            }
            Tok::Arr(_) => Value::Array(Arr(self).iter().map(Val::to_value).collect()),
        }
    }
}

/// As JSON, the way `serde_json::Value` displays.
impl Display for Val<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_value().fmt(f)
    }
}

/// An object on a tape.
#[derive(Clone, Copy)]
pub(crate) struct Obj<'t>(Val<'t>);

impl<'t> Obj<'t> {
    /// Its entries, in the order they were written.
    pub(crate) fn iter(self) -> impl Iterator<Item = (&'t str, Val<'t>)> {
        let (tape, end) = (self.0.tape, self.0.end());
        let mut at = self.0.at + 1;
        std::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let Tok::Key(start, stop) = tape.toks.get(at).copied()? else { return None };
            let value = Val { tape, at: at + 1 };
            at = value.end();
            Some((tape.str_at(start, stop), value))
        })
    }

    /// The field `key`.
    pub(crate) fn field(self, key: &str) -> Option<Val<'t>> {
        self.iter().find_map(|(k, v)| (k == key).then_some(v))
    }

    /// Whether the field `key` is there.
    pub(crate) fn has(self, key: &str) -> bool {
        self.field(key).is_some()
    }

    /// Its keys.
    pub(crate) fn keys(self) -> impl Iterator<Item = &'t str> {
        self.iter().map(|(k, _)| k)
    }
}

/// An array on a tape.
#[derive(Clone, Copy)]
pub(crate) struct Arr<'t>(Val<'t>);

impl<'t> Arr<'t> {
    /// Its items.
    pub(crate) fn iter(self) -> impl Iterator<Item = Val<'t>> {
        let (tape, end) = (self.0.tape, self.0.end());
        let mut at = self.0.at + 1;
        std::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let value = Val { tape, at };
            at = value.end();
            Some(value)
        })
    }

    pub(crate) fn len(self) -> usize {
        self.iter().count()
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0.end() == self.0.at + 1
    }
}

/// Why a value could not be written (as `serde_json::to_value` would refuse it).
#[derive(Debug)]
struct Failure(String);

impl Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

impl ser::Error for Failure {
    fn custom<T: Display>(msg: T) -> Self {
        Failure(msg.to_string())
    }
}

/// The integer methods of a serializer, each as `$body` with the serializer as `$w` and the
/// value as `$v`.
macro_rules! each_int {
    (|$w:ident, $v:ident| $body:expr) => {
        each_int!(@ $w $v $body; serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
            serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
            serialize_u64: u64);
    };
    (@ $w:ident $v:ident $body:expr; $($method:ident: $ty:ty),*) => {
        $(fn $method(self, $v: $ty) -> Result<(), Failure> {
            let $w = self;
            $body
        })*
    };
}

/// Methods of the key serializer for values no JSON key can be.
macro_rules! refuse {
    ($($method:ident: $ty:ty),*) => {
        $(fn $method(self, _: $ty) -> Result<(), Failure> {
            Err(key_must_be_a_string())
        })*
    };
}

/// The serializer: each call writes the tokens `serde_json::value::Serializer` would make a
/// value of.
struct Writer<'a> {
    tape: &'a mut Tape,
}

/// An open container: the index of its token, patched with its end when it closes.
struct Open<'a, 'b> {
    writer: &'b mut Writer<'a>,
    at: usize,
    /// A struct or tuple variant: the `{variant: …}` object around it, to close too.
    outer: Option<usize>,
}

impl<'a> Writer<'a> {
    fn open(&mut self, tok: Tok) -> usize {
        self.tape.toks.push(tok);
        self.tape.toks.len() - 1
    }

    fn close(&mut self, at: usize) -> Result<(), Failure> {
        let end = u32::try_from(self.tape.toks.len())
            .map_err(|_| Failure("the request has too many values".into()))?;
        if let Some(tok @ (Tok::Obj(_) | Tok::Arr(_))) = self.tape.toks.get_mut(at) {
            *tok = if matches!(tok, Tok::Obj(_)) { Tok::Obj(end) } else { Tok::Arr(end) };
        }
        Ok(())
    }

    /// `{variant: …}`: opens the object and writes the key.
    fn variant(&mut self, variant: &str) -> Result<usize, Failure> {
        let at = self.open(Tok::Obj(0));
        self.tape.push_str(variant, true)?;
        Ok(at)
    }

    fn int(&mut self, n: i128) -> Result<(), Failure> {
        let tok = match (i64::try_from(n), u64::try_from(n)) {
            (Ok(n), _) => Tok::Int(n),
            (_, Ok(n)) => Tok::UInt(n),
            _ => return Err(Failure("number out of range".into())),
        };
        self.tape.toks.push(tok);
        Ok(())
    }
}

impl<'a, 'b> ser::Serializer for &'b mut Writer<'a> {
    type Ok = ();
    type Error = Failure;
    type SerializeSeq = Open<'a, 'b>;
    type SerializeTuple = Open<'a, 'b>;
    type SerializeTupleStruct = Open<'a, 'b>;
    type SerializeTupleVariant = Open<'a, 'b>;
    type SerializeMap = Open<'a, 'b>;
    type SerializeStruct = Open<'a, 'b>;
    type SerializeStructVariant = Open<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<(), Failure> {
        self.tape.toks.push(Tok::Bool(v));
        Ok(())
    }
    each_int!(|w, v| w.int(v.into()));
    fn serialize_i128(self, v: i128) -> Result<(), Failure> {
        self.int(v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Failure> {
        self.int(i128::try_from(v).map_err(|_| Failure("number out of range".into()))?)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Failure> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Failure> {
        // As serde_json: a number JSON cannot write (NaN, infinity) becomes `null`.
        self.tape.toks.push(if v.is_finite() { Tok::Float(v) } else { Tok::Null });
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Failure> {
        self.tape.push_str(v.encode_utf8(&mut [0; 4]), false)
    }
    fn serialize_str(self, v: &str) -> Result<(), Failure> {
        self.tape.push_str(v, false)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Failure> {
        let at = self.open(Tok::Arr(0));
        for &b in v {
            self.tape.toks.push(Tok::Int(b.into()));
        }
        self.close(at)
    }
    fn serialize_none(self) -> Result<(), Failure> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Failure> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Failure> {
        self.tape.toks.push(Tok::Null);
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Failure> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Failure> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Failure> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Failure> {
        let at = self.variant(variant)?;
        value.serialize(&mut *self)?;
        self.close(at)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Open<'a, 'b>, Failure> {
        let at = self.open(Tok::Arr(0));
        Ok(Open { writer: self, at, outer: None })
    }
    fn serialize_tuple(self, len: usize) -> Result<Open<'a, 'b>, Failure> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Open<'a, 'b>, Failure> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Open<'a, 'b>, Failure> {
        let outer = Some(self.variant(variant)?);
        let at = self.open(Tok::Arr(0));
        Ok(Open { writer: self, at, outer })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Open<'a, 'b>, Failure> {
        let at = self.open(Tok::Obj(0));
        Ok(Open { writer: self, at, outer: None })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Open<'a, 'b>, Failure> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Open<'a, 'b>, Failure> {
        let outer = Some(self.variant(variant)?);
        let at = self.open(Tok::Obj(0));
        Ok(Open { writer: self, at, outer })
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), Failure> {
        // Written straight into the text buffer: a date-time is formatted without a String.
        let start = self.tape.offset()?;
        write!(self.tape.text, "{value}")
            .map_err(|_| Failure("a value failed to format".into()))?;
        let end = self.tape.offset()?;
        self.tape.toks.push(Tok::Str(start, end));
        Ok(())
    }
}

impl Open<'_, '_> {
    fn end(self) -> Result<(), Failure> {
        self.writer.close(self.at)?;
        match self.outer {
            Some(outer) => self.writer.close(outer),
            None => Ok(()),
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Failure> {
        value.serialize(&mut *self.writer)
    }

    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Failure> {
        self.writer.tape.push_str(key, true)?;
        value.serialize(&mut *self.writer)
    }
}

/// The compound serializers of arrays (and of a tuple variant's array).
macro_rules! elements {
    ($($name:ident :: $method:ident),*) => {$(
        impl ser::$name for Open<'_, '_> {
            type Ok = ();
            type Error = Failure;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Failure> {
                self.element(value)
            }
            fn end(self) -> Result<(), Failure> {
                Open::end(self)
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// The compound serializers of objects with field names (a struct, a struct variant's object).
macro_rules! entries {
    ($($name:ident),*) => {$(
        impl ser::$name for Open<'_, '_> {
            type Ok = ();
            type Error = Failure;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Failure> {
                self.entry(key, value)
            }
            fn end(self) -> Result<(), Failure> {
                Open::end(self)
            }
        }
    )*};
}

entries!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Open<'_, '_> {
    type Ok = ();
    type Error = Failure;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Failure> {
        key.serialize(KeyWriter { tape: &mut *self.writer.tape })
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Failure> {
        self.element(value)
    }
    fn end(self) -> Result<(), Failure> {
        Open::end(self)
    }
}

/// A map's key: a string, as serde_json accepts them (strings, characters, integers, booleans,
/// unit variants).
struct KeyWriter<'a> {
    tape: &'a mut Tape,
}

fn key_must_be_a_string() -> Failure {
    Failure("key must be a string".into())
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Failure;
    type SerializeSeq = ser::Impossible<(), Failure>;
    type SerializeTuple = ser::Impossible<(), Failure>;
    type SerializeTupleStruct = ser::Impossible<(), Failure>;
    type SerializeTupleVariant = ser::Impossible<(), Failure>;
    type SerializeMap = ser::Impossible<(), Failure>;
    type SerializeStruct = ser::Impossible<(), Failure>;
    type SerializeStructVariant = ser::Impossible<(), Failure>;

    fn serialize_bool(self, v: bool) -> Result<(), Failure> {
        self.tape.push_str(if v { "true" } else { "false" }, true)
    }
    each_int!(|w, v| w.collect_str(&v));
    refuse!(serialize_f32: f32, serialize_f64: f64, serialize_bytes: &[u8]);
    fn serialize_none(self) -> Result<(), Failure> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<(), Failure> {
        Err(key_must_be_a_string())
    }
    fn serialize_char(self, v: char) -> Result<(), Failure> {
        self.tape.push_str(v.encode_utf8(&mut [0; 4]), true)
    }
    fn serialize_str(self, v: &str) -> Result<(), Failure> {
        self.tape.push_str(v, true)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Failure> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Failure> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Failure> {
        self.tape.push_str(variant, true)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Failure> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Failure> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Failure> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Failure> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Failure> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Failure> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Failure> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Failure> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Failure> {
        Err(key_must_be_a_string())
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), Failure> {
        let start = self.tape.offset()?;
        write!(self.tape.text, "{value}").map_err(|_| Failure("a key failed to format".into()))?;
        let end = self.tape.offset()?;
        self.tape.toks.push(Tok::Key(start, end));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(value: &serde_json::Value) -> serde_json::Value {
        let mut tape = Tape::default();
        tape.write(value).unwrap();
        tape.root().to_value()
    }

    #[test]
    fn a_value_written_and_read_back_is_the_same_value() {
        for value in [
            json!(null),
            json!({}),
            json!([]),
            json!({"a": {"b": [1, -2, 18446744073709551615u64, 2.5, "x\"y", true, null, {}, []]}, "c": "é"}),
            json!([[[]], {"k": [{"l": 1}]}, ""]),
        ] {
            assert_eq!(round_trip(&value), value);
        }
    }

    #[test]
    fn a_typed_value_is_written_as_serde_json_makes_it_a_value() {
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(i8),
            Tuple(u8, char),
            Struct { f: f32 },
        }
        #[derive(serde::Serialize)]
        struct S {
            at: chrono::DateTime<chrono::Utc>,
            nan: f64,
            some: Option<u16>,
            none: Option<u16>,
            e: Vec<E>,
            bytes: serde_json::Value,
            map: std::collections::BTreeMap<i32, bool>,
            unit: (),
        }
        let s = S {
            at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            nan: f64::NAN,
            some: Some(3),
            none: None,
            e: vec![E::Unit, E::New(-1), E::Tuple(2, 'z'), E::Struct { f: 0.5 }],
            bytes: json!("b"),
            map: [(7, true)].into(),
            unit: (),
        };
        let mut tape = Tape::default();
        tape.write(&s).unwrap();
        assert_eq!(tape.root().to_value(), serde_json::to_value(&s).unwrap());
    }

    #[test]
    fn views_read_fields_items_and_scalars() {
        let mut tape = Tape::default();
        tape.write(&json!({"a": 1, "b": {"c": [1, 2]}, "d": "t", "e": 2.5, "f": null})).unwrap();
        let root = tape.root().as_object().unwrap();
        assert_eq!(root.keys().collect::<Vec<_>>(), ["a", "b", "d", "e", "f"]);
        assert_eq!(root.field("a").and_then(Val::as_i64), Some(1));
        assert!(
            root.field("b")
                .unwrap()
                .as_object()
                .unwrap()
                .field("c")
                .unwrap()
                .as_array()
                .unwrap()
                .len()
                == 2
        );
        assert_eq!(root.field("d").and_then(Val::as_str), Some("t"));
        assert_eq!(root.field("e").and_then(Val::as_f64), Some(2.5));
        assert!(root.field("f").unwrap().is_null() && !root.has("g"));
        assert_eq!(root.field("b").unwrap().to_string(), r#"{"c":[1,2]}"#);
        assert!(tape.root().as_array().is_none());
    }
}
