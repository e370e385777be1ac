//! One-line descriptions of operations in HTTP terms, for reports of shrunk
//! sequences: `POST /Users userName=pt-3f9a1c-ann email=… active=true (id saved as u0)`.
//!
//! Ids appear as the placeholders that a written scenario file also uses,
//! such as `${u0}`, because the server assigns new ids on every run.

use serde_json::Value;

use super::concurrency::RaceCase;
use super::names::Naming;
use super::requests::{render, ENTERPRISE_SCHEMA};
use super::transitions::{InvalidUser, Op};

/// Describes one operation as its request line and the parts of its body
/// that matter.
pub fn describe_op(naming: &Naming, op: &Op) -> String {
    let request = render(naming, op);
    let mut line = request.summary();
    let details = match op {
        Op::InvalidCreateUser { kind } => Some(format!("({})", invalid_user_text(*kind))),
        Op::InvalidCreateGroup => Some("(without displayName)".to_owned()),
        Op::EmptyPatch { .. } => Some("with an empty Operations array".to_owned()),
        _ => request.body.as_ref().map(describe_body),
    };
    if let Some(details) = details.filter(|details| !details.is_empty()) {
        line.push(' ');
        line.push_str(&details);
    }
    if let Some(placeholder) = &request.binds {
        line.push_str(&format!(" (id saved as {placeholder})"));
    }
    line
}

/// Describes a race case as the three races it runs.
pub fn describe_race(naming: &Naming, case: &RaceCase) -> String {
    let entra = case.member_dialects.iter().filter(|entra| **entra).count();
    format!(
        "{clients} concurrent clients: each sends POST /Users userName={user} in its own letter case, \
         then POST /Groups displayName={group} likewise, then {adds} concurrent PATCH /Groups/<winner> \
         add one member each ({entra} of them as Entra's \"Add\")",
        clients = case.clients,
        user = naming.user_name(case.user_stem),
        group = naming.group_name(case.group_stem),
        adds = case.member_dialects.len(),
    )
}

fn invalid_user_text(kind: InvalidUser) -> &'static str {
    match kind {
        InvalidUser::MissingUserName => "without userName",
        InvalidUser::BlankUserName => "with a blank userName",
        InvalidUser::MissingEmails => "without emails",
        InvalidUser::UnverifiedDomain => "with an email on an unverified domain",
    }
}

fn describe_body(body: &Value) -> String {
    let Some(object) = body.as_object() else {
        return compact(body);
    };
    for key in ["Operations", "operations"] {
        if let Some(Value::Array(operations)) = object.get(key) {
            let listed: Vec<String> = operations.iter().map(describe_patch_operation).collect();
            let note = if key == "operations" {
                " (sent under the key `operations`)"
            } else {
                ""
            };
            return format!("{}{note}", listed.join(", "));
        }
    }
    let mut parts = Vec::new();
    for (key, value) in object {
        match key.as_str() {
            "schemas" => {}
            "emails" => {
                let emails: Vec<String> = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|email| email.get("value"))
                    .map(scalar)
                    .collect();
                parts.push(format!("email={}", emails.join(",")));
            }
            "members" => parts.push(format!("members={}", members(value))),
            "name" => {
                if let Some(given) = value.get("givenName") {
                    parts.push(format!("name.givenName={}", scalar(given)));
                }
            }
            key if key == ENTERPRISE_SCHEMA => {
                if let Some(department) = value.get("department") {
                    parts.push(format!("department={}", scalar(department)));
                }
            }
            other => parts.push(format!("{other}={}", scalar(value))),
        }
    }
    parts.join(" ")
}

/// Describes one PATCH operation as `op path value`, such as `add members [${u1}]`.
fn describe_patch_operation(operation: &Value) -> String {
    let op = operation.get("op").map_or_else(|| "<no op>".to_owned(), scalar);
    let mut text = op;
    if let Some(path) = operation.get("path") {
        text.push(' ');
        text.push_str(&scalar(path));
    }
    if let Some(value) = operation.get("value") {
        text.push(' ');
        let is_member_list = value.as_array().is_some_and(|items| {
            items.iter().all(|item| {
                item.as_object()
                    .is_some_and(|item| item.len() == 1 && item.contains_key("value"))
            })
        });
        if is_member_list {
            text.push_str(&members(value));
        } else {
            text.push_str(&compact(value));
        }
    }
    text
}

