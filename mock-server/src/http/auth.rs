//! Bearer-token checks.
//!
//! A missing or malformed `Authorization` header is a 401; a well-formed
//! key that does not open the requested directory or organisation is a
//! 403, which is how identity providers see a wrong SCIM key at Atlassian.

use http::header::AUTHORIZATION;
use http::HeaderMap;

use crate::error::AuthError;

/// Returns the bearer token of the request, or the 401 to send.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Err(AuthError::unauthorized(
            "Missing Authorization header: send 'Authorization: Bearer <API key>'.",
        ));
    };
    let Ok(text) = value.to_str() else {
        return Err(AuthError::unauthorized(
            "Malformed Authorization header: it must be 'Bearer <API key>' in ASCII.",
        ));
    };
    let Some((scheme, token)) = text.trim().split_once(' ') else {
        return Err(AuthError::unauthorized(
            "Malformed Authorization header: it must be 'Bearer <API key>'.",
        ));
    };
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(AuthError::unauthorized(format!(
            "Unsupported Authorization scheme '{scheme}': send 'Authorization: Bearer <API key>'."
        )));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn bearer_accepted_any_case() {
        assert_eq!(bearer_token(&headers("bearer abc")).unwrap(), "abc");
        assert_eq!(bearer_token(&headers("Bearer  abc ")).unwrap(), "abc");
    }

    #[test]
    fn missing_header_is_401() {
        assert_eq!(bearer_token(&HeaderMap::new()).unwrap_err().status, 401);
    }

    #[test]
    fn basic_scheme_is_401() {
        assert_eq!(bearer_token(&headers("Basic dXNlcjpwYXNz")).unwrap_err().status, 401);
    }

    #[test]
    fn empty_token_is_401() {
        assert_eq!(bearer_token(&headers("Bearer ")).unwrap_err().status, 401);
    }
}
