//! End-to-end tests of `parse_request` followed by `apply`, with request
//! shapes that Okta and Microsoft Entra ID send, RFC 7644 semantics and
//! malformed requests.

use serde_json::{json, Value};

use super::{apply, parse_request, PatchOpKind, PatchOperation};
use crate::error::{ScimError, ScimType};
use crate::filter::parse_patch_path;
use crate::schema::{ResourceType, GROUP_RESOURCE, PATCH_OP_URN, USER_RESOURCE};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "okta-00u1",
        "userName": "bjensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
        "groups": [],
        "urn:scim:schemas:extension:atlassian-external:1.0": {"atlassianAccountId": "5b10ac8d82e05b22cc7d4ef5"},
        "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00.000000Z"}
    })
}

fn group() -> Value {
    json!({
        "displayName": "Engineering",
        "externalId": "okta-00g1",
        "members": [{"value": "u1"}, {"value": "u2"}]
    })
}

fn run(resource: Value, operations: Value, resource_type: &ResourceType) -> Result<Value, ScimError> {
    let body = json!({"schemas": [PATCH_OP_URN], "Operations": operations});
    let operations = parse_request(&body)?;

    let Value::Object(mut map) = resource else {
        panic!("the resource fixture must be an object");
    };
    apply(&mut map, &operations, resource_type)?;
    Ok(Value::Object(map))
}

fn patch_user(operations: Value) -> Value {
    run(user(), operations, &USER_RESOURCE).unwrap_or_else(|error| panic!("patch failed: {}", error.detail))
}

fn patch_user_err(operations: Value) -> ScimError {
    match run(user(), operations, &USER_RESOURCE) {
        Ok(result) => panic!("patch should fail, got {result}"),
        Err(error) => error,
    }
}

fn patch_group(operations: Value) -> Value {
    run(group(), operations, &GROUP_RESOURCE).unwrap_or_else(|error| panic!("patch failed: {}", error.detail))
}

fn patch_group_err(operations: Value) -> ScimError {
    match run(group(), operations, &GROUP_RESOURCE) {
        Ok(result) => panic!("patch should fail, got {result}"),
        Err(error) => error,
    }
}

fn member_ids(group: &Value) -> Vec<&str> {
    group["members"]
        .as_array()
        .map(|members| members.iter().filter_map(|member| member["value"].as_str()).collect())
        .unwrap_or_default()
}

// Okta.

#[test]
fn okta_deactivate_without_path() {
    let patched = patch_user(json!([{"op": "replace", "value": {"active": false}}]));
    assert_eq!(patched["active"], json!(false));
}

#[test]
fn okta_pathless_ignores_id() {
    let patched = patch_user(json!([{"op": "replace", "value": {"id": "other", "active": false}}]));
    assert_eq!(patched["id"], json!("2819c223-7f76-453a-919d-413861904646"));
    assert_eq!(patched["active"], json!(false));
}

#[test]
fn okta_remove_member_by_filter() {
    let patched = patch_group(json!([{"op": "remove", "path": "members[value eq \"u1\"]"}]));
    assert_eq!(member_ids(&patched), ["u2"]);
}

#[test]
fn okta_add_members_drops_display() {
    let patched = patch_group(json!([
        {"op": "add", "path": "members", "value": [{"value": "u3", "display": "carol@example.com"}]}
    ]));
    assert_eq!(
        patched["members"],
        json!([{"value": "u1"}, {"value": "u2"}, {"value": "u3"}])
    );
}

#[test]
fn okta_add_existing_member_is_no_op() {
    let patched = patch_group(json!([{"op": "add", "path": "members", "value": [{"value": "u2"}, {"value": "u2"}]}]));
    assert_eq!(member_ids(&patched), ["u1", "u2"]);
}

#[test]
fn okta_replace_members() {
    let patched = patch_group(json!([
        {"op": "replace", "path": "members", "value": [{"value": "u9"}, {"value": "u8"}, {"value": "u9"}]}
    ]));
    assert_eq!(member_ids(&patched), ["u9", "u8"]);
}

