//! `GET /Groups/{id}`.

use http::StatusCode;

use crate::app::App;
use crate::handlers::{parse_id, DirectoryContext, HandlerResult};
use crate::store::groups::group_not_found;

pub(crate) fn get(app: &App, context: &DirectoryContext, id: &str) -> HandlerResult {
    let id = parse_id(id, group_not_found)?;
    let world = app.store.read();
    super::render(&world, context, id, StatusCode::OK)
}
