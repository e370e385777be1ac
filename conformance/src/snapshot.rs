//! Snapshot files in insta's `.snap` format, one per scenario and profile.
//!
//! A file is a YAML metadata block between `---` lines followed by the
//! normalised responses of the scenario's steps. Files are read back with
//! [`insta::Snapshot::from_file`], so the format stays what insta and
//! `cargo insta review` read. On drift, or when a snapshot is missing, the new
//! text goes to `NAME.snap.new` beside it, and `cargo insta review` offers to
//! accept it. `--update-snapshots` writes `NAME.snap` directly instead.

use std::path::{Path, PathBuf};

use serde::Serialize;
use similar::TextDiff;

/// Lines of unified diff kept in a drift report.
const DIFF_LINES: usize = 80;

/// Snapshot folder and whether this run records or compares.
#[derive(Debug, Clone)]
pub struct SnapshotStore {
    pub dir: PathBuf,
    /// Write `.snap` files instead of comparing against them.
    pub update: bool,
    /// Write `.snap.new` files for review on drift; off when the `CI` variable is set, as insta does.
    pub write_pending: bool,
}

/// The outcome of comparing one scenario's snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum SnapshotOutcome {
    Matched { path: PathBuf },
    Written { path: PathBuf },
    Missing { path: PathBuf, pending: Option<PathBuf> },
    Drifted { path: PathBuf, diff: String, pending: Option<PathBuf> },
    /// Reading or writing the file failed.
    Error { path: PathBuf, message: String },
}

impl SnapshotOutcome {
    /// Reports whether the outcome fails the scenario.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            SnapshotOutcome::Missing { .. } | SnapshotOutcome::Drifted { .. } | SnapshotOutcome::Error { .. }
        )
    }
}

/// The identity and text of one snapshot.
#[derive(Debug, Clone)]
pub struct SnapshotEntry<'a> {
    pub scenario: &'a str,
    pub rule: &'a str,
    /// The scenario file's name, shown by `cargo insta review` as the source.
    pub source: &'a str,
    pub profile: &'a str,
    pub contents: &'a str,
}

impl SnapshotStore {
    /// Returns the `.snap` path of a scenario.
    pub fn path_for(&self, scenario: &str) -> PathBuf {
        self.dir.join(format!("{scenario}.snap"))
    }

    /// Compares an entry with its stored snapshot, or records it when updating.
    pub fn check(&self, entry: &SnapshotEntry<'_>) -> SnapshotOutcome {
        let path = self.path_for(entry.scenario);
        let pending_path = path.with_extension("snap.new");
        if self.update {
            let _ = std::fs::remove_file(&pending_path);
            return match write_snap(&path, entry) {
                Ok(()) => SnapshotOutcome::Written { path },
                Err(message) => SnapshotOutcome::Error { path, message },
            };
        }
        if !path.exists() {
            let pending = self.write_pending(&pending_path, entry);
            return SnapshotOutcome::Missing { path, pending };
        }
        let stored = match read_snap(&path) {
            Ok(stored) => stored,
            Err(message) => return SnapshotOutcome::Error { path, message },
        };
        let current = entry.contents.trim_end();
        if stored == current {
            let _ = std::fs::remove_file(&pending_path);
            return SnapshotOutcome::Matched { path };
        }
        let diff = unified_diff(&stored, current);
        let pending = self.write_pending(&pending_path, entry);
        SnapshotOutcome::Drifted { path, diff, pending }
    }

    fn write_pending(&self, pending_path: &Path, entry: &SnapshotEntry<'_>) -> Option<PathBuf> {
        if !self.write_pending {
            return None;
        }
        write_snap(pending_path, entry).ok().map(|()| pending_path.to_path_buf())
    }
}

/// Reads the text of a `.snap` file the way insta does (trailing whitespace trimmed).
pub fn read_snap(path: &Path) -> Result<String, String> {
    let snapshot = insta::Snapshot::from_file(path).map_err(|error| format!("failed to read {}: {error}", path.display()))?;
    let text = snapshot
        .contents()
        .as_text()
        .ok_or_else(|| format!("{} is a binary snapshot, not a text one", path.display()))?;
    Ok(text.to_string())
}