#[test]
fn okta_pathless_group_replace() {
    let patched = patch_group(json!([
        {"op": "replace", "value": {"id": "g1", "displayName": "Engineering", "externalId": "okta-00g2"}}
    ]));
    assert_eq!(patched["displayName"], json!("Engineering"));
    assert_eq!(patched["externalId"], json!("okta-00g2"));
    assert!(patched.get("id").is_none());
}

// Microsoft Entra ID.

#[test]
fn entra_active_as_string() {
    let patched = patch_user(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    assert_eq!(patched["active"], json!(false));
}

#[test]
fn entra_active_true_upper_case() {
    let patched = patch_user(json!([
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Replace", "path": "active", "value": "TRUE"}
    ]));
    assert_eq!(patched["active"], json!(true));
}

#[test]
fn entra_active_other_string() {
    let error = patch_user_err(json!([{"op": "Replace", "path": "active", "value": "no"}]));
    assert_eq!(error.status, http::StatusCode::BAD_REQUEST);
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert_eq!(
        error.detail,
        "Operations[0] (replace of path 'active'): \"active\" is a boolean, so the value must be true or false \
         (the strings \"True\" and \"False\" are also accepted), found the string \"no\""
    );
}

#[test]
fn entra_work_email_value() {
    let patched = patch_user(json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "babs@example.com"}
    ]));
    assert_eq!(
        patched["emails"],
        json!([{"value": "babs@example.com", "type": "work", "primary": true}])
    );
}

#[test]
fn entra_add_mobile_creates_element() {
    let patched = patch_user(json!([
        {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"}
    ]));
    assert_eq!(
        patched["phoneNumbers"],
        json!([{"type": "mobile", "value": "+1 555 0100"}])
    );
}

#[test]
fn entra_replace_mobile_twice_updates() {
    let patched = patch_user(json!([
        {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"},
        {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0199"}
    ]));
    assert_eq!(
        patched["phoneNumbers"],
        json!([{"type": "mobile", "value": "+1 555 0199"}])
    );
}

#[test]
fn entra_enterprise_department() {
    let patched = patch_user(json!([
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Tour Operations"}
    ]));
    assert_eq!(patched[ENTERPRISE], json!({"department": "Tour Operations"}));
}

#[test]
fn entra_pathless_dotted_keys() {
    let patched = patch_user(json!([{
        "op": "Replace",
        "value": {
            "name.givenName": "Babs",
            "name.familyName": "Jensen-Smith",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "701984",
            "displayName": "Babs J"
        }
    }]));
    assert_eq!(
        patched["name"],
        json!({"givenName": "Babs", "familyName": "Jensen-Smith"})
    );
    assert_eq!(patched[ENTERPRISE], json!({"employeeNumber": "701984"}));
    assert_eq!(patched["displayName"], json!("Babs J"));
}

#[test]
fn entra_remove_members_by_value_array() {
    let patched = patch_group(json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}]}]));
    assert_eq!(member_ids(&patched), ["u2"]);
}

#[test]
fn entra_add_members_value_array() {
    let patched = patch_group(json!([{"op": "Add", "path": "members", "value": [{"value": "u3"}, {"value": "u4"}]}]));
    assert_eq!(member_ids(&patched), ["u1", "u2", "u3", "u4"]);
}

#[test]
fn entra_primary_as_string() {
    let patched = patch_user(json!([
        {"op": "Add", "path": "emails[type eq \"home\"].value", "value": "babs@home.example"},
        {"op": "Replace", "path": "emails[type eq \"home\"].primary", "value": "True"}
    ]));
    assert_eq!(
        patched["emails"],
        json!([
            {"value": "bjensen@example.com", "type": "work", "primary": false},
            {"type": "home", "value": "babs@home.example", "primary": true}
        ])
    );
}

