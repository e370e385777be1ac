//! Character-level scanning for the filter parser: whitespace, words, JSON
//! strings and JSON numbers.
//!
//! The cursor keeps a byte offset that always sits on a character boundary,
//! because it only ever advances by whole characters. Errors convert that
//! offset to a character count.

use super::FilterError;

/// The maximum number of characters of offending text quoted in an error.
const MAX_FOUND_CHARS: usize = 40;

/// Returns whether `c` can appear in an attribute path, a keyword or a URN.
pub(super) fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.' | '$')
}

/// A position in the input being parsed.
#[derive(Debug)]
pub(super) struct Cursor<'a> {
    input: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(input: &'a str) -> Self {
        Cursor { input, pos: 0 }
    }

    /// Returns the byte offset of the next character.
    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves back to an offset returned earlier by [`Cursor::pos`].
    pub(super) fn reset(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    pub(super) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    /// Skips spaces, tabs and line breaks, and returns whether there were any.
    pub(super) fn skip_whitespace(&mut self) -> bool {
        let start = self.pos;
        while matches!(self.peek(), Some(' ' | '\t' | '\r' | '\n')) {
            self.pos += 1;
        }
        self.pos > start
    }

    /// Returns the run of word characters at the cursor without consuming it.
    pub(super) fn peek_word(&self) -> &'a str {
        let rest = &self.input[self.pos..];
        let end = rest
            .char_indices()
            .find(|(_, c)| !is_word_char(*c))
            .map_or(rest.len(), |(index, _)| index);
        &rest[..end]
    }

    /// Consumes and returns the run of word characters at the cursor.
    pub(super) fn take_word(&mut self) -> &'a str {
        let word = self.peek_word();
        self.pos += word.len();
        word
    }

    /// Builds an error at byte offset `at` that quotes the text found there.
    pub(super) fn error(&self, at: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            position: self.char_position(at),
            message: message.into(),
            found: Some(self.text_at(at)),
        }
    }

    /// Builds an error at byte offset `at` that quotes only the character
    /// there, for errors inside a string.
    fn error_at_char(&self, at: usize, message: impl Into<String>) -> FilterError {
        let found = self.input[at..].chars().next().map_or_else(String::new, String::from);
        FilterError {
            position: self.char_position(at),
            message: message.into(),
            found: Some(found),
        }
    }

    /// Builds an error at byte offset `at` whose message already names the
    /// offending text.
    pub(super) fn error_without_found(&self, at: usize, message: impl Into<String>) -> FilterError {
        FilterError {
            position: self.char_position(at),
            message: message.into(),
            found: None,
        }
    }

    /// Converts byte offset `at` to a character count.
    pub(super) fn char_position(&self, at: usize) -> usize {
        self.input[..at].chars().count()
    }

    /// Returns the token at byte offset `at`, shortened, for the `found` part
    /// of an error.
    fn text_at(&self, at: usize) -> String {
        let rest = &self.input[at..];
        let Some(first) = rest.chars().next() else {
            return String::new();
        };

        let token: &str = if is_word_char(first) {
            let end = rest
                .char_indices()
                .find(|(_, c)| !is_word_char(*c))
                .map_or(rest.len(), |(index, _)| index);
            &rest[..end]
        } else if first == '"' {
            // Quote the string up to its closing quote, or all that is left.
            let end = rest[1..].find('"').map_or(rest.len(), |index| index + 2);
            &rest[..end]
        } else {
            &rest[..first.len_utf8()]
        };

        token.chars().take(MAX_FOUND_CHARS).collect()
    }

    /// Scans a JSON string at the cursor, which must be on its opening quote,
    /// and returns its decoded text.
    pub(super) fn scan_string(&mut self) -> Result<String, FilterError> {
        let open = self.pos;
        self.bump();
        let mut text = String::new();

        loop {
            let at = self.pos;
            match self.bump() {
                None => {
                    // Point at the opening quote, because the end of the input
                    // does not show which string is open.
                    return Err(FilterError {
                        position: self.char_position(open),
                        message: "expected a closing double quote (\") for the string that opens".into(),
                        found: Some(String::new()),
                    });
                }
                Some('"') => return Ok(text),
                Some('\\') => text.push(self.scan_escape(at)?),
                Some(c) if c < ' ' => {
                    return Err(self.error_without_found(
                        at,
                        format!(
                            "control character U+{:04X} must be escaped in a string (write \\u{:04X})",
                            u32::from(c),
                            u32::from(c)
                        ),
                    ))
                }
                Some(c) => text.push(c),
            }
        }
    }

    /// Decodes the escape sequence after the backslash at byte offset `backslash`.
    fn scan_escape(&mut self, backslash: usize) -> Result<char, FilterError> {
        let at = self.pos;
        let decoded = match self.bump() {
            Some('"') => '"',
            Some('\\') => '\\',
            Some('/') => '/',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => return self.scan_unicode_escape(backslash),
            _ => return Err(self.error_at_char(
                at,
                "expected an escape sequence (\\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX) after the backslash",
            )),
        };
        Ok(decoded)
    }

    /// Decodes `\uXXXX`, or a surrogate pair `\uD83D\uDE00`, after its `\u`.
    fn scan_unicode_escape(&mut self, backslash: usize) -> Result<char, FilterError> {
        let unit = self.scan_hex4()?;

        if (0xDC00..=0xDFFF).contains(&unit) {
            return Err(self.error_without_found(
                backslash,
                format!(
                    "invalid escape \\u{unit:04X}: a low surrogate must follow a high surrogate (\\uD800 to \\uDBFF)"
                ),
            ));
        }

        let code = if (0xD800..=0xDBFF).contains(&unit) {
            let low_at = self.pos;
            if !self.input[self.pos..].starts_with("\\u") {
                return Err(self.error(
                    low_at,
                    format!(
                        "expected a low surrogate escape (\\uDC00 to \\uDFFF) after the high surrogate \\u{unit:04X}"
                    ),
                ));
            }
            self.pos += 2;

            let low = self.scan_hex4()?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                return Err(self.error(
                    low_at,
                    format!(
                        "expected a low surrogate escape (\\uDC00 to \\uDFFF) after the high surrogate \\u{unit:04X}"
                    ),
                ));
            }
            0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
        } else {
            unit
        };

        // Surrogates were handled above, so every remaining code is a scalar value.
        char::from_u32(code).ok_or_else(|| {
            self.error_without_found(backslash, format!("invalid escape: U+{code:04X} is not a character"))
        })
    }

    /// Reads the four hexadecimal digits of a `\u` escape.
    fn scan_hex4(&mut self) -> Result<u32, FilterError> {
        let start = self.pos;
        let mut unit = 0;

        for _ in 0..4 {
            let digit = self.peek().and_then(|c| c.to_digit(16));
            let Some(digit) = digit else {
                return Err(self.error(start, "expected four hexadecimal digits after \\u"));
            };
            self.pos += 1;
            unit = unit * 16 + digit;
        }
        Ok(unit)
    }

    /// Scans a JSON number at the cursor, which must be on a digit or `-`.
    pub(super) fn scan_number(&mut self) -> Result<serde_json::Number, FilterError> {
        let start = self.pos;

        // Take every character that could belong to the token, so that `12abc`
        // is reported whole instead of as `12` followed by junk.
        while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
            self.pos += 1;
        }
        let token = &self.input[start..self.pos];

        if !is_json_number(token) {
            return Err(self.error(start, "expected a JSON number such as 42, -1.5 or 1e3"));
        }
        token
            .parse::<serde_json::Number>()
            .map_err(|_| self.error(start, "expected a number within the range of a 64-bit float"))
    }
}

/// Checks the JSON number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_json_number(token: &str) -> bool {
    let bytes = token.as_bytes();
    let mut i = 0;

    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }

    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while matches!(bytes.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        _ => return false,
    }

    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let digits_start = i;
        while matches!(bytes.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == digits_start {
            return false;
        }
    }

    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let digits_start = i;
        while matches!(bytes.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == digits_start {
            return false;
        }
    }

    i == bytes.len()
}
