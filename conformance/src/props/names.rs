//! Abstract names and their concrete rendering.
//!
//! Transitions carry short "stems" drawn from small alphabets, so that two
//! generated names often collide (exactly or in another letter case). The
//! executor turns a stem into a concrete value by adding the per-run prefix
//! and, for emails, the verified domain. The prefix is lowercase ASCII, so
//! two rendered names are equal case-insensitively exactly when their stems
//! are. The model therefore reasons on stems alone.

use std::fmt;

/// `userName` stems. Pairs that differ only in case (including the non-ASCII
/// `é`/`É`) exercise case-insensitive uniqueness, and `a"b\c` checks that the
/// server decodes escaped quotes and backslashes in filter values.
pub const USER_STEMS: &[&str] = &[
    "ann",
    "Ann",
    "ANN",
    "bob",
    "Bob",
    "é",
    "É",
    "a\"b\\c",
    "A\"B\\C",
    "o'neil (x)",
];

/// Local-part stems of primary emails, independent of `userName` so that
/// email uniqueness is exercised on its own.
pub const EMAIL_STEMS: &[&str] = &["ann", "Ann", "bob", "BOB", "cy"];

/// `externalId` stems. `externalId` is case-exact, so `e1` and `E1` differ.
pub const EXTERNAL_ID_STEMS: &[&str] = &["e1", "E1", "e2"];

/// Group `displayName` stems.
pub const GROUP_STEMS: &[&str] = &["eng", "Eng", "ENG", "ops", "é-team", "É-TEAM", "q\"t\\s"];

/// Values for free-text attributes (`name.givenName`, `displayName`,
/// the enterprise `department`), which have no uniqueness rule.
pub const TEXT_VALUES: &[&str] = &["Ann", "Zoë", "O'Brien", "R&D"];

/// Path segments that are not UUIDs, used as resource ids that must not
/// exist. They are percent-encoded when sent, and none of them can resolve
/// to another endpoint.
pub const NON_UUID_IDS: &[&str] = &["not-a-uuid", "12345", "é", "00000000-0000-0000-0000"];

/// Stem used by the deliberately invalid creates. No other transition uses
/// it, so an invalid create can never also be a uniqueness conflict.
pub const PROBE_STEM: &str = "invalid-probe";

/// Domain that is never verified, for the "unverified email domain" check.
pub const UNVERIFIED_DOMAIN: &str = "unverified.invalid";

/// Folds a name for the case-insensitive comparisons of `userName`, primary
/// email and group `displayName`.
///
/// NOTE: this uses Unicode lowercase mapping (`É` folds to `é`). The
/// behaviour reference requires only "case-insensitive" and RFC 7643 names
/// no folding, so a server that folds ASCII only disagrees on `é`/`É`.
pub fn fold(name: &str) -> String {
    name.to_lowercase()
}

/// Rendering of stems into the concrete values sent to the server.
#[derive(Debug, Clone)]
pub struct Naming {
    prefix: String,
    domain: String,
}

impl Naming {
    /// Creates a naming for one run.
    ///
    /// The prefix must be lowercase ASCII letters, digits or `-`, so that it
    /// survives case folding unchanged.
    pub fn new(prefix: impl Into<String>, domain: impl Into<String>) -> Result<Self, String> {
        let prefix = prefix.into();
        let domain = domain.into();
        let prefix_is_valid = !prefix.is_empty()
            && prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !prefix_is_valid {
            return Err(format!(
                "invalid run prefix {prefix:?}: use one or more lowercase ASCII letters, digits or '-'"
            ));
        }
        if domain.is_empty() || domain.contains('@') || domain.contains(char::is_whitespace) {
            return Err(format!(
                "invalid email domain {domain:?}: pass a bare domain such as example.com"
            ));
        }
        Ok(Naming { prefix, domain })
    }

    /// Creates a naming with a random prefix such as `pt-3f9a1c-`.
    pub fn random(domain: impl Into<String>) -> Result<Self, String> {
        let suffix: u32 = rand::random::<u32>() & 0x00ff_ffff;
        Self::new(format!("pt-{suffix:06x}-"), domain)
    }

    /// Returns the per-run prefix that every created name starts with.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Returns the verified email domain.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Renders a `userName`.
    pub fn user_name(&self, stem: &str) -> String {
        format!("{}{}", self.prefix, stem)
    }

    /// Renders a primary email on the verified domain.
    pub fn email(&self, stem: &str) -> String {
        format!("{}{}@{}", self.prefix, stem, self.domain)
    }

    /// Renders an email on a domain that is never verified.
    pub fn unverified_email(&self, stem: &str) -> String {
        format!("{}{}@{}", self.prefix, stem, UNVERIFIED_DOMAIN)
    }

    /// Renders an `externalId`.
    pub fn external_id(&self, stem: &str) -> String {
        format!("{}{}", self.prefix, stem)
    }

    /// Renders a group `displayName`.
    pub fn group_name(&self, stem: &str) -> String {
        format!("{}{}", self.prefix, stem)
    }

    /// Tells whether a server-side name belongs to this run.
    pub fn owns(&self, name: &str) -> bool {
        name.starts_with(&self.prefix)
    }
}

impl fmt::Display for Naming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "prefix {:?}, domain {:?}", self.prefix, self.domain)
    }
}

/// Quotes a value as a SCIM filter string literal, which uses JSON string
/// syntax (RFC 7644 §3.4.2.2), so `a"b\c` becomes `"a\"b\\c"`.
pub fn filter_literal(value: &str) -> String {
    serde_json::Value::String(value.to_owned()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_matches_case_variants() {
        assert_eq!(fold("ANN"), fold("ann"));
        assert_eq!(fold("É"), fold("é"));
        assert_eq!(fold("A\"B\\C"), fold("a\"b\\c"));
        assert_ne!(fold("e1"), fold("e2"));
    }

    #[test]
    fn filter_literal_escapes_quotes_and_backslashes() {
        assert_eq!(filter_literal("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(filter_literal("é"), "\"é\"");
    }

    #[test]
    fn naming_rejects_uppercase_prefix() {
        assert!(Naming::new("PT-", "example.com").is_err());
        assert!(Naming::new("pt-", "a@b").is_err());
        assert!(Naming::new("pt-1-", "example.com").is_ok());
    }
}
