//! `PATCH /Users/{id}`: apply PATCH operations atomically and return the
//! whole user (never 204).

use http::StatusCode;

use crate::app::App;
use crate::handlers::{parse_id, DirectoryContext, HandlerResult};
use crate::http::ScimRequest;
use crate::patch;
use crate::store::users::{patch_user, user_not_found};

pub(crate) fn patch(app: &App, context: &DirectoryContext, request: &ScimRequest, id: &str) -> HandlerResult {
    let id = parse_id(id, user_not_found)?;
    let body = request.json_value()?;
    let operations = patch::parse_request(&body)?;
    let projection = super::projection(request)?;

    let mut world = app.store.write();
    patch_user(&mut world, context.directory_id, id, &operations)?;

    let world = parking_lot::RwLockWriteGuard::downgrade(world);
    super::render(&world, context, id, projection.as_ref(), StatusCode::OK)
}
