//! Markdown output: tables and number formats.

use std::fmt::Write as _;
use std::time::Duration;

use crate::load::CellResult;

/// A Markdown document built section by section.
#[derive(Debug, Default)]
pub struct Report {
    text: String,
}

impl Report {
    /// Appends a `##` heading.
    pub fn heading(&mut self, title: &str) {
        let _ = write!(self.text, "\n## {title}\n\n");
    }

    /// Appends a paragraph.
    pub fn paragraph(&mut self, text: &str) {
        let _ = write!(self.text, "{text}\n\n");
    }

    /// Appends a table; every row must have as many cells as `headers`.
    pub fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) {
        let _ = writeln!(self.text, "| {} |", headers.join(" | "));
        let separators: Vec<&str> = headers.iter().map(|_| "---").collect();
        let _ = writeln!(self.text, "|{}|", separators.join("|"));
        for row in rows {
            let _ = writeln!(self.text, "| {} |", row.join(" | "));
        }
        self.text.push('\n');
    }

    /// Returns the document.
    pub fn into_markdown(self) -> String {
        self.text
    }
}

/// Formats a duration in milliseconds with three decimals.
pub fn millis(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64() * 1e3)
}

/// Formats a rate with no decimals and thousands separators.
pub fn rate(per_second: f64) -> String {
    thousands(per_second.round() as u64)
}

/// Formats an integer with comma thousands separators.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut output = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            output.push(',');
        }
        output.push(digit);
    }
    output
}

/// Formats bytes as MiB with one decimal.
pub fn mebibytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

/// Formats a ratio with two decimals, or a dash when there is none.
pub fn ratio(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |ratio| format!("{ratio:.2}"))
}

/// Formats the cells of one throughput row: req/s, p50, p90, p99, max, failures.
pub fn cell_columns(result: &CellResult) -> Vec<String> {
    let latency = result.latency();
    vec![
        rate(result.throughput()),
        millis(latency.p50),
        millis(latency.p90),
        millis(latency.p99),
        millis(latency.max),
        thousands(result.failures),
    ]
}

/// Returns the median of values, or `None` for none.
pub fn median_of(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied()
}

/// Returns the median of durations, or zero for none.
pub fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn ratio_formats() {
        assert_eq!(ratio(None), "-");
        assert_eq!(ratio(Some(0.5)), "0.50");
    }

    #[test]
    fn median_of_values() {
        assert_eq!(median_of(&[]), None);
        assert_eq!(median_of(&[3.0, 1.0, 2.0]), Some(2.0));
    }
}
