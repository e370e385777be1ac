//! `DELETE /Groups/{id}`.

use crate::app::App;
use crate::handlers::{parse_id, DirectoryContext, HandlerResult};
use crate::http::response;
use crate::store::groups::{delete_group, group_not_found};

pub(crate) fn delete(app: &App, context: &DirectoryContext, id: &str) -> HandlerResult {
    let id = parse_id(id, group_not_found)?;
    let mut world = app.store.write();
    delete_group(&mut world, context.directory_id, id)?;
    Ok(response::no_content())
}
