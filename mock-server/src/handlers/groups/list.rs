//! `GET /Groups`: list groups, optionally filtered by `displayName`.

use http::StatusCode;

use crate::app::App;
use crate::error::ScimError;
use crate::handlers::filter_subset::{supported_eq, FilterTarget};
use crate::handlers::{behaviour, DirectoryContext, HandlerResult};
use crate::http::{response, ListQuery, ScimRequest};
use crate::render::{write_list, GroupView};
use crate::schema::GROUP_URN;
use crate::store::fold;

const GROUPS: FilterTarget = FilterTarget {
    label: "GROUP",
    core_urn: GROUP_URN,
    attributes: &["displayName"],
};

pub(crate) fn list(app: &App, context: &DirectoryContext, request: &ScimRequest) -> HandlerResult {
    let world = app.store.read();
    let query = ListQuery::parse(request, behaviour(&world, context.directory_id).max_page_size)?;
    let directory = world
        .directories
        .get(&context.directory_id)
        .ok_or_else(|| ScimError::not_found("The directory no longer exists."))?;

    let offset = query.start_index - 1;
    let (total, page) = match &query.filter {
        None => (
            directory.group_count(),
            directory.group_page(offset, query.count).collect::<Vec<_>>(),
        ),
        Some(text) => {
            let (_, name) = supported_eq(text, GROUPS)?;
            let matches: Vec<_> = directory.group_id_by_name(&fold(&name)).into_iter().collect();
            let page = matches.iter().skip(offset).take(query.count).copied().collect();
            (matches.len(), page)
        }
    };

    let resources: Vec<GroupView<'_>> = page
        .iter()
        .filter_map(|id| directory.group(id))
        .map(|group| GroupView {
            group,
            directory,
            urls: context.urls(),
        })
        .collect();
    let mut body = response::body_buffer(resources.len());
    write_list(&mut body, total, query.start_index, &resources, GroupView::write_json);
    Ok(response::rendered(StatusCode::OK, body))
}
