//! `/_mock/requests`: the request journal, filtered and cleared.

use http::StatusCode;
use serde_json::json;

use super::reply::{self, ControlError, ControlResult};
use crate::app::App;
use crate::http::ScimRequest;
use crate::journal::JournalFilter;

/// `GET /_mock/requests?method=POST&path=/Users&status=409`: the recorded
/// requests, oldest first, as `{"requests": [...]}`.
pub(crate) fn list(app: &App, request: &ScimRequest) -> ControlResult {
    let status = match request.param("status") {
        Some(text) => Some(text.trim().parse::<u16>().map_err(|_| {
            ControlError::bad_request(format!("Parameter status {text:?} is not an HTTP status: send a number such as 409."))
        })?),
        None => None,
    };
    let filter = JournalFilter {
        method: request.param("method").map(str::to_owned),
        path_contains: request.param("path").map(str::to_owned),
        status,
    };
    reply::json(StatusCode::OK, &json!({"requests": app.journal.entries(&filter)}))
}

/// `DELETE /_mock/requests`.
pub(crate) fn clear(app: &App) -> ControlResult {
    app.journal.clear();
    reply::no_content()
}