/// Writes a `.snap` file: insta's metadata header, then the contents.
pub fn write_snap(path: &Path, entry: &SnapshotEntry<'_>) -> Result<(), String> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(|error| format!("failed to create {}: {error}", folder.display()))?;
    }
    let quote = |text: &str| serde_json::Value::String(text.to_owned()).to_string();
    let expression = format!("scenario {} under profile {}", entry.scenario, entry.profile);
    let text = format!(
        "---\nsource: {}\ndescription: {}\nexpression: {}\n---\n{}\n",
        quote(entry.source),
        quote(entry.rule),
        quote(&expression),
        entry.contents.trim_end()
    );
    std::fs::write(path, text).map_err(|error| format!("failed to write {}: {error}", path.display()))
}

fn unified_diff(stored: &str, current: &str) -> String {
    let diff = TextDiff::from_lines(stored, current);
    let rendered = diff
        .unified_diff()
        .context_radius(3)
        .header("stored snapshot", "this run")
        .to_string();
    let lines: Vec<&str> = rendered.lines().collect();
    if lines.len() <= DIFF_LINES {
        return rendered;
    }
    format!(
        "{}\n… {} more diff lines",
        lines[..DIFF_LINES].join("\n"),
        lines.len() - DIFF_LINES
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(contents: &str) -> SnapshotEntry<'_> {
        SnapshotEntry {
            scenario: "users.create",
            rule: "RFC 7644 §3.3: \"POST\" creates: a user",
            source: "users.toml",
            profile: "atlassian",
            contents,
        }
    }

    fn store(dir: &Path, update: bool) -> SnapshotStore {
        SnapshotStore {
            dir: dir.to_path_buf(),
            update,
            write_pending: true,
        }
    }

    #[test]
    fn written_file_reads_back_through_insta() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("x.snap");
        write_snap(&path, &entry("status: 201\n{\n  \"a\": \"---\"\n}\n")).expect("write");
        let snapshot = insta::Snapshot::from_file(&path).expect("insta reads the file");
        assert_eq!(snapshot.metadata().expression(), Some("scenario users.create under profile atlassian"));
        assert_eq!(snapshot.metadata().description(), Some("RFC 7644 §3.3: \"POST\" creates: a user"));
        assert_eq!(read_snap(&path).as_deref(), Ok("status: 201\n{\n  \"a\": \"---\"\n}"));
    }

    #[test]
    fn update_then_match() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let written = store(dir.path(), true).check(&entry("status: 200\n"));
        assert!(matches!(written, SnapshotOutcome::Written { .. }), "{written:?}");
        let matched = store(dir.path(), false).check(&entry("status: 200\n"));
        assert!(matches!(matched, SnapshotOutcome::Matched { .. }), "{matched:?}");
    }

    #[test]
    fn drift_reports_diff_and_writes_pending() {
        let dir = tempfile::tempdir().expect("temporary folder");
        store(dir.path(), true).check(&entry("status: 200\nbody: a\n"));
        let outcome = store(dir.path(), false).check(&entry("status: 200\nbody: b\n"));
        let SnapshotOutcome::Drifted { diff, pending, .. } = outcome else {
            panic!("expected drift, got {outcome:?}");
        };
        assert!(diff.contains("-body: a"), "{diff}");
        assert!(diff.contains("+body: b"), "{diff}");
        let pending = pending.expect("a pending file");
        assert!(pending.to_string_lossy().ends_with("users.create.snap.new"));
        assert_eq!(read_snap(&pending).as_deref(), Ok("status: 200\nbody: b"));
    }

    #[test]
    fn missing_snapshot_fails_and_leaves_pending() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let outcome = store(dir.path(), false).check(&entry("status: 200\n"));
        assert!(outcome.is_failure());
        assert!(matches!(outcome, SnapshotOutcome::Missing { pending: Some(_), .. }), "{outcome:?}");
    }
}