fn members(value: &Value) -> String {
    let ids: Vec<String> = value
        .as_array()
        .into_iter()
        .flatten()
        .map(|member| member.get("value").map_or_else(|| compact(member), scalar))
        .collect();
    format!("[{}]", ids.join(", "))
}

/// Renders a string bare when that cannot be misread, else as JSON.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) if is_bare(text) => text.clone(),
        other => compact(other),
    }
}

fn is_bare(text: &str) -> bool {
    !text.is_empty()
        && !text
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | ',' | '[' | ']' | '=' | '(' | ')'))
}

fn compact(value: &Value) -> String {
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::props::model::{GroupKey, UserKey};
    use crate::props::transitions::{GroupPatch, GroupRef, UserFields, UserPatch, UserRef};

    fn naming() -> Naming {
        Naming::new("pt-abc123-", "example.com").expect("valid naming")
    }

    fn fields(user_name: &'static str) -> UserFields {
        UserFields {
            user_name,
            email: "ann",
            external_id: None,
            given_name: None,
            display_name: None,
            department: None,
            active: true,
        }
    }

    #[test]
    fn create_user_names_fields_and_placeholder() {
        let op = Op::CreateUser {
            key: UserKey(0),
            fields: fields("ann"),
        };
        assert_eq!(
            describe_op(&naming(), &op),
            "POST /Users userName=pt-abc123-ann email=pt-abc123-ann@example.com active=true (id saved as u0)"
        );
    }

    #[test]
    fn odd_names_are_quoted() {
        let op = Op::CreateUser {
            key: UserKey(1),
            fields: fields("a\"b\\c"),
        };
        let line = describe_op(&naming(), &op);
        assert!(line.contains(r#"userName="pt-abc123-a\"b\\c""#), "{line}");
    }

    #[test]
    fn patch_lists_operations() {
        let op = Op::PatchGroup {
            group: GroupRef::Live(GroupKey(2)),
            ops: vec![
                GroupPatch::AddMembers {
                    users: vec![UserRef::Live(UserKey(0)), UserRef::Live(UserKey(1))],
                    entra: true,
                },
                GroupPatch::RemoveAllMembers,
            ],
            lowercase_key: true,
        };
        assert_eq!(
            describe_op(&naming(), &op),
            "PATCH /Groups/${g2} Add members [${u0}, ${u1}], remove members (sent under the key `operations`)"
        );
        let op = Op::PatchUser {
            user: UserRef::Live(UserKey(0)),
            ops: vec![UserPatch::ActiveOkta { active: false }],
            lowercase_key: false,
        };
        assert_eq!(
            describe_op(&naming(), &op),
            r#"PATCH /Users/${u0} replace {"active":false}"#
        );
    }

    #[test]
    fn invalid_requests_say_what_is_wrong() {
        let op = Op::InvalidCreateUser {
            kind: InvalidUser::MissingUserName,
        };
        assert_eq!(describe_op(&naming(), &op), "POST /Users (without userName)");
        let op = Op::EmptyPatch {
            user: UserRef::Live(UserKey(3)),
        };
        assert_eq!(
            describe_op(&naming(), &op),
            "PATCH /Users/${u3} with an empty Operations array"
        );
    }

    #[test]
    fn race_names_clients_and_names() {
        let case = RaceCase {
            clients: 2,
            user_stem: "ann",
            group_stem: "eng",
            member_dialects: vec![true, false, false],
        };
        let text = describe_race(&naming(), &case);
        assert!(text.starts_with("2 concurrent clients:"), "{text}");
        assert!(text.contains("userName=pt-abc123-ann"), "{text}");
        assert!(text.contains("then 3 concurrent PATCH"), "{text}");
        assert!(text.contains("(1 of them as Entra's \"Add\")"), "{text}");
    }
}
