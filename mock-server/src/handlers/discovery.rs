//! The discovery endpoints: `/ServiceProviderConfig`, `/ResourceTypes` and
//! `/Schemas`, which describe exactly what this mock supports.
//!
//! They take no filter, paging or sorting. RFC 7644 §4 recommends that a server that
//! does not filter them reject a `filter` with 403, so that a client
//! cannot believe an unfiltered list matched its filter.

use http::{Response, StatusCode};

use super::{behaviour, DirectoryContext, HandlerResult};
use crate::app::App;
use crate::discovery::{self, DiscoveryContext};
use crate::error::ScimError;
use crate::http::response;
use crate::http::response::Body;

fn discovery_context(app: &App, context: &DirectoryContext) -> DiscoveryContext {
    let behaviour = behaviour(&app.store.read(), context.directory_id);
    DiscoveryContext {
        base_url: context.base.clone(),
        max_results: behaviour.max_page_size,
        max_payload_bytes: behaviour.max_body_bytes,
    }
}

pub(crate) fn service_provider_config(app: &App, context: &DirectoryContext) -> HandlerResult {
    let document = discovery::service_provider_config(&discovery_context(app, context));
    Ok(response::json(StatusCode::OK, &document))
}

pub(crate) fn resource_types(app: &App, context: &DirectoryContext, request: &crate::http::ScimRequest) -> HandlerResult {
    reject_filter(request, "/ResourceTypes")?;
    let documents = discovery::resource_types(&discovery_context(app, context));
    Ok(list(documents))
}

pub(crate) fn resource_type(app: &App, context: &DirectoryContext, name: &str) -> HandlerResult {
    discovery::resource_type(&discovery_context(app, context), name)
        .map(|document| response::json(StatusCode::OK, &document))
        .ok_or_else(|| {
            ScimError::not_found(format!("Resource type '{name}' does not exist: this API serves 'User' and 'Group'."))
        })
}

pub(crate) fn schemas(app: &App, context: &DirectoryContext, request: &crate::http::ScimRequest) -> HandlerResult {
    reject_filter(request, "/Schemas")?;
    let documents = discovery::schemas(&discovery_context(app, context));
    Ok(list(documents))
}

pub(crate) fn schema(app: &App, context: &DirectoryContext, urn: &str) -> HandlerResult {
    discovery::schema(&discovery_context(app, context), urn)
        .map(|document| response::json(StatusCode::OK, &document))
        .ok_or_else(|| {
            ScimError::not_found(format!(
                "Schema '{urn}' does not exist: GET /Schemas lists the URNs this API serves."
            ))
        })
}

fn list(documents: Vec<serde_json::Value>) -> Response<Body> {
    response::json(StatusCode::OK, &discovery::list_response(documents))
}

fn reject_filter(request: &crate::http::ScimRequest, path: &str) -> Result<(), ScimError> {
    if request.param("filter").is_none() {
        return Ok(());
    }
    Err(ScimError::new(
        StatusCode::FORBIDDEN,
        None,
        format!("{path} does not support filtering: request it without the 'filter' parameter."),
    ))
}