#[test]
fn entra_operations_key_lower_case() {
    let body = json!({"schemas": [PATCH_OP_URN], "operations": [{"op": "replace", "path": "title", "value": "Boss"}]});
    let operations = parse_request(&body).expect("valid body");
    let Value::Object(mut resource) = user() else {
        panic!("fixture is an object");
    };
    apply(&mut resource, &operations, &USER_RESOURCE).expect("valid patch");
    assert_eq!(resource["title"], json!("Boss"));
}

// Single-valued attributes.

#[test]
fn add_sets_simple_attribute() {
    let patched = patch_user(json!([{"op": "add", "path": "title", "value": "Tour Guide"}]));
    assert_eq!(patched["title"], json!("Tour Guide"));
}

#[test]
fn add_merges_complex_attribute() {
    let patched = patch_user(json!([{"op": "add", "path": "name", "value": {"middleName": "Jane"}}]));
    assert_eq!(
        patched["name"],
        json!({"givenName": "Barbara", "familyName": "Jensen", "middleName": "Jane"})
    );
}

#[test]
fn replace_merges_complex_attribute() {
    let patched =
        patch_user(json!([{"op": "replace", "path": "name", "value": {"givenName": "Babs", "familyName": null}}]));
    assert_eq!(patched["name"], json!({"givenName": "Babs"}));
}

#[test]
fn replace_null_clears_attribute() {
    let patched = patch_user(json!([{"op": "replace", "path": "displayName", "value": null}]));
    assert!(patched.get("displayName").is_none());
}

#[test]
fn add_null_changes_nothing() {
    let patched = patch_user(json!([{"op": "add", "path": "displayName", "value": null}]));
    assert_eq!(patched["displayName"], json!("Babs Jensen"));
}

#[test]
fn replace_sub_attribute() {
    let patched = patch_user(json!([{"op": "replace", "path": "name.givenName", "value": "Babs"}]));
    assert_eq!(patched["name"], json!({"givenName": "Babs", "familyName": "Jensen"}));
}

#[test]
fn add_sub_attribute_creates_parent() {
    let Value::Object(mut resource) = user() else {
        panic!("fixture is an object");
    };
    resource.remove("name");
    let operations = parse_request(&json!({"Operations": [{"op": "add", "path": "name.formatted", "value": "Ms. B"}]}))
        .expect("valid body");
    apply(&mut resource, &operations, &USER_RESOURCE).expect("valid patch");
    assert_eq!(resource["name"], json!({"formatted": "Ms. B"}));
}

#[test]
fn remove_last_sub_attribute_removes_parent() {
    let patched = patch_user(json!([
        {"op": "remove", "path": "name.givenName"},
        {"op": "remove", "path": "name.familyName"}
    ]));
    assert!(patched.get("name").is_none());
}

#[test]
fn remove_absent_attribute_is_no_op() {
    let patched =
        patch_user(json!([{"op": "remove", "path": "nickName"}, {"op": "remove", "path": "name.middleName"}]));
    assert_eq!(patched, user());
}

#[test]
fn canonical_spelling_is_written() {
    let patched = patch_user(json!([{"op": "replace", "path": "DISPLAYNAME", "value": "B"}]));
    assert_eq!(patched["displayName"], json!("B"));
    assert!(patched.get("DISPLAYNAME").is_none());
}

#[test]
fn case_variant_key_is_replaced() {
    let Value::Object(mut resource) = user() else {
        panic!("fixture is an object");
    };
    resource.insert("Title".into(), json!("old"));
    let operations = parse_request(&json!({"Operations": [{"op": "replace", "path": "title", "value": "new"}]}))
        .expect("valid body");
    apply(&mut resource, &operations, &USER_RESOURCE).expect("valid patch");
    assert_eq!(resource.get("title"), Some(&json!("new")));
    assert_eq!(resource.get("Title"), None);
}

#[test]
fn group_display_name_is_written() {
    let patched = patch_group(json!([{"op": "replace", "path": "displayName", "value": "Renamed"}]));
    assert_eq!(patched["displayName"], json!("Renamed"));
}

