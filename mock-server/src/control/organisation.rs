//! Organisation routes: the audit log, directories and their keys,
//! verified domains, org group names and site group names. Each takes an
//! optional `?orgId=` and acts on the default organisation without one.

use http::StatusCode;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::ops::{self, NewDirectory};
use super::reply::{self, ControlError, ControlResult};
use crate::app::App;
use crate::http::ScimRequest;

fn organisation(app: &App, request: &ScimRequest) -> Result<Uuid, ControlError> {
    ops::resolve_organisation(app, request.param("orgId"))
}

/// `GET /_mock/audit?orgId=&action=`: `{"events": [...]}`, oldest first,
/// optionally only one action such as `group_propagation_failed`.
pub(crate) fn audit(app: &App, request: &ScimRequest) -> ControlResult {
    let org_id = organisation(app, request)?;
    let action = request.param("action");
    let events: Vec<_> = ops::audit_events(app, org_id)
        .into_iter()
        .filter(|event| action.is_none() || action == Some(event.action.as_str()))
        .collect();
    reply::json(StatusCode::OK, &json!({"events": events}))
}

/// `GET /_mock/directories`: `{"directories": [...]}` without keys.
pub(crate) fn list_directories(app: &App, request: &ScimRequest) -> ControlResult {
    let org_id = organisation(app, request)?;
    reply::json(StatusCode::OK, &json!({"directories": ops::list_directories(app, org_id)}))
}

/// `POST /_mock/directories` with `{"name": "Okta"}`: 201 with the id and
/// the key, which no other route shows.
pub(crate) fn create_directory(app: &App, request: &ScimRequest) -> ControlResult {
    let org_id = organisation(app, request)?;
    let new: NewDirectory = if request.body.iter().all(u8::is_ascii_whitespace) {
        NewDirectory::default()
    } else {
        reply::body(request, r#"{"name": "Okta"}"#)?
    };
    reply::json(StatusCode::CREATED, &ops::create_directory(app, org_id, new)?)
}

/// `POST /_mock/directories/{id}/regenerate-key`: `{"id", "apiKey"}`.
pub(crate) fn regenerate_key(app: &App, directory_id: &str) -> ControlResult {
    let id = Uuid::parse_str(directory_id).map_err(|_| {
        ControlError::not_found(format!("Directory {directory_id:?} does not exist: directory ids are UUIDs."))
    })?;
    let api_key = ops::regenerate_key(app, id)?;
    reply::json(StatusCode::OK, &json!({"id": id, "apiKey": api_key}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainBody {
    domain: String,
}

/// `GET /_mock/domains`: `{"domains": [...]}`.
pub(crate) fn domains(app: &App, request: &ScimRequest) -> ControlResult {
    let org_id = organisation(app, request)?;
    reply::json(StatusCode::OK, &json!({"domains": ops::verified_domains(app, org_id)}))
}

/// `POST /_mock/domains` with `{"domain": "example.org"}`: 201 when new,
/// 200 when it was already verified.
pub(crate) fn add_domain(app: &App, request: &ScimRequest) -> ControlResult {
    let org_id = organisation(app, request)?;
    let body: DomainBody = reply::body(request, r#"{"domain": "example.org"}"#)?;
    let added = ops::verify_domain(app, org_id, &body.domain)?;
    let status = if added { StatusCode::CREATED } else { StatusCode::OK };
    reply::json(status, &json!({"domains": ops::verified_domains(app, org_id)}))
}

/// `DELETE /_mock/domains/{domain}`.
pub(crate) fn remove_domain(app: &App, request: &ScimRequest, domain: &str) -> ControlResult {
    let org_id = organisation(app, request)?;
    if !ops::unverify_domain(app, org_id, domain)? {
        return Err(ControlError::not_found(format!("Domain {domain:?} is not verified in this organisation.")));
    }
    reply::no_content()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupNameBody {
    name: String,
    #[serde(default)]
    site: Option<String>,
}

/// `GET /_mock/org-groups`: `{"orgGroups": [...]}`.
pub(crate) fn org_groups(app: &App, request: &ScimRequest) -> ControlResult {
    let org_id = organisation(app, request)?;
    reply::json(StatusCode::OK, &json!({"orgGroups": ops::org_groups(app, org_id)}))
}

/// `POST /_mock/org-groups` with `{"name": "finance"}`: a SCIM group of
/// that name then gets 409.
pub(crate) fn add_org_group(app: &App, request: &ScimRequest) -> ControlResult {
    let org_id = organisation(app, request)?;
    let body: GroupNameBody = reply::body(request, r#"{"name": "finance"}"#)?;
    if body.site.is_some() {
        return Err(ControlError::bad_request("Org groups have no site: send only {\"name\": ...}, or add a site group."));
    }
    let added = ops::add_org_group(app, org_id, &body.name)?;
    let status = if added { StatusCode::CREATED } else { StatusCode::OK };
    reply::json(status, &json!({"orgGroups": ops::org_groups(app, org_id)}))
}

/// `DELETE /_mock/org-groups/{name}`.
pub(crate) fn remove_org_group(app: &App, request: &ScimRequest, name: &str) -> ControlResult {
    let org_id = organisation(app, request)?;
    if !ops::remove_org_group(app, org_id, name)? {
        return Err(ControlError::not_found(format!("Org group {name:?} does not exist in this organisation.")));
    }
    reply::no_content()
}

/// `GET /_mock/site-groups`: `{"siteGroups": [{"name", "site"}]}`.
pub(crate) fn site_groups(app: &App, request: &ScimRequest) -> ControlResult {
    let org_id = organisation(app, request)?;
    reply::json(StatusCode::OK, &json!({"siteGroups": ops::site_groups(app, org_id)}))
}

/// `POST /_mock/site-groups` with `{"name": "confluence-users", "site":
/// "acme.atlassian.net"}`: a SCIM group of that name is then created but
/// not propagated.
pub(crate) fn add_site_group(app: &App, request: &ScimRequest) -> ControlResult {
    let org_id = organisation(app, request)?;
    let body: GroupNameBody = reply::body(request, r#"{"name": "confluence-users", "site": "acme.atlassian.net"}"#)?;
    let added = ops::add_site_group(app, org_id, &body.name, body.site.as_deref())?;
    let status = if added { StatusCode::CREATED } else { StatusCode::OK };
    reply::json(status, &json!({"siteGroups": ops::site_groups(app, org_id)}))
}

/// `DELETE /_mock/site-groups/{name}?site=`: on one site, or every site.
pub(crate) fn remove_site_group(app: &App, request: &ScimRequest, name: &str) -> ControlResult {
    let org_id = organisation(app, request)?;
    if ops::remove_site_group(app, org_id, name, request.param("site"))? == 0 {
        return Err(ControlError::not_found(format!("Site group {name:?} does not exist on that site.")));
    }
    reply::no_content()
}
