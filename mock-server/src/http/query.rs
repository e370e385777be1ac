//! The query parameters of list requests: `filter`, `startIndex`, `count`,
//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2).

use super::ScimRequest;
use crate::error::ScimError;

/// Paging and filtering of a list request, with Atlassian's rules applied:
/// `startIndex` is 1-based and values below 1 act as 1, `count` defaults to
/// the page cap and is capped by it, and a negative `count` acts as 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListQuery {
    pub start_index: usize,
    pub count: usize,
    pub filter: Option<String>,
}

impl ListQuery {
    /// Reads the parameters of `request`, capping `count` at `max_page_size`.
    pub fn parse(request: &ScimRequest, max_page_size: usize) -> Result<Self, ScimError> {
        let start_index = match request.param("startIndex") {
            Some(text) => parse_integer("startIndex", text)?.max(1),
            None => 1,
        };
        let count = match request.param("count") {
            Some(text) => parse_integer("count", text)?.max(0),
            None => max_page_size as i64,
        };
        Ok(ListQuery {
            start_index: usize::try_from(start_index).unwrap_or(usize::MAX),
            count: usize::try_from(count).unwrap_or(usize::MAX).min(max_page_size),
            filter: request.param("filter").map(str::to_owned),
        })
    }
}

/// Parses a decimal integer, saturating values too large for `i64` so that
/// `startIndex=99999999999999999999` means "past the end", not an error.
fn parse_integer(name: &str, text: &str) -> Result<i64, ScimError> {
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(ScimError::invalid_value(format!(
            "Query parameter '{name}' must be an integer, got \"{text}\": send a whole number such as {name}=1."
        )));
    }
    let magnitude = digits.parse::<i64>().unwrap_or(i64::MAX);
    Ok(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_parse() {
        assert_eq!(parse_integer("count", "10").unwrap(), 10);
        assert_eq!(parse_integer("count", "-3").unwrap(), -3);
        assert_eq!(parse_integer("count", " 7 ").unwrap(), 7);
    }

    #[test]
    fn huge_integer_saturates() {
        assert_eq!(parse_integer("startIndex", "99999999999999999999999").unwrap(), i64::MAX);
    }

    #[test]
    fn non_integers_rejected() {
        for text in ["", "abc", "1.5", "1e3", "0x10", "--1", "１"] {
            let error = parse_integer("count", text).unwrap_err();
            assert_eq!(error.status, 400, "{text}");
        }
    }
}
