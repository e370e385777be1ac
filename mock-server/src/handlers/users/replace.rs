//! `PUT /Users/{id}`: replace every writable attribute.

use http::StatusCode;

use crate::app::App;
use crate::handlers::{parse_id, DirectoryContext, HandlerResult};
use crate::http::ScimRequest;
use crate::store::users::{replace_user, user_not_found};

pub(crate) fn replace(app: &App, context: &DirectoryContext, request: &ScimRequest, id: &str) -> HandlerResult {
    let id = parse_id(id, user_not_found)?;
    let body = request.json_object()?;
    let projection = super::projection(request)?;

    let mut world = app.store.write();
    replace_user(&mut world, context.directory_id, id, &body)?;

    let world = parking_lot::RwLockWriteGuard::downgrade(world);
    super::render(&world, context, id, projection.as_ref(), StatusCode::OK)
}
