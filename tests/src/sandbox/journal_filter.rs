//! The filters of `GET /_sandbox/requests`: `path`, `status`, `since`, `limit`.

use super::error::ApiError;
use super::journal::Entry;

/// Which journal entries to list; the default lists all.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Filter {
    /// Only paths starting with this.
    path: Option<String>,
    /// Only this status (`409`) or status class (`4xx`).
    status: Option<StatusFilter>,
    /// Only entries with a greater id (a request id, not a time).
    since: Option<u64>,
    /// At most this many: the newest of the matching entries.
    // Decision: the newest N (what "what just happened" asks); a poller passes `since` instead.
    pub(crate) limit: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum StatusFilter {
    Exact(u16),
    /// The hundreds digit: 4 for `4xx`.
    Class(u16),
}

impl Filter {
    /// Parses the query pairs; an unknown name or a bad value is a 400 naming it.
    pub(crate) fn parse(pairs: &[(String, String)]) -> Result<Filter, ApiError> {
        let mut filter = Filter::default();
        for (name, value) in pairs {
            match name.as_str() {
                "path" => filter.path = Some(value.clone()),
                "status" => filter.status = Some(status(value)?),
                "since" => filter.since = Some(since(value)?),
                "limit" => filter.limit = Some(number(name, value)?),
                other => {
                    return Err(ApiError::bad_request(format!(
                        "unknown filter {other:?} (known: path, status, since, limit)"
                    )));
                }
            }
        }
        Ok(filter)
    }

    /// Whether `entry` passes every filter given (a request without an answer has no status).
    pub(crate) fn matches(&self, entry: &Entry) -> bool {
        self.path.as_deref().is_none_or(|prefix| entry.path.starts_with(prefix))
            && self.since.is_none_or(|since| entry.id > since)
            && self.status.is_none_or(|wanted| match (wanted, entry.status) {
                (StatusFilter::Exact(code), Some(status)) => status == code,
                (StatusFilter::Class(class), Some(status)) => status / 100 == class,
                (_, None) => false,
            })
    }
}

fn status(value: &str) -> Result<StatusFilter, ApiError> {
    let bad = || {
        ApiError::bad_request(format!(
            "filter status must be a status code (409) or class (4xx), got {value:?}"
        ))
    };
    let lower = value.to_ascii_lowercase();
    if let Some(digit) = lower.strip_suffix("xx") {
        return match digit.parse::<u16>() {
            Ok(class @ 1..=5) if digit.len() == 1 => Ok(StatusFilter::Class(class)),
            _ => Err(bad()),
        };
    }
    match value.parse::<u16>() {
        Ok(code @ 100..=599) if value.len() == 3 => Ok(StatusFilter::Exact(code)),
        _ => Err(bad()),
    }
}

/// `since` is a request id (the `id` of the last entry seen), never a time.
fn since(value: &str) -> Result<u64, ApiError> {
    value.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "filter since must be a request id (a non-negative integer: the id of the last \
             request seen), got {value:?}"
        ))
    })
}

fn number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T, ApiError> {
    value.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "filter {name} must be a non-negative integer, got {value:?}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &[(&str, &str)]) -> Result<Filter, ApiError> {
        let pairs: Vec<(String, String)> =
            query.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        Filter::parse(&pairs)
    }

    #[test]
    fn statuses_and_classes() {
        assert_eq!(parse(&[("status", "409")]).unwrap().status, Some(StatusFilter::Exact(409)));
        assert_eq!(parse(&[("status", "4xx")]).unwrap().status, Some(StatusFilter::Class(4)));
        assert_eq!(parse(&[("status", "5XX")]).unwrap().status, Some(StatusFilter::Class(5)));
        for bad in ["", "4", "40x", "6xx", "44xx", "0409", "abc", "1000", "-1"] {
            assert!(parse(&[("status", bad)]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn numbers_and_names_are_checked() {
        assert_eq!(parse(&[("since", "7"), ("limit", "2")]).unwrap().since, Some(7));
        assert!(parse(&[("since", "-1")]).is_err());
        assert!(parse(&[("limit", "many")]).is_err());
        assert!(parse(&[("method", "POST")]).is_err());
    }
}
