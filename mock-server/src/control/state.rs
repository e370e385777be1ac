//! `/_mock/reset` and `/_mock/state`: reset, export, import and save.

use http::StatusCode;

use super::ops;
use super::reply::{self, ControlError, ControlResult};
use crate::app::App;
use crate::http::ScimRequest;
use crate::state::{State, StateFileError};

/// `POST /_mock/reset`: back to the state, defaults and fault rules at
/// start, with an empty journal.
pub(crate) fn reset(app: &App) -> ControlResult {
    ops::reset(app);
    reply::no_content()
}

/// `GET /_mock/state`: the whole state as JSON.
pub(crate) fn export(app: &App) -> ControlResult {
    reply::json(StatusCode::OK, &ops::export_state(app))
}

/// `PUT /_mock/state`: replaces the whole state with an exported one.
pub(crate) fn import(app: &App, request: &ScimRequest) -> ControlResult {
    let state: State = reply::body(request, "the output of GET /_mock/state")?;
    ops::import_state(app, &state).map_err(|error| ControlError::bad_request(format!("{error}. Nothing was changed.")))?;
    reply::no_content()
}

/// `POST /_mock/state/save`: writes the `--state-file` now; `{"path", "bytes"}`.
pub(crate) async fn save(app: &App) -> ControlResult {
    match ops::save_state(app).await {
        Ok(saved) => reply::json(StatusCode::OK, &saved),
        Err(error @ StateFileError::NotConfigured) => Err(ControlError::conflict(error.to_string())),
        Err(error) => {
            tracing::error!(%error, "failed to save the state file");
            Err(ControlError::new(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))
        }
    }
}
