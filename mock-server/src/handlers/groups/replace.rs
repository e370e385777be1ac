//! `PUT /Groups/{id}`: replace members and `externalId`; the name must not
//! change.

use http::StatusCode;

use crate::app::App;
use crate::handlers::{parse_id, DirectoryContext, HandlerResult};
use crate::http::ScimRequest;
use crate::store::groups::{group_not_found, replace_group};

pub(crate) fn replace(app: &App, context: &DirectoryContext, request: &ScimRequest, id: &str) -> HandlerResult {
    let id = parse_id(id, group_not_found)?;
    let body = request.json_object()?;
    let mut world = app.store.write();
    replace_group(&mut world, context.directory_id, id, &body)?;

    let world = parking_lot::RwLockWriteGuard::downgrade(world);
    super::render(&world, context, id, StatusCode::OK)
}
