//! `GET /Users`: list users, optionally filtered by `userName` or
//! `externalId`, one page at a time.

use http::StatusCode;
use uuid::Uuid;

use crate::app::App;
use crate::error::ScimError;
use crate::handlers::filter_subset::{supported_eq, FilterTarget};
use crate::handlers::{behaviour, DirectoryContext, HandlerResult};
use crate::http::{response, ListQuery, ScimRequest};
use crate::render::{write_list, ListResponse, UserView};
use crate::schema::USER_URN;
use crate::store::Directory;

const USERS: FilterTarget = FilterTarget {
    label: "USER",
    core_urn: USER_URN,
    attributes: &["userName", "externalId"],
};

pub(crate) fn list(app: &App, context: &DirectoryContext, request: &ScimRequest) -> HandlerResult {
    let projection = super::projection(request)?;
    let world = app.store.read();
    let query = ListQuery::parse(request, behaviour(&world, context.directory_id).max_page_size)?;
    let directory = world
        .directories
        .get(&context.directory_id)
        .ok_or_else(|| ScimError::not_found("The directory no longer exists."))?;

    let offset = query.start_index - 1;
    let (total, page) = match &query.filter {
        None => (
            directory.user_count(),
            directory.user_page(offset, query.count).collect::<Vec<_>>(),
        ),
        Some(text) => {
            let matches = matching_users(directory, text)?;
            let page = matches.iter().skip(offset).take(query.count).copied().collect();
            (matches.len(), page)
        }
    };

    let views = page.iter().filter_map(|id| directory.user(id)).map(|user| UserView {
        user,
        directory,
        urls: context.urls(),
    });
    match projection {
        None => {
            let resources: Vec<UserView<'_>> = views.collect();
            let mut body = response::body_buffer(resources.len());
            write_list(&mut body, total, query.start_index, &resources, UserView::write_json);
            Ok(response::rendered(StatusCode::OK, body))
        }
        Some(projection) => {
            let resources: Vec<serde_json::Value> = views
                .filter_map(|view| serde_json::to_value(view).ok())
                .map(|value| projection.apply(value))
                .collect();
            Ok(response::json(StatusCode::OK, &ListResponse::new(total, query.start_index, resources)))
        }
    }
}

/// Returns the ids of users matching a supported filter, in creation order.
fn matching_users(directory: &Directory, text: &str) -> Result<Vec<Uuid>, ScimError> {
    let (attribute, value) = supported_eq(text, USERS)?;
    Ok(match attribute {
        "userName" => directory.user_id_by_name(&value).into_iter().collect(),
        _ => directory.user_ids_by_external_id(&value).collect(),
    })
}
