//! `PATCH /Groups/{id}`: membership changes in every dialect identity
//! providers send, applied atomically; returns the whole group.

use http::StatusCode;

use crate::app::App;
use crate::handlers::{parse_id, DirectoryContext, HandlerResult};
use crate::http::ScimRequest;
use crate::patch;
use crate::store::groups::{group_not_found, patch_group};

pub(crate) fn patch(app: &App, context: &DirectoryContext, request: &ScimRequest, id: &str) -> HandlerResult {
    let id = parse_id(id, group_not_found)?;
    let body = request.json_value()?;
    let operations = patch::parse_request(&body)?;

    let mut world = app.store.write();
    patch_group(&mut world, context.directory_id, id, &operations)?;

    let world = parking_lot::RwLockWriteGuard::downgrade(world);
    super::render(&world, context, id, StatusCode::OK)
}
