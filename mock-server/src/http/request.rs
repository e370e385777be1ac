//! A request as the handlers see it: decoded path segments, query
//! parameters, headers and the whole body.

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, Method};
use serde_json::{Map, Value};

use crate::error::ScimError;

/// An HTTP request whose body has been read in full.
#[derive(Debug)]
pub(crate) struct ScimRequest {
    pub method: Method,
    /// The path, percent-decoded segment by segment, without empty segments,
    /// so `/Users/` and `/Users` route alike.
    pub segments: Vec<String>,
    /// Query parameters, decoded as `application/x-www-form-urlencoded`
    /// (so `+` is a space, as identity providers encode filters).
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Whether a body of a type other than JSON gets a 415.
    pub strict_content_type: bool,
}

impl ScimRequest {
    /// Splits a raw path and query into decoded parts.
    pub fn new(method: Method, path: &str, query: Option<&str>, headers: HeaderMap, body: Bytes, strict_content_type: bool) -> Self {
        let segments = path
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(|segment| {
                // A segment without `%` decodes to itself, so skipping the
                // decoder saves a UTF-8 validation pass per segment.
                if segment.contains('%') {
                    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
                } else {
                    segment.to_owned()
                }
            })
            .collect();
        let query = query.map(parse_query).unwrap_or_default();
        ScimRequest {
            method,
            segments,
            query,
            headers,
            body,
            strict_content_type,
        }
    }

    /// Returns the first value of a query parameter, matching its name
    /// case-insensitively.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Parses the body as a JSON object, after checking its content type.
    pub fn json_object(&self) -> Result<Map<String, Value>, ScimError> {
        match self.json_value()? {
            Value::Object(fields) => Ok(fields),
            other => Err(ScimError::invalid_syntax(format!(
                "The request body must be a JSON object, got {}. Send the resource as {{...}}.",
                json_kind(&other)
            ))),
        }
    }

    /// Parses the body as any JSON value, after checking its content type.
    pub fn json_value(&self) -> Result<Value, ScimError> {
        self.check_content_type()?;
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::invalid_syntax(
                "The request body is empty: send a JSON object with Content-Type: application/scim+json.",
            ));
        }
        serde_json::from_slice(&self.body).map_err(|error| {
            ScimError::invalid_syntax(format!(
                "The request body is not valid JSON: {error}. Check quoting and commas at that position."
            ))
        })
    }

    fn check_content_type(&self) -> Result<(), ScimError> {
        if !self.strict_content_type {
            return Ok(());
        }
        let content_type = self
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let media_type = content_type.split(';').next().unwrap_or_default().trim();
        let accepted = media_type.eq_ignore_ascii_case("application/json")
            || media_type.eq_ignore_ascii_case("application/scim+json");
        if accepted {
            return Ok(());
        }
        let shown = if content_type.is_empty() { "none" } else { content_type };
        Err(ScimError::new(
            http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
            format!(
                "Unsupported Content-Type '{shown}': send the body as application/scim+json or application/json."
            ),
        ))
    }
}

/// Splits a query string into decoded `(name, value)` pairs, exactly as
/// `form_urlencoded::parse` does (a test compares the two).
///
/// Written out because `form_urlencoded` decodes in several passes with a
/// push per byte, which was a tenth of the instructions of a filter request.
fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_form_component(name), decode_form_component(value))
        })
        .collect()
}

/// Decodes `+` to a space and `%XX` to its byte, keeping a `%` that starts
/// no valid escape, then reads the bytes as UTF-8 with invalid sequences
/// replaced.
fn decode_form_component(text: &str) -> String {
    let bytes = text.as_bytes();
    if !bytes.iter().any(|byte| matches!(byte, b'%' | b'+')) {
        return text.to_owned();
    }

    let mut decoded = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(position) = rest.iter().position(|byte| matches!(byte, b'%' | b'+')) {
        decoded.extend_from_slice(&rest[..position]);
        let escaped = match rest[position..] {
            [b'%', high, low, ..] => hex_value(high).zip(hex_value(low)),
            _ => None,
        };
        match (rest[position], escaped) {
            (_, Some((high, low))) => {
                decoded.push(high << 4 | low);
                rest = &rest[position + 3..];
            }
            (b'+', None) => {
                decoded.push(b' ');
                rest = &rest[position + 1..];
            }
            (other, None) => {
                decoded.push(other);
                rest = &rest[position + 1..];
            }
        }
    }
    decoded.extend_from_slice(rest);
    match String::from_utf8(decoded) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    fn reference(query: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    #[test]
    fn query_cases_match_form_urlencoded() {
        let cases = [
            "",
            "&&",
            "filter=userName%20eq%20%22ada%40example.com%22",
            "filter=userName+eq+%22a%2Bb%22&count=10",
            "a=%zz&b=%4&c=%&d=%%41&e=%4a%4A",
            "novalue&=empty-name&x==y",
            "utf8=%C3%A9%E2%82%AC&bad=%C3%28&cut=%E2%82",
            "plain=caf\u{e9}&space=a%20b+c",
        ];
        for query in cases {
            assert_eq!(parse_query(query), reference(query), "{query:?}");
        }
    }

    #[test]
    fn random_queries_match_form_urlencoded() {
        const ALPHABET: &[u8] = b"%+&=aAzZ09fF\xc3\xa9 ";
        let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..20_000 {
            let length = random.gen_range(0..24);
            let bytes: Vec<u8> = (0..length).map(|_| ALPHABET[random.gen_range(0..ALPHABET.len())]).collect();
            let query = String::from_utf8_lossy(&bytes).into_owned();
            assert_eq!(parse_query(&query), reference(&query), "{query:?}");
        }
    }
}
