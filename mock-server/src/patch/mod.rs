//! PATCH requests (RFC 7644 §3.5.2) as identity providers send them.
