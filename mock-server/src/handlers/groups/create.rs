//! `POST /Groups`: create a group; a name that a product site already uses
//! is created but recorded in the audit log as not propagated.

use http::StatusCode;

use crate::app::App;
use crate::handlers::{DirectoryContext, HandlerResult};
use crate::http::ScimRequest;
use crate::store::groups::create_group;

pub(crate) fn create(app: &App, context: &DirectoryContext, request: &ScimRequest) -> HandlerResult {
    let body = request.json_object()?;
    let mut world = app.store.write();
    let id = create_group(&mut world, context.directory_id, uuid::Uuid::new_v4(), &body)?;
    tracing::debug!(group_id = %id, "group created");

    let world = parking_lot::RwLockWriteGuard::downgrade(world);
    super::render(&world, context, id, StatusCode::CREATED)
}
