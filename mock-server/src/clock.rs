//! Timestamps in the form Atlassian returns: RFC 3339, UTC, microseconds.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// A point in time as stored on resources and audit events.
pub type Timestamp = OffsetDateTime;

/// Returns the current time in UTC.
pub fn now() -> Timestamp {
    OffsetDateTime::now_utc()
}

/// Formats a timestamp as `2026-01-31T12:00:00.123456Z`.
pub fn format(timestamp: Timestamp) -> String {
    timestamp
        .to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_else(|_| String::from("1970-01-01T00:00:00.000000Z"))
}

/// Parses a timestamp written by [`format`] or any RFC 3339 timestamp.
pub fn parse(text: &str) -> Option<Timestamp> {
    OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_has_microseconds() {
        let timestamp = time::macros::datetime!(2026-01-31 12:00:00.1234567 UTC);
        assert_eq!(format(timestamp), "2026-01-31T12:00:00.123456Z");
    }

    #[test]
    fn parse_reads_formatted() {
        let timestamp = time::macros::datetime!(2026-01-31 12:00:00.123456 UTC);
        assert_eq!(parse(&format(timestamp)), Some(timestamp));
    }
}
