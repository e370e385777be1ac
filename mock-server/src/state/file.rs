//! Reading and atomically writing the `--state-file`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use super::format::State;
use super::StateFileError;

/// Reads a state file; `Ok(None)` when it does not exist, which is how the
/// first run of a server with `--state-file` starts from its seed.
pub(crate) fn load(path: &Path) -> Result<Option<State>, StateFileError> {
    let shown = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(StateFileError::Read { path: shown, source }),
    };
    let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
    let state = serde_path_to_error::deserialize(deserializer).map_err(|error| {
        let location = match error.path().to_string().as_str() {
            "." => "the top level".to_owned(),
            path => path.to_owned(),
        };
        StateFileError::Parse {
            path: shown,
            location,
            message: error.into_inner().to_string(),
        }
    })?;
    Ok(Some(state))
}

/// Writes `state` to `path` atomically: to a temporary file in the same
/// folder, flushed to disk, then renamed over `path`. A crash mid-write
/// leaves the previous file intact, never a partial one. Returns the
/// number of bytes written.
///
/// The temporary file is created with mode 0600 on Unix and keeps it after
/// the rename, because the state contains API keys.
pub(crate) fn save(path: &Path, state: &State) -> Result<u64, StateFileError> {
    let shown = path.display().to_string();
    let write_error = |source: std::io::Error| StateFileError::Write {
        path: shown.clone(),
        source,
    };

    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(write_error)?;

    let mut writer = BufWriter::new(temporary.as_file());
    serde_json::to_writer_pretty(&mut writer, state).map_err(|error| write_error(error.into()))?;
    writer.write_all(b"\n").map_err(write_error)?;
    writer.flush().map_err(write_error)?;
    drop(writer);
    temporary.as_file().sync_all().map_err(write_error)?;
    let bytes = temporary.as_file().metadata().map_err(write_error)?.len();

    temporary.persist(path).map_err(|error| write_error(error.error))?;
    // The rename is durable only once the folder's entry is on disk too.
    // Opening a folder for sync is not possible on every platform, so a
    // failure here only costs durability across a power loss.
    if let Ok(folder) = File::open(folder) {
        let _ = folder.sync_all();
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Defaults;
    use crate::store::World;

    fn sample_state() -> State {
        let mut builder_world = World::default();
        let org_id = uuid::Uuid::new_v4();
        let directory_id = uuid::Uuid::new_v4();
        builder_world.add_organisation(crate::store::Organisation::new(org_id, "org-key".into(), Default::default()));
        builder_world.add_directory(crate::store::Directory::new(directory_id, org_id, "Default".into(), "key".into()));
        super::super::export(&builder_world, Defaults { org_id, directory_id })
    }

    #[test]
    fn missing_file_is_none() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        assert!(load(&folder.path().join("absent.json")).expect("a missing file is not an error").is_none());
    }

    #[test]
    fn save_then_load_round_trips() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let path = folder.path().join("state.json");
        let state = sample_state();
        save(&path, &state).expect("the state is saved");
        assert_eq!(load(&path).expect("the file loads"), Some(state));

        let leftovers: Vec<_> = std::fs::read_dir(folder.path())
            .expect("the folder is readable")
            .map(|entry| entry.expect("a folder entry").file_name())
            .filter(|name| name != "state.json")
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }

    #[test]
    fn partial_file_names_location() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let path = folder.path().join("state.json");
        let text = serde_json::to_string(&sample_state()).expect("a state serialises");
        std::fs::write(&path, &text[..text.len() / 2]).expect("the file is written");
        let error = load(&path).expect_err("a partial file is rejected").to_string();
        assert!(error.contains(&path.display().to_string()), "{error}");
        assert!(error.contains("EOF"), "{error}");
    }

    #[test]
    fn save_into_missing_folder_fails() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let path = folder.path().join("missing").join("state.json");
        let error = save(&path, &sample_state()).expect_err("the folder is missing").to_string();
        assert!(error.contains("failed to write state file"), "{error}");
    }
}