// Multi-valued attributes.

#[test]
fn add_email_appends() {
    let patched =
        patch_user(json!([{"op": "add", "path": "emails", "value": [{"value": "b@home.example", "type": "home"}]}]));
    assert_eq!(patched["emails"].as_array().map(Vec::len), Some(2));
}

#[test]
fn add_single_object_as_array() {
    let patched =
        patch_user(json!([{"op": "add", "path": "emails", "value": {"value": "b@home.example", "type": "home"}}]));
    assert_eq!(patched["emails"][1], json!({"value": "b@home.example", "type": "home"}));
}

#[test]
fn add_equal_email_is_skipped() {
    let patched = patch_user(json!([
        {"op": "add", "path": "emails", "value": [{"value": "bjensen@example.com", "type": "work", "primary": true}]}
    ]));
    assert_eq!(patched["emails"], user()["emails"]);
}

#[test]
fn add_primary_email_clears_other() {
    let patched = patch_user(json!([
        {"op": "add", "path": "emails", "value": [{"value": "new@example.com", "type": "work", "primary": "true"}]}
    ]));
    assert_eq!(patched["emails"][0]["primary"], json!(false));
    assert_eq!(patched["emails"][1]["primary"], json!(true));
}

#[test]
fn replace_emails_sets_list() {
    let patched = patch_user(
        json!([{"op": "replace", "path": "emails", "value": [{"value": "only@example.com", "primary": true}]}]),
    );
    assert_eq!(
        patched["emails"],
        json!([{"value": "only@example.com", "primary": true}])
    );
}

#[test]
fn replace_emails_two_primaries() {
    let error = patch_user_err(json!([{
        "op": "replace",
        "path": "emails",
        "value": [{"value": "a@example.com", "primary": true}, {"value": "b@example.com", "primary": true}]
    }]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(error.detail.contains("at most one"), "{}", error.detail);
}

#[test]
fn replace_emails_null_clears() {
    let patched = patch_user(json!([{"op": "replace", "path": "emails", "value": null}]));
    assert!(patched.get("emails").is_none());
}

#[test]
fn replace_emails_empty_clears() {
    let patched = patch_user(json!([{"op": "replace", "path": "emails", "value": []}]));
    assert!(patched.get("emails").is_none());
}

#[test]
fn remove_email_by_filter() {
    let patched = patch_user(json!([
        {"op": "add", "path": "emails", "value": [{"value": "b@home.example", "type": "home"}]},
        {"op": "remove", "path": "emails[type eq \"work\"]"}
    ]));
    assert_eq!(patched["emails"], json!([{"value": "b@home.example", "type": "home"}]));
}

#[test]
fn remove_filter_ignores_case_of_type() {
    let patched = patch_user(json!([{"op": "remove", "path": "emails[type eq \"WORK\"]"}]));
    assert!(patched.get("emails").is_none());
}

#[test]
fn remove_sub_attribute_through_filter() {
    let patched = patch_user(json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]));
    assert_eq!(
        patched["emails"],
        json!([{"value": "bjensen@example.com", "type": "work"}])
    );
}

#[test]
fn remove_unmatched_filter_is_no_op() {
    let patched = patch_user(json!([{"op": "remove", "path": "emails[type eq \"other\"]"}]));
    assert_eq!(patched, user());
}

#[test]
fn add_through_filter_merges() {
    let patched = patch_user(json!([{"op": "add", "path": "emails[type eq \"work\"]", "value": {"display": "Work"}}]));
    assert_eq!(
        patched["emails"],
        json!([{"value": "bjensen@example.com", "type": "work", "primary": true, "display": "Work"}])
    );
}

