//! `DELETE /Users/{id}`: deactivate the linked account and remove the SCIM
//! record, as Atlassian does instead of deleting accounts.

use crate::app::App;
use crate::handlers::{parse_id, DirectoryContext, HandlerResult};
use crate::http::response;
use crate::store::users::{delete_user, user_not_found};

pub(crate) fn delete(app: &App, context: &DirectoryContext, id: &str) -> HandlerResult {
    let id = parse_id(id, user_not_found)?;
    let mut world = app.store.write();
    delete_user(&mut world, context.directory_id, id)?;
    Ok(response::no_content())
}
