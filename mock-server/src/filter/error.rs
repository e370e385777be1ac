//! The error a malformed filter or PATCH path produces.

use std::fmt;

/// A syntax error in a filter or PATCH path, with the character it was found at.
///
/// `Display` renders a sentence such as
/// `expected a comparison operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr) at character 9, found "equals"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    /// Zero-based offset in characters (not bytes) from the start of the input.
    pub position: usize,
    /// The problem, such as `expected a value after "eq"`, without the position.
    pub message: String,
    /// The text at `position`: `Some("")` at the end of the input, and `None`
    /// when the message already shows the offending text.
    pub found: Option<String>,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at character {}", self.message, self.position)?;

        match self.found.as_deref() {
            None => Ok(()),
            Some("") => f.write_str(", found the end of the input"),
            Some(text) => write!(f, ", found {text:?}"),
        }
    }
}

impl std::error::Error for FilterError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_found_text() {
        let error = FilterError {
            position: 9,
            message: "expected a comparison operator".into(),
            found: Some("equals".into()),
        };
        assert_eq!(
            error.to_string(),
            r#"expected a comparison operator at character 9, found "equals""#
        );
    }

    #[test]
    fn display_at_end_of_input() {
        let error = FilterError {
            position: 3,
            message: "expected a value".into(),
            found: Some(String::new()),
        };
        assert_eq!(
            error.to_string(),
            "expected a value at character 3, found the end of the input"
        );
    }

    #[test]
    fn display_without_found() {
        let error = FilterError {
            position: 0,
            message: "filter nests too deeply".into(),
            found: None,
        };
        assert_eq!(error.to_string(), "filter nests too deeply at character 0");
    }

    #[test]
    fn display_escapes_quotes() {
        let error = FilterError {
            position: 1,
            message: "expected a value".into(),
            found: Some("\"é".into()),
        };
        assert_eq!(error.to_string(), "expected a value at character 1, found \"\\\"é\"");
    }
}
