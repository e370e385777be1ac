//! `GET /Users/{id}`.

use http::StatusCode;

use crate::app::App;
use crate::handlers::{parse_id, DirectoryContext, HandlerResult};
use crate::http::ScimRequest;
use crate::store::users::user_not_found;

pub(crate) fn get(app: &App, context: &DirectoryContext, request: &ScimRequest, id: &str) -> HandlerResult {
    let id = parse_id(id, user_not_found)?;
    let projection = super::projection(request)?;
    let world = app.store.read();
    super::render(&world, context, id, projection.as_ref(), StatusCode::OK)
}
