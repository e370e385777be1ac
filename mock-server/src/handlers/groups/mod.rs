//! The `/Groups` endpoints.
//!
//! NOTE: `attributes` and `excludedAttributes` are ignored here, as
//! Atlassian honours them on `/Users` only; a client asking for
//! `excludedAttributes=members` still gets the members.

mod create;
mod delete;
mod get;
mod list;
mod patch;
mod replace;

pub(crate) use create::create;
pub(crate) use delete::delete;
pub(crate) use get::get;
pub(crate) use list::list;
pub(crate) use patch::patch;
pub(crate) use replace::replace;

use http::StatusCode;
use uuid::Uuid;

use super::{DirectoryContext, HandlerResult};
use crate::http::response;
use crate::render::GroupView;
use crate::store::groups::group_not_found;
use crate::store::World;

/// Renders one group with `status`.
pub(super) fn render(world: &World, context: &DirectoryContext, id: Uuid, status: StatusCode) -> HandlerResult {
    let directory = world
        .directories
        .get(&context.directory_id)
        .ok_or_else(|| group_not_found(&id.to_string()))?;
    let group = directory.group(&id).ok_or_else(|| group_not_found(&id.to_string()))?;
    let view = GroupView {
        group,
        directory,
        urls: context.urls(),
    };
    let mut body = response::body_buffer(1 + group.members.len() / 8);
    view.write_json(&mut body);
    let rendered = response::rendered(status, body);
    Ok(match status {
        StatusCode::CREATED => response::with_location(rendered, &context.urls().group(&id)),
        _ => rendered,
    })
}
