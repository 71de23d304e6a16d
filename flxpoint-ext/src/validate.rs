//! Small checks shared by the builders; each names the field it checks.

use crate::Error;
use std::fmt::Display;

// The checks take the field's name as `impl Display` and format it only to report a failure:
// a request's checks run on every call, and nearly all of them pass.

/// The longest query value sent (in UTF-8 bytes). Percent-encoding at most triples it, which
/// keeps the URL far below the 8 KiB many servers and proxies accept (and `http`'s 64 KiB
/// hard limit, past which a request cannot even be built).
pub(crate) const MAX_QUERY_VALUE_BYTES: usize = 2048;

/// Characters that show nothing: whitespace, control characters (NUL included) and the
/// invisible format characters (zero-width spaces and joiners, direction marks, BOM, soft
/// hyphen). A value made only of them is empty to a reader.
pub(crate) fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

/// Free text (a note, an error message): `value` unchanged, or an error if nothing in it is
/// visible.
pub(crate) fn non_empty(field: impl Display, value: &str) -> Result<&str, Error> {
    if value.chars().all(is_invisible) {
        return Err(Error::validation(
            field.to_string(),
            "must not be empty (or only invisible characters)",
        ));
    }
    Ok(value)
}

/// An identifier (tracking number, SKU, purchase-order number, custom-field name): visible,
/// and without control characters, which no identifier holds and which break CSV exports,
/// logs and URLs on the way.
pub(crate) fn identifier(field: impl Display, value: &str) -> Result<&str, Error> {
    let value = non_empty(&field, value)?;
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(Error::validation(
            field.to_string(),
            format!("must not contain control characters (found U+{:04X})", u32::from(c)),
        ));
    }
    Ok(value)
}

/// A query parameter's value: an identifier of at most [`MAX_QUERY_VALUE_BYTES`].
pub(crate) fn query_value(field: impl Display, value: &str) -> Result<&str, Error> {
    let value = identifier(&field, value)?;
    if value.len() > MAX_QUERY_VALUE_BYTES {
        return Err(Error::validation(
            field.to_string(),
            format!(
                "is {} bytes long; at most {MAX_QUERY_VALUE_BYTES} bytes (UTF-8) fit in a URL",
                value.len()
            ),
        ));
    }
    Ok(value)
}

/// An ID: Flxpoint IDs are positive.
pub(crate) fn id(field: impl Display, value: i64) -> Result<i64, Error> {
    if value <= 0 {
        return Err(Error::validation(
            field.to_string(),
            format!("must be a positive ID, got {value}"),
        ));
    }
    Ok(value)
}

/// A count that must be at least 1.
pub(crate) fn positive(field: impl Display, value: i64) -> Result<i64, Error> {
    if value <= 0 {
        return Err(Error::validation(
            field.to_string(),
            format!("must be at least 1, got {value}"),
        ));
    }
    Ok(value)
}

/// IDs that a list may name once each (a body's items, the shipments flagged). Interior
/// mutability: the schema walk hands each object to the rules by shared reference.
#[derive(Default)]
pub(crate) struct Once(std::cell::RefCell<std::collections::HashSet<i64>>);

impl Once {
    /// `id` at `field`, refused if the list named it before (`what`: "item", "shipment").
    pub(crate) fn check(&self, field: impl Display, what: &str, id: i64) -> Result<(), Error> {
        if !self.0.borrow_mut().insert(id) {
            return Err(Error::validation(
                field.to_string(),
                format!("{what} {id} is listed twice"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_only_is_empty_and_visible_text_is_kept() {
        for blank in ["", " ", "\t\n", "\0", "\u{200B}", " \u{FEFF}\u{2060} ", "\u{00AD}"] {
            assert!(non_empty("f", blank).is_err(), "{blank:?}");
        }
        assert_eq!(non_empty("f", " a\n").unwrap(), " a\n");
        assert!(identifier("f", "a\tb").is_err());
        assert_eq!(identifier("f", "1Z 99").unwrap(), "1Z 99");
        assert!(query_value("f", &"é".repeat(1024)).is_ok());
        assert!(query_value("f", &"é".repeat(1025)).is_err());
    }
}
