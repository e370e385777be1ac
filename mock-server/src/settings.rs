//! Behaviour switches of a mock organisation.
//!
//! Atlassian publishes most of what the mock does. Where it does not, the
//! mock makes a choice, and each choice a client author could reasonably
//! want the other way round is a field here, with the choice as the default.

/// The mock's behaviour where Atlassian's published behaviour leaves room.
#[derive(Debug, Clone)]
pub struct Behaviour {
    /// Accept users whose primary email is on a domain the organisation has
    /// not verified. Atlassian rejects them unless external users are
    /// allowed, which is an organisation setting since late 2020.
    pub allow_external_users: bool,

    /// SCIM users a directory may hold. Atlassian's documented limit is
    /// 20,000; later plans allow more, so tests of a limit can lower it.
    pub user_limit: usize,

    /// Largest `count` a list request gets, and the `maxResults` of
    /// ServiceProviderConfig. Atlassian documents 100.
    pub max_page_size: usize,

    /// Largest request body accepted, in bytes; larger bodies get 413.
    /// Atlassian does not publish its limit, so 1 MiB is our choice.
    pub max_body_bytes: usize,

    /// Reject request bodies whose `Content-Type` is neither
    /// `application/json` nor `application/scim+json` with 415. Our choice:
    /// a lenient server would hide a client bug that a strict proxy exposes.
    pub strict_content_type: bool,

    /// Audit events kept per organisation before the oldest are dropped, so
    /// a long soak test cannot grow memory without bound.
    pub max_audit_events: usize,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            allow_external_users: false,
            user_limit: 20_000,
            max_page_size: 100,
            max_body_bytes: 1024 * 1024,
            strict_content_type: true,
            max_audit_events: 10_000,
        }
    }
}
