//! The Schema documents (RFC 7643 §7) of every schema the server uses.

use serde_json::{json, Value};

use super::{location, meta, DiscoveryContext};
use crate::schema::{Attribute, AttributeType, Schema, GROUP_RESOURCE, USER_RESOURCE};

/// URN of the Schema schema.
pub const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// Renders the Schema document of every schema: the core User schema, its
/// extensions in table order, then the core Group schema and its extensions.
pub fn schemas(context: &DiscoveryContext) -> Vec<Value> {
    all_schemas()
        .map(|schema| render_schema(context, schema))
        .collect()
}

/// Renders the Schema document whose id is `urn`, or `None` if there is none.
///
/// The URN must match the schema id exactly, including case, as the id
/// appears in the document's URL `/Schemas/<urn>`. A URN with an attribute
/// name appended, such as `...:core:2.0:User:userName`, is not a schema.
pub fn schema(context: &DiscoveryContext, urn: &str) -> Option<Value> {
    all_schemas()
        .find(|schema| schema.id == urn)
        .map(|schema| render_schema(context, schema))
}

fn all_schemas() -> impl Iterator<Item = &'static Schema> {
    USER_RESOURCE.schemas().chain(GROUP_RESOURCE.schemas())
}

fn render_schema(context: &DiscoveryContext, schema: &Schema) -> Value {
    let path = format!("/Schemas/{}", schema.id);

    json!({
        "schemas": [SCHEMA_URN],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": render_attributes(schema.attributes),
        "meta": meta("Schema", location(context, &path)),
    })
}

fn render_attributes(attributes: &[Attribute]) -> Vec<Value> {
    attributes.iter().map(render_attribute).collect()
}

