//! The admin endpoints of the user provisioning API, which take the org API
//! key: finding the SCIM records linked to an account, unlinking one, and
//! removing an account's SCIM records from every directory.

use http::{Method, Response, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::app::App;
use crate::error::{ApiError, AuthError, ScimError};
use crate::http::response::{self, Body};
use crate::http::ScimRequest;
use crate::store::{fold, World};

/// Routes a request under `/admin/user-provisioning/v1/org/{orgId}`.
pub(crate) fn route(app: &App, request: &ScimRequest, org_id: &str, rest: &[&str]) -> Result<Response<Body>, ApiError> {
    let token = crate::http::bearer_token(&request.headers)?;
    let org_id = authorise_organisation(app, org_id, token)?;
    let method = &request.method;

    let result = match (method, rest) {
        (&Method::GET, ["user", account_id, "get-scim-links"]) => Ok(links_response(&app.store.read(), org_id, |id| id == *account_id)),
        (&Method::POST, ["get-scim-links-for-email"]) => links_for_email(app, org_id, request),
        (&Method::PATCH, ["scimDirectoryId", directory_id, "scimUserId", user_id, "unlink"]) => unlink(app, org_id, directory_id, user_id),
        (&Method::DELETE, ["user", account_id, "onlyDeleteUserInDB"]) => delete_records(app, org_id, account_id),
        _ => Err(ScimError::not_found(format!(
            "No admin endpoint for {method} /{}. Supported: GET user/{{accountId}}/get-scim-links, POST get-scim-links-for-email, PATCH scimDirectoryId/{{directoryId}}/scimUserId/{{userId}}/unlink, DELETE user/{{accountId}}/onlyDeleteUserInDB.",
            rest.join("/")
        ))),
    };
    result.map_err(ApiError::from)
}

fn authorise_organisation(app: &App, org_id: &str, token: &str) -> Result<Uuid, ApiError> {
    let not_found = || ScimError::not_found(format!("Organisation [{org_id}] does not exist. Check the org id in the URL."));
    let id = Uuid::parse_str(org_id).map_err(|_| not_found())?;
    let world = app.store.read();
    let organisation = world.organisations.get(&id).ok_or_else(not_found)?;
    if organisation.api_key != token {
        return Err(AuthError::forbidden("The API key does not grant access to this organisation: use the org API key, not a directory key.").into());
    }
    Ok(id)
}

/// Lists the SCIM records of the organisation whose account matches.
fn links_response(world: &World, org_id: Uuid, account_matches: impl Fn(&str) -> bool) -> Response<Body> {
    let links: Vec<Value> = world
        .directories
        .values()
        .filter(|directory| directory.org_id == org_id)
        .flat_map(|directory| {
            directory.users().filter_map(|user| {
                let account_id = user.account_id.as_deref()?;
                account_matches(account_id).then(|| {
                    json!({
                        "scimUserId": user.id,
                        "atlassianAccountId": account_id,
                        "orgId": org_id,
                        "directoryId": directory.id,
                    })
                })
            })
        })
        .collect();
    response::json(StatusCode::OK, &json!({"scimLinks": links}))
}

fn links_for_email(app: &App, org_id: Uuid, request: &ScimRequest) -> Result<Response<Body>, ScimError> {
    let body = request.json_object()?;
    let email = body.get("email").and_then(Value::as_str).unwrap_or_default();
    if email.trim().is_empty() {
        return Err(ScimError::invalid_value("Field 'email' is required: send {\"email\": \"user@example.com\"}."));
    }
    let world = app.store.read();
    let account_id = world
        .organisations
        .get(&org_id)
        .and_then(|organisation| organisation.account_by_email.get(&fold(email)).cloned());
    Ok(links_response(&world, org_id, |id| Some(id) == account_id.as_deref()))
}

fn unlink(app: &App, org_id: Uuid, directory_id: &str, user_id: &str) -> Result<Response<Body>, ScimError> {
    let not_found = || ScimError::not_found(format!("No SCIM user [{user_id}] in directory [{directory_id}] of this organisation."));
    let directory_id = Uuid::parse_str(directory_id).map_err(|_| not_found())?;
    let user_id = Uuid::parse_str(user_id).map_err(|_| not_found())?;

    let mut world = app.store.write();
    let (directory, organisation) = world
        .directory_and_organisation_mut(directory_id)
        .filter(|(directory, _)| directory.org_id == org_id)
        .ok_or_else(not_found)?;
    let previous = directory.user(&user_id).ok_or_else(not_found)?.account_id.clone();
    directory.set_account(&user_id, None);
    organisation.audit.record(
        "user_unlinked",
        Some(directory_id),
        json!({"userId": user_id, "accountId": previous}),
    );
    Ok(response::no_content())
}

fn delete_records(app: &App, org_id: Uuid, account_id: &str) -> Result<Response<Body>, ScimError> {
    let mut world = app.store.write();
    let known = world
        .organisations
        .get(&org_id)
        .is_some_and(|organisation| organisation.accounts.contains_key(account_id));
    if !known {
        return Err(ScimError::not_found(format!("Account [{account_id}] does not exist in this organisation.")));
    }

    let mut removed = Vec::new();
    for directory in world.directories.values_mut().filter(|directory| directory.org_id == org_id) {
        let ids: Vec<Uuid> = directory
            .users()
            .filter(|user| user.account_id.as_deref() == Some(account_id))
            .map(|user| user.id)
            .collect();
        for id in ids {
            directory.remove_user(&id);
            removed.push(json!({"directoryId": directory.id, "userId": id}));
        }
    }
    if let Some(organisation) = world.organisations.get_mut(&org_id) {
        organisation.audit.record("scim_records_deleted", None, json!({"accountId": account_id, "records": removed}));
    }
    Ok(response::no_content())
}
