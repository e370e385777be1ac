//! The `/Users` endpoints.

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
use crate::error::ScimError;
use crate::http::response;
use crate::http::ScimRequest;
use crate::render::{Projection, UserView};
use crate::schema::USER_RESOURCE;
use crate::store::users::user_not_found;
use crate::store::World;

/// Reads the projection parameters, which every user endpoint honours.
pub(super) fn projection(request: &ScimRequest) -> Result<Option<Projection>, ScimError> {
    Projection::parse(
        request.param("attributes"),
        request.param("excludedAttributes"),
        &USER_RESOURCE,
    )
    .map_err(|error| ScimError::invalid_syntax(format!("Invalid query: {error}.")))
}

/// Renders one user with `status`, applying the request's projection.
pub(super) fn render(
    world: &World,
    context: &DirectoryContext,
    id: Uuid,
    projection: Option<&Projection>,
    status: StatusCode,
) -> HandlerResult {
    let directory = world
        .directories
        .get(&context.directory_id)
        .ok_or_else(|| user_not_found(&id.to_string()))?;
    let user = directory.user(&id).ok_or_else(|| user_not_found(&id.to_string()))?;
    let view = UserView {
        user,
        directory,
        urls: context.urls(),
    };

    let mut rendered = match projection {
        None => {
            let mut body = response::body_buffer(1);
            view.write_json(&mut body);
            let rendered = response::rendered(status, body);
            match status {
                StatusCode::CREATED => response::with_location(rendered, &context.urls().user(&id)),
                _ => rendered,
            }
        }
        Some(projection) => {
            let value = serde_json::to_value(view)
                .map_err(|error| ScimError::new(StatusCode::INTERNAL_SERVER_ERROR, None, error.to_string()))?;
            let projected = projection.apply(value);
            match status {
                StatusCode::CREATED => response::created(&context.urls().user(&id), &projected),
                _ => response::json(status, &projected),
            }
        }
    };
    if status == StatusCode::OK {
        if let Ok(location) = http::HeaderValue::from_str(&context.urls().user(&id)) {
            rendered.headers_mut().insert(http::header::CONTENT_LOCATION, location);
        }
    }
    Ok(rendered)
}