/// Renders one attribute definition with every characteristic of RFC 7643 §7.
///
/// `subAttributes` appears on complex attributes only, and `canonicalValues`
/// and `referenceTypes` only when the table gives values, so the document
/// never contains an empty list that means "unset".
fn render_attribute(attribute: &Attribute) -> Value {
    let mut rendered = json!({
        "name": attribute.name,
        "type": attribute.kind.as_str(),
        "multiValued": attribute.multi_valued,
        "description": attribute.description,
        "required": attribute.required,
        "caseExact": attribute.case_exact,
        "mutability": attribute.mutability.as_str(),
        "returned": attribute.returned.as_str(),
        "uniqueness": attribute.uniqueness.as_str(),
    });

    if attribute.kind == AttributeType::Complex {
        rendered["subAttributes"] = Value::Array(render_attributes(attribute.sub_attributes));
    }

    if !attribute.canonical_values.is_empty() {
        rendered["canonicalValues"] = json!(attribute.canonical_values);
    }

    if !attribute.reference_types.is_empty() {
        rendered["referenceTypes"] = json!(attribute.reference_types);
    }

    rendered
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{context, null_paths};
    use super::*;
    use crate::schema::{
        ATLASSIAN_CUSTOM_URN, ATLASSIAN_EXTERNAL_URN, ENTERPRISE_URN, GROUP_URN, LIST_RESPONSE_URN,
        USER_URN,
    };

    const ALL_URNS: [&str; 5] = [
        USER_URN,
        ENTERPRISE_URN,
        ATLASSIAN_EXTERNAL_URN,
        ATLASSIAN_CUSTOM_URN,
        GROUP_URN,
    ];

    fn rendered(urn: &str) -> Value {
        schema(&context(), urn).expect("the schema exists")
    }

    fn attributes(value: &Value) -> &Vec<Value> {
        value.as_array().expect("attribute list is an array")
    }

    /// Checks that `rendered` matches `expected` in every characteristic,
    /// descending into sub-attributes. `path` names the attribute in failures.
    fn assert_attribute(rendered: &Value, expected: &Attribute, path: &str) {
        assert_eq!(rendered["name"], expected.name, "name of {path}");
        assert_eq!(rendered["type"], expected.kind.as_str(), "type of {path}");
        assert_eq!(
            rendered["multiValued"], expected.multi_valued,
            "multiValued of {path}"
        );
        assert_eq!(
            rendered["description"], expected.description,
            "description of {path}"
        );
        assert_eq!(
            rendered["required"], expected.required,
            "required of {path}"
        );
        assert_eq!(
            rendered["caseExact"], expected.case_exact,
            "caseExact of {path}"
        );
        assert_eq!(
            rendered["mutability"],
            expected.mutability.as_str(),
            "mutability of {path}"
        );
        assert_eq!(
            rendered["returned"],
            expected.returned.as_str(),
            "returned of {path}"
        );
        assert_eq!(
            rendered["uniqueness"],
            expected.uniqueness.as_str(),
            "uniqueness of {path}"
        );

        if expected.canonical_values.is_empty() {
            assert!(
                rendered.get("canonicalValues").is_none(),
                "canonicalValues of {path}"
            );
        } else {
            assert_eq!(
                rendered["canonicalValues"],
                json!(expected.canonical_values),
                "canonicalValues of {path}"
            );
        }

        if expected.reference_types.is_empty() {
            assert!(
                rendered.get("referenceTypes").is_none(),
                "referenceTypes of {path}"
            );
        } else {
            assert_eq!(
                rendered["referenceTypes"],
                json!(expected.reference_types),
                "referenceTypes of {path}"
            );
        }

        if expected.kind != AttributeType::Complex {
            assert!(
                rendered.get("subAttributes").is_none(),
                "subAttributes of {path}"
            );
            return;
        }

        let subs = attributes(&rendered["subAttributes"]);
        assert_eq!(
            subs.len(),
            expected.sub_attributes.len(),
            "subAttributes of {path}"
        );
        for (sub, expected_sub) in subs.iter().zip(expected.sub_attributes) {
            assert_attribute(sub, expected_sub, &format!("{path}.{}", expected_sub.name));
        }
    }

    /// Calls `check` on every rendered attribute of every schema, with its
    /// path in the form `<urn>:<attribute>.<sub-attribute>`.
    fn for_each_attribute(check: &mut dyn FnMut(&Value, &str)) {
        for document in schemas(&context()) {
            let urn = document["id"].as_str().expect("id is a string");

            for attribute in attributes(&document["attributes"]) {
                let name = attribute["name"].as_str().expect("name is a string");
                let path = format!("{urn}:{name}");
                check(attribute, &path);

                let Some(subs) = attribute.get("subAttributes") else {
                    continue;
                };
                for sub in attributes(subs) {
                    let sub_name = sub["name"].as_str().expect("name is a string");
                    check(sub, &format!("{path}.{sub_name}"));
                }
            }
        }
    }

    #[test]
    fn schemas_order() {
        let documents = schemas(&context());
        let ids: Vec<&Value> = documents.iter().map(|document| &document["id"]).collect();

        assert_eq!(ids, ALL_URNS.to_vec());
    }

    #[test]
    fn schemas_match_lookups() {
        let expected: Vec<Value> = ALL_URNS.iter().map(|urn| rendered(urn)).collect();
        assert_eq!(schemas(&context()), expected);
    }

    #[test]
    fn schema_document_shape() {
        for urn in ALL_URNS {
            let document = rendered(urn);

            assert_eq!(document["schemas"], json!([SCHEMA_URN]), "schemas of {urn}");
            assert_eq!(document["id"], urn, "id of {urn}");
            assert!(document["name"].is_string(), "name of {urn}");
            assert!(document["description"].is_string(), "description of {urn}");
            assert!(document["attributes"].is_array(), "attributes of {urn}");
        }
    }

    #[test]
    fn schema_names() {
        assert_eq!(rendered(USER_URN)["name"], "User");
        assert_eq!(rendered(ENTERPRISE_URN)["name"], "EnterpriseUser");
        assert_eq!(rendered(GROUP_URN)["name"], "Group");
    }

    #[test]
    fn schema_meta() {
        for urn in ALL_URNS {
            let document = rendered(urn);
            let location = format!("http://127.0.0.1:8080/scim/directory/d1/Schemas/{urn}");

            assert_eq!(document["meta"]["resourceType"], "Schema", "meta of {urn}");
            assert_eq!(document["meta"]["location"], location, "meta of {urn}");
        }
    }

    #[test]
    fn schema_location_trailing_slash() {
        let mut context = context();
        context.base_url.push('/');

        let document = schema(&context, GROUP_URN).expect("Group schema exists");

        assert_eq!(
            document["meta"]["location"],
            format!("http://127.0.0.1:8080/scim/directory/d1/Schemas/{GROUP_URN}")
        );
    }

    #[test]
    fn attributes_match_tables() {
        for resource_type in [&USER_RESOURCE, &GROUP_RESOURCE] {
            for table in resource_type.schemas() {
                let document = rendered(table.id);
                let list = attributes(&document["attributes"]);

                assert_eq!(
                    list.len(),
                    table.attributes.len(),
                    "attributes of {}",
                    table.id
                );
                for (attribute, expected) in list.iter().zip(table.attributes) {
                    assert_attribute(
                        attribute,
                        expected,
                        &format!("{}:{}", table.id, expected.name),
                    );
                }
            }
        }
    }

    #[test]
    fn attributes_have_all_characteristics() {
        let keys = [
            "name",
            "type",
            "multiValued",
            "description",
            "required",
            "caseExact",
            "mutability",
            "returned",
            "uniqueness",
        ];

        for_each_attribute(&mut |attribute, path| {
            for key in keys {
                assert!(attribute.get(key).is_some(), "{path} has no {key}");
            }
        });
    }

    #[test]
    fn complex_attributes_have_sub_attributes() {
        for_each_attribute(&mut |attribute, path| {
            if attribute["type"] == "complex" {
                let subs = attributes(&attribute["subAttributes"]);
                assert!(!subs.is_empty(), "{path} has no subAttributes");
            }
        });
    }

    #[test]
    fn sub_attributes_are_not_complex() {
        // RFC 7643 §2.3.8: a complex attribute must not contain a complex sub-attribute.
        for_each_attribute(&mut |attribute, path| {
            if let Some(subs) = attribute.get("subAttributes") {
                for sub in attributes(subs) {
                    assert_ne!(sub["type"], "complex", "{path}.{} is complex", sub["name"]);
                }
            }
        });
    }

    #[test]
    fn references_have_reference_types() {
        for_each_attribute(&mut |attribute, path| {
            if attribute["type"] == "reference" {
                let types = attribute["referenceTypes"].as_array();
                assert!(
                    types.is_some_and(|types| !types.is_empty()),
                    "{path} has no referenceTypes"
                );
            }
        });
    }

    #[test]
    fn ref_attributes_are_references() {
        for_each_attribute(&mut |attribute, path| {
            if attribute["name"] == "$ref" {
                assert_eq!(attribute["type"], "reference", "type of {path}");
            }
        });
    }

    #[test]
    fn reference_types_only_on_references() {
        for_each_attribute(&mut |attribute, path| {
            if attribute.get("referenceTypes").is_some() {
                assert_eq!(attribute["type"], "reference", "type of {path}");
            }
        });
    }

    #[test]
    fn attribute_names_unique() {
        // RFC 7643 §2.1: attribute names are case-insensitive, so two names
        // that differ only in case would collide.
        fn check(list: &Value, owner: &str) {
            let mut seen: Vec<String> = Vec::new();
            for attribute in attributes(list) {
                let name = attribute["name"].as_str().expect("name is a string");
                let folded = name.to_ascii_lowercase();
                assert!(!seen.contains(&folded), "{owner} repeats {name}");
                seen.push(folded);

                if let Some(subs) = attribute.get("subAttributes") {
                    check(subs, &format!("{owner}:{name}"));
                }
            }
        }

        for document in schemas(&context()) {
            check(
                &document["attributes"],
                document["id"].as_str().unwrap_or_default(),
            );
        }
    }

    #[test]
    fn user_schema_lists_attributes() {
        let document = rendered(USER_URN);
        let names: Vec<&str> = attributes(&document["attributes"])
            .iter()
            .filter_map(|attribute| attribute["name"].as_str())
            .collect();

        for name in [
            "id",
            "externalId",
            "userName",
            "name",
            "displayName",
            "nickName",
            "title",
            "preferredLanguage",
            "department",
            "organization",
            "timezone",
            "active",
            "emails",
            "phoneNumbers",
            "groups",
        ] {
            assert!(names.contains(&name), "User schema has no {name}");
        }
    }

    #[test]
    fn user_name_characteristics() {
        let document = rendered(USER_URN);
        let user_name = attributes(&document["attributes"])
            .iter()
            .find(|attribute| attribute["name"] == "userName")
            .expect("userName is listed");

        assert_eq!(user_name["required"], true);
        assert_eq!(user_name["caseExact"], false);
        assert_eq!(user_name["uniqueness"], "server");
        assert_eq!(user_name["mutability"], "readWrite");
    }

    #[test]
    fn groups_attribute_read_only() {
        let document = rendered(USER_URN);
        let groups = attributes(&document["attributes"])
            .iter()
            .find(|attribute| attribute["name"] == "groups")
            .expect("groups is listed");

        assert_eq!(groups["multiValued"], true);
        assert_eq!(groups["mutability"], "readOnly");
    }

    #[test]
    fn account_id_read_only() {
        let document = rendered(ATLASSIAN_EXTERNAL_URN);
        let account_id = &document["attributes"][0];

        assert_eq!(account_id["name"], "atlassianAccountId");
        assert_eq!(account_id["mutability"], "readOnly");
    }

    #[test]
    fn group_display_name_immutable() {
        let document = rendered(GROUP_URN);
        let display_name = attributes(&document["attributes"])
            .iter()
            .find(|attribute| attribute["name"] == "displayName")
            .expect("displayName is listed");

        assert_eq!(display_name["required"], true);
        assert_eq!(display_name["mutability"], "immutable");
        assert_eq!(display_name["uniqueness"], "server");
    }

    #[test]
    fn lookup_rejects_unknown_urns() {
        let rejected = [
            String::new(),
            "User".to_owned(),
            USER_URN.to_ascii_lowercase(),
            USER_URN.to_ascii_uppercase(),
            format!("{USER_URN}:"),
            format!("{USER_URN}:userName"),
            format!(" {GROUP_URN}"),
            format!("{GROUP_URN}/"),
            "urn:ietf:params:scim:schemas:core:2.0".to_owned(),
            "urn:ietf:params:scim:schemas:core:2.0:Groups".to_owned(),
            SCHEMA_URN.to_owned(),
            LIST_RESPONSE_URN.to_owned(),
        ];

        for urn in rejected {
            assert!(schema(&context(), &urn).is_none(), "{urn:?} matched");
        }
    }

    #[test]
    fn schemas_have_no_nulls() {
        for document in schemas(&context()) {
            assert_eq!(
                null_paths(&document),
                Vec::<String>::new(),
                "in {}",
                document["id"]
            );
        }
    }
}
