//! Small checks shared by the builders; each names the field it checks.

use crate::Error;

/// `value` unchanged, or a validation error if it is empty or blank.
pub(crate) fn non_empty(field: &str, value: &str) -> Result<String, Error> {
    if value.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    Ok(value.to_owned())
}

/// An ID: Flxpoint IDs are positive.
pub(crate) fn id(field: &str, value: i64) -> Result<i64, Error> {
    if value <= 0 {
        return Err(Error::validation(field, format!("must be a positive ID, got {value}")));
    }
    Ok(value)
}

/// A count that must be at least 1.
pub(crate) fn positive(field: &str, value: i64) -> Result<i64, Error> {
    if value <= 0 {
        return Err(Error::validation(field, format!("must be at least 1, got {value}")));
    }
    Ok(value)
}
