//! Fault files: the rules, seed and rate limit loaded with `--faults`,
//! also the body of `PUT /_mock/faults`. `fixtures/faults/README.md`
//! documents the format with examples.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::rate_limit::RateLimit;
use super::rule::Fault;

/// A fault file: `{"seed": 42, "rateLimit": {...}, "faults": [...]}`, every
/// field optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultConfig {
    /// Seed of the probability triggers and latency ranges. Without one,
    /// the server draws a seed at start and reports it in
    /// `GET /_mock/faults`, so a run can still be replayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimit>,
    /// Rules in evaluation order; they get ids 1, 2, 3, ... in this order.
    #[serde(default)]
    pub faults: Vec<Fault>,
}

/// Failure to load a fault file.
#[derive(Debug, thiserror::Error)]
pub enum FaultFileError {
    #[error("failed to read fault file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("fault file {path} is not valid at {location}: {message}. Fix that entry; fixtures/faults/README.md shows the format")]
    Parse {
        path: String,
        /// Location of the error in the document, such as `faults[2].effect`.
        location: String,
        message: String,
    },
}

impl FaultConfig {
    /// Parses a fault file's JSON, returning the location of an error
    /// inside the document and its message.
    pub fn from_json(bytes: &[u8]) -> Result<FaultConfig, (String, String)> {
        let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            let location = match error.path().to_string().as_str() {
                "." => "the top level".to_owned(),
                path => path.to_owned(),
            };
            (location, error.into_inner().to_string())
        })
    }

    /// Reads and parses a fault file.
    pub fn from_file(path: &Path) -> Result<FaultConfig, FaultFileError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| FaultFileError::Read {
            path: shown.clone(),
            source,
        })?;
        FaultConfig::from_json(&bytes).map_err(|(location, message)| FaultFileError::Parse {
            path: shown,
            location,
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_object_is_empty_config() {
        assert_eq!(FaultConfig::from_json(b"{}").expect("the config is valid"), FaultConfig::default());
    }

    #[test]
    fn error_names_location() {
        let text = br#"{"faults": [{"effect": {"type": "reset"}}, {"effect": {"type": "status", "status": 42}}]}"#;
        let (location, message) = FaultConfig::from_json(text).expect_err("the config is invalid");
        assert_eq!(location, "faults[1].effect");
        assert!(message.contains("status 42"), "{message}");
    }

    #[test]
    fn unknown_top_level_field_rejected() {
        let (location, message) = FaultConfig::from_json(br#"{"rules": []}"#).expect_err("the config is invalid");
        assert_eq!(location, "rules");
        assert!(message.contains("unknown field `rules`"), "{message}");
    }
}
