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
    Rfc3339Micros(timestamp).to_string()
}

/// A timestamp that displays and serialises as [`format`] writes it,
/// without allocating, because every rendered resource carries two.
#[derive(Debug, Clone, Copy)]
pub struct Rfc3339Micros(pub Timestamp);

impl Rfc3339Micros {
    /// Returns the text for years 0 to 9999, the range of real timestamps,
    /// built without the formatting machinery, or `None` for other years.
    fn to_ascii(self) -> Option<[u8; 27]> {
        let utc = self.0.to_offset(time::UtcOffset::UTC);
        let year = u32::try_from(utc.year()).ok().filter(|year| *year <= 9999)?;

        // Subsecond digits are truncated, as the `time` crate's
        // `[subsecond digits:6]` does.
        let mut text = *b"0000-00-00T00:00:00.000000Z";
        write_digits(&mut text[0..4], year);
        write_digits(&mut text[5..7], u32::from(u8::from(utc.month())));
        write_digits(&mut text[8..10], u32::from(utc.day()));
        write_digits(&mut text[11..13], u32::from(utc.hour()));
        write_digits(&mut text[14..16], u32::from(utc.minute()));
        write_digits(&mut text[17..19], u32::from(utc.second()));
        write_digits(&mut text[20..26], utc.microsecond());
        Some(text)
    }
}

impl std::fmt::Display for Rfc3339Micros {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to_ascii() {
            Some(text) => formatter.write_str(std::str::from_utf8(&text).map_err(|_| std::fmt::Error)?),
            None => formatter.write_str(&format_with_time(self.0.to_offset(time::UtcOffset::UTC))),
        }
    }
}

impl Rfc3339Micros {
    /// Appends the timestamp as a JSON string, as the `Serialize` impl writes it.
    pub(crate) fn write_json(self, output: &mut Vec<u8>) {
        match self.to_ascii() {
            Some(text) => {
                output.push(b'"');
                output.extend_from_slice(&text);
                output.push(b'"');
            }
            None => {
                let _ = serde_json::to_writer(output, &self);
            }
        }
    }
}

impl serde::Serialize for Rfc3339Micros {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.to_ascii() {
            Some(text) => serializer.serialize_str(std::str::from_utf8(&text).map_err(serde::ser::Error::custom)?),
            None => serializer.serialize_str(&format_with_time(self.0.to_offset(time::UtcOffset::UTC))),
        }
    }
}

/// Writes `value` as zero-padded decimal digits filling `output`.
fn write_digits(output: &mut [u8], mut value: u32) {
    for digit in output.iter_mut().rev() {
        // `value % 10` is below 10, so the cast cannot truncate.
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Formats with the `time` crate, for years the fast path does not cover.
fn format_with_time(utc: Timestamp) -> String {
    utc.format(FORMAT)
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
    fn format_matches_time_crate() {
        let timestamps = [
            time::macros::datetime!(2026-01-31 12:00:00.1234567 UTC),
            time::macros::datetime!(1999-12-31 23:59:59.999999999 UTC),
            time::macros::datetime!(0042-03-04 05:06:07 UTC),
            time::macros::datetime!(2026-06-01 01:30:00.000001 +02:00),
            OffsetDateTime::UNIX_EPOCH,
        ];
        for timestamp in timestamps {
            let utc = timestamp.to_offset(time::UtcOffset::UTC);
            assert_eq!(format(timestamp), format_with_time(utc), "{timestamp}");
        }
    }

    #[test]
    fn parse_reads_formatted() {
        let timestamp = time::macros::datetime!(2026-01-31 12:00:00.123456 UTC);
        assert_eq!(parse(&format(timestamp)), Some(timestamp));
    }
}