#[test]
fn replace_through_filter_replaces_element() {
    let patched = patch_user(json!([
        {"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "x@example.com", "type": "work"}}
    ]));
    assert_eq!(patched["emails"], json!([{"value": "x@example.com", "type": "work"}]));
}

#[test]
fn replace_through_and_filter_creates_element() {
    let patched = patch_user(json!([
        {"op": "replace", "path": "phoneNumbers[type eq \"work\" and primary eq true].value", "value": "+44 20"}
    ]));
    assert_eq!(
        patched["phoneNumbers"],
        json!([{"type": "work", "primary": true, "value": "+44 20"}])
    );
}

#[test]
fn replace_through_or_filter_matching_nothing() {
    let error = patch_user_err(json!([
        {"op": "replace", "path": "phoneNumbers[type eq \"work\" or type eq \"home\"].value", "value": "+44 20"}
    ]));
    assert_eq!(error.scim_type, Some(ScimType::NoTarget));
    assert!(error.detail.contains("matches no element"), "{}", error.detail);
}

#[test]
fn sub_attribute_without_filter_writes_all() {
    let patched = patch_user(json!([
        {"op": "add", "path": "emails", "value": [{"value": "b@home.example", "type": "home"}]},
        {"op": "replace", "path": "emails.display", "value": "Mail"}
    ]));
    assert_eq!(patched["emails"][0]["display"], json!("Mail"));
    assert_eq!(patched["emails"][1]["display"], json!("Mail"));
}

#[test]
fn filter_type_checks_value() {
    let error = patch_user_err(json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": 42}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(
        error
            .detail
            .contains("\"emails.value\" expects a string, found the number 42"),
        "{}",
        error.detail
    );
}

#[test]
fn filter_literal_type_checked_on_create() {
    let error = patch_user_err(json!([
        {"op": "add", "path": "phoneNumbers[primary eq \"yes\"].value", "value": "+1"}
    ]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(error.detail.contains("phoneNumbers.primary"), "{}", error.detail);
}

// Group members.

#[test]
fn remove_all_members() {
    let patched = patch_group(json!([{"op": "remove", "path": "members"}]));
    assert!(patched.get("members").is_none());
}

#[test]
fn remove_absent_member_value() {
    let patched = patch_group(json!([{"op": "remove", "path": "members", "value": [{"value": "u9"}]}]));
    assert_eq!(member_ids(&patched), ["u1", "u2"]);
}

#[test]
fn member_value_is_case_exact() {
    let patched = patch_group(json!([{"op": "remove", "path": "members[value eq \"U1\"]"}]));
    assert_eq!(member_ids(&patched), ["u1", "u2"]);
}

#[test]
fn member_without_value() {
    let error = patch_group_err(json!([{"op": "add", "path": "members", "value": [{"display": "carol"}]}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(
        error.detail.contains("\"members[0]\" has no \"value\""),
        "{}",
        error.detail
    );
}

#[test]
fn members_as_string() {
    let error = patch_group_err(json!([{"op": "add", "path": "members", "value": "u3"}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(error.detail.contains("multi-valued"), "{}", error.detail);
}

#[test]
fn member_display_is_read_only() {
    let error = patch_group_err(json!([{"op": "replace", "path": "members[value eq \"u1\"].display", "value": "x"}]));
    assert_eq!(error.scim_type, Some(ScimType::Mutability));
}

// Extensions.

#[test]
fn whole_extension_path() {
    let patched =
        patch_user(json!([{"op": "add", "path": ENTERPRISE, "value": {"department": "Sales", "costCenter": "4130"}}]));
    assert_eq!(
        patched[ENTERPRISE],
        json!({"department": "Sales", "costCenter": "4130"})
    );
}

#[test]
fn pathless_extension_object() {
    let patched = patch_user(json!([{"op": "add", "value": {ENTERPRISE: {"Department": "Sales", "bogus": 1}}}]));
    assert_eq!(patched[ENTERPRISE], json!({"department": "Sales"}));
}

#[test]
fn pathless_extension_not_object() {
    let error = patch_user_err(json!([{"op": "add", "value": {ENTERPRISE: "Sales"}}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(error.detail.contains("is an extension"), "{}", error.detail);
}

#[test]
fn remove_whole_extension() {
    let patched = patch_user(json!([
        {"op": "add", "path": format!("{ENTERPRISE}:department"), "value": "Sales"},
        {"op": "remove", "path": ENTERPRISE}
    ]));
    assert!(patched.get(ENTERPRISE).is_none());
}

#[test]
fn emptied_extension_is_dropped() {
    let patched = patch_user(json!([
        {"op": "add", "path": format!("{ENTERPRISE}:department"), "value": "Sales"},
        {"op": "remove", "path": format!("{ENTERPRISE}:department")}
    ]));
    assert!(patched.get(ENTERPRISE).is_none());
}

#[test]
fn enterprise_manager_sub_attribute() {
    let patched = patch_user(json!([{"op": "add", "path": format!("{ENTERPRISE}:manager.value"), "value": "u-boss"}]));
    assert_eq!(patched[ENTERPRISE], json!({"manager": {"value": "u-boss"}}));
}

#[test]
fn custom_extension_attribute() {
    let path = "urn:scim:schemas:extension:atlassian-custom:1.0:Attributes:basedIn";
    let patched = patch_user(json!([{"op": "add", "path": path, "value": "Sydney"}]));
    assert_eq!(
        patched["urn:scim:schemas:extension:atlassian-custom:1.0:Attributes"],
        json!({"basedIn": "Sydney"})
    );
}

// Path-less values.

#[test]
fn pathless_ignores_read_only_and_unknown() {
    let patched = patch_user(json!([{
        "op": "replace",
        "value": {"schemas": ["x"], "meta": {}, "groups": [{"value": "g"}], "bogus": 1, "not a path[": 2, "title": "T"}
    }]));
    let mut expected = user();
    expected["title"] = json!("T");
    assert_eq!(patched, expected);
}

#[test]
fn pathless_core_urn_key() {
    let patched = patch_user(
        json!([{"op": "replace", "value": {"urn:ietf:params:scim:schemas:core:2.0:User": {"nickName": "Babs"}}}]),
    );
    assert_eq!(patched["nickName"], json!("Babs"));
}

#[test]
fn pathless_qualified_core_key() {
    let patched =
        patch_user(json!([{"op": "replace", "value": {"urn:ietf:params:scim:schemas:core:2.0:User:title": "T"}}]));
    assert_eq!(patched["title"], json!("T"));
}

#[test]
fn pathless_value_not_object() {
    let error = patch_user_err(json!([{"op": "replace", "value": false}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(error.detail.contains("without a path"), "{}", error.detail);
}

#[test]
fn pathless_type_error_names_attribute() {
    let error = patch_user_err(json!([{"op": "replace", "value": {"active": "maybe"}}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(
        error
            .detail
            .starts_with("Operations[0] (replace without a path): \"active\""),
        "{}",
        error.detail
    );
}

#[test]
fn pathless_replace_emails_sets_list() {
    let patched = patch_user(
        json!([{"op": "replace", "value": {"emails": [{"value": "n@example.com", "type": "work", "primary": true}]}}]),
    );
    assert_eq!(
        patched["emails"],
        json!([{"value": "n@example.com", "type": "work", "primary": true}])
    );
}

// Rejected paths and values.

#[test]
fn unknown_attribute_path() {
    let error = patch_user_err(json!([{"op": "replace", "path": "favouriteColour", "value": "blue"}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidPath));
    assert!(error.detail.contains("\"favouriteColour\""), "{}", error.detail);
    assert!(
        error
            .detail
            .starts_with("Operations[0] (replace of path 'favouriteColour')"),
        "{}",
        error.detail
    );
}

#[test]
fn read_only_paths() {
    for path in [
        "id",
        "meta",
        "meta.created",
        "groups",
        "schemas",
        "urn:scim:schemas:extension:atlassian-external:1.0:atlassianAccountId",
    ] {
        let error = patch_user_err(json!([{"op": "replace", "path": path, "value": "x"}]));
        assert_eq!(error.scim_type, Some(ScimType::Mutability), "{path}");
    }
}

#[test]
fn read_only_remove() {
    let error = patch_user_err(json!([{"op": "remove", "path": "groups"}]));
    assert_eq!(error.scim_type, Some(ScimType::Mutability));
}

#[test]
fn number_for_string_attribute() {
    let error = patch_user_err(json!([{"op": "replace", "path": "title", "value": 5}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(
        error.detail.contains("\"title\" expects a string, found the number 5"),
        "{}",
        error.detail
    );
}

#[test]
fn string_for_complex_attribute() {
    let error = patch_user_err(json!([{"op": "replace", "path": "name", "value": "Barbara Jensen"}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(error.detail.contains("\"name\" is complex"), "{}", error.detail);
}

#[test]
fn boolean_for_primary_sub_attribute() {
    let error = patch_user_err(json!([{"op": "add", "path": "emails", "value": [{"value": "a@b.c", "primary": 1}]}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(
        error.detail.contains("\"emails[0].primary\" is a boolean"),
        "{}",
        error.detail
    );
}

#[test]
fn filter_on_single_valued_attribute() {
    let error = patch_user_err(json!([{"op": "replace", "path": "name[givenName eq \"B\"].familyName", "value": "J"}]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidPath));
}

#[test]
fn first_error_is_returned() {
    let error = patch_user_err(json!([
        {"op": "replace", "path": "title", "value": "ok"},
        {"op": "replace", "path": "bogus", "value": 1},
        {"op": "replace", "path": "active", "value": "nope"}
    ]));
    assert_eq!(error.scim_type, Some(ScimType::InvalidPath));
    assert!(error.detail.starts_with("Operations[1]"), "{}", error.detail);
}

#[test]
fn remove_without_path_built_directly() {
    let operations = [PatchOperation {
        op: PatchOpKind::Remove,
        path: None,
        value: None,
    }];
    let Value::Object(mut resource) = user() else {
        panic!("fixture is an object");
    };
    let error = apply(&mut resource, &operations, &USER_RESOURCE).expect_err("no target");
    assert_eq!(error.scim_type, Some(ScimType::NoTarget));
}

#[test]
fn add_without_value_built_directly() {
    let operations = [PatchOperation {
        op: PatchOpKind::Add,
        path: Some(parse_patch_path("title").expect("valid path")),
        value: None,
    }];
    let Value::Object(mut resource) = user() else {
        panic!("fixture is an object");
    };
    let error = apply(&mut resource, &operations, &USER_RESOURCE).expect_err("no value");
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn odd_values_never_panic() {
    let values = [
        json!(null),
        json!(true),
        json!("True"),
        json!(-1),
        json!(1.5),
        json!(""),
        json!([]),
        json!([null]),
        json!([[]]),
        json!({}),
        json!({"value": {"nested": []}}),
        json!([{"value": "a", "primary": true}, {"value": "b", "primary": "TRUE"}]),
    ];
    let paths = [
        None,
        Some("title"),
        Some("active"),
        Some("name"),
        Some("name.givenName"),
        Some("emails"),
        Some("emails.primary"),
        Some(r#"emails[type eq "work"]"#),
        Some(r#"emails[type eq "work"].value"#),
        Some(r#"emails[not (type eq "work")].value"#),
        Some(r#"phoneNumbers[type eq "mobile" and primary eq true].primary"#),
        Some(ENTERPRISE),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"),
        Some("members"),
    ];

    for op in ["add", "replace", "remove"] {
        for path in paths {
            for value in &values {
                let mut operation = json!({"op": op, "value": value});
                if let Some(path) = path {
                    operation["path"] = json!(path);
                }
                for resource_type in [&USER_RESOURCE, &GROUP_RESOURCE] {
                    let _ = run(user(), json!([operation.clone()]), resource_type);
                    let _ = run(group(), json!([operation.clone()]), resource_type);
                }
            }
        }
    }
}
