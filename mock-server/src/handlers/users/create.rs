//! `POST /Users`: create a user, or link a new SCIM record to the existing
//! Atlassian account of the same email.

use http::StatusCode;

use crate::app::App;
use crate::handlers::{DirectoryContext, HandlerResult};
use crate::http::ScimRequest;
use crate::store::users::{insert_user, prepare_user};

pub(crate) fn create(app: &App, context: &DirectoryContext, request: &ScimRequest) -> HandlerResult {
    let body = request.json_object()?;
    let projection = super::projection(request)?;
    // Checked before the write lock is taken, so concurrent requests do not
    // wait while this body is parsed and normalised.
    let attributes = prepare_user(&body)?;

    let mut world = app.store.write();
    let id = insert_user(&mut world, context.directory_id, uuid::Uuid::new_v4(), attributes)?;
    tracing::debug!(user_id = %id, "user created");

    let world = parking_lot::RwLockWriteGuard::downgrade(world);
    super::render(&world, context, id, projection.as_ref(), StatusCode::CREATED)
}
