//! Attribute projection: the `attributes` and `excludedAttributes` query
//! parameters of RFC 7644 §3.4.2.5.
//!
//! `id`, `schemas` and `meta.resourceType` are always returned, whatever
//! the request selects. Names the resource type does not define are ignored,
//! as RFC 7644 gives no error for them.

use serde_json::{Map, Value};

use crate::schema::{ResourceType, Schema};

/// A projection request that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectionError {
    #[error("the 'attributes' and 'excludedAttributes' parameters cannot be used together: send only one of them")]
    BothGiven,
}

/// One attribute named in a projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The extension URN the attribute lives under, `None` for the core schema.
    extension: Option<&'static str>,
    /// The attribute's canonical name; `None` selects a whole extension.
    name: Option<&'static str>,
    sub_attribute: Option<String>,
}

/// A parsed projection request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Projection {
    Include(Vec<Selected>),
    Exclude(Vec<Selected>),
}

impl Projection {
    /// Parses the two query parameters; `Ok(None)` when neither selects anything.
    pub fn parse(
        attributes: Option<&str>,
        excluded: Option<&str>,
        resource_type: &ResourceType,
    ) -> Result<Option<Projection>, ProjectionError> {
        let attributes = attributes.filter(|text| !text.trim().is_empty());
        let excluded = excluded.filter(|text| !text.trim().is_empty());
        match (attributes, excluded) {
            (Some(_), Some(_)) => Err(ProjectionError::BothGiven),
            (Some(list), None) => Ok(Some(Projection::Include(parse_list(list, resource_type)))),
            (None, Some(list)) => Ok(Some(Projection::Exclude(parse_list(list, resource_type)))),
            (None, None) => Ok(None),
        }
    }

    /// Applies the projection to a rendered resource.
    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(source) = resource else {
            return resource;
        };
        match self {
            Projection::Include(selected) => Value::Object(include(&source, selected)),
            Projection::Exclude(selected) => Value::Object(exclude(source, selected)),
        }
    }
}

fn parse_list(list: &str, resource_type: &ResourceType) -> Vec<Selected> {
    list.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .filter_map(|name| resolve(name, resource_type))
        .collect()
}

/// Resolves `name`, `name.sub`, `urn`, or `urn:name[.sub]` against the schemas.
fn resolve(text: &str, resource_type: &ResourceType) -> Option<Selected> {
    for schema in resource_type.schemas() {
        let extension = (!std::ptr::eq(schema, resource_type.schema)).then_some(schema.id);
        if text.eq_ignore_ascii_case(schema.id) {
            return extension.map(|urn| Selected {
                extension: Some(urn),
                name: None,
                sub_attribute: None,
            });
        }
        let prefix_length = schema.id.len();
        let qualified = text.len() > prefix_length + 1
            && text.is_char_boundary(prefix_length)
            && text[..prefix_length].eq_ignore_ascii_case(schema.id)
            && text.as_bytes()[prefix_length] == b':';
        if qualified {
            return resolve_in(schema, extension, &text[prefix_length + 1..]);
        }
    }
    resolve_in(resource_type.schema, None, text)
}

fn resolve_in(schema: &Schema, extension: Option<&'static str>, path: &str) -> Option<Selected> {
    let (name, sub_attribute) = match path.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (path, None),
    };

    // `meta` is a common attribute that no schema lists, but clients project it.
    if extension.is_none() && name.eq_ignore_ascii_case("meta") {
        return Some(Selected {
            extension: None,
            name: Some("meta"),
            sub_attribute: sub_attribute.map(str::to_owned),
        });
    }

    let attribute = schema.attribute(name)?;
    let sub_attribute = match sub_attribute {
        Some(sub) => Some(attribute.sub_attribute(sub)?.name.to_owned()),
        None => None,
    };
    Some(Selected {
        extension,
        name: Some(attribute.name),
        sub_attribute,
    })
}

fn include(source: &Map<String, Value>, selected: &[Selected]) -> Map<String, Value> {
    let mut output = Map::new();
    for key in ["schemas", "id"] {
        if let Some(value) = source.get(key) {
            output.insert(key.to_owned(), value.clone());
        }
    }
    if let Some(resource_type) = source.get("meta").and_then(|meta| meta.get("resourceType")) {
        output.insert("meta".to_owned(), serde_json::json!({"resourceType": resource_type}));
    }

    // Attributes filled through a sub-attribute, pruned once every item has
    // been copied, because later items merge into the same list by position.
    let mut partial: Vec<(Option<&'static str>, &'static str)> = Vec::new();
    for item in selected {
        let (from, into) = match item.extension {
            Some(urn) => {
                let Some(Value::Object(fields)) = source.get(urn) else {
                    continue;
                };
                let slot = output
                    .entry(urn.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                let Value::Object(into) = slot else { continue };
                (fields, into)
            }
            None => (source, &mut output),
        };
        let Some(name) = item.name else {
            into.extend(from.clone());
            continue;
        };
        let Some(value) = from.get(name) else { continue };
        match &item.sub_attribute {
            None => {
                into.insert(name.to_owned(), value.clone());
            }
            Some(sub) => {
                copy_sub_attribute(value, sub, into.entry(name.to_owned()).or_insert(Value::Null));
                partial.push((item.extension, name));
            }
        }
    }

    for (extension, name) in partial {
        let holder = match extension {
            None => Some(&mut output),
            Some(urn) => output.get_mut(urn).and_then(Value::as_object_mut),
        };
        if let Some(holder) = holder {
            drop_empty_selection(holder, name);
        }
    }
    output.retain(|_, value| !matches!(value, Value::Object(fields) if fields.is_empty()));
    output
}

/// Removes what selecting or excluding a sub-attribute left of `name` when
/// no value had it: `null`, an empty object, or empty list elements. Without
/// this, `attributes=name.middleName` would return `"name": null`.
fn drop_empty_selection(holder: &mut Map<String, Value>, name: &str) {
    let is_empty_object = |value: &Value| matches!(value, Value::Object(fields) if fields.is_empty());
    if let Some(Value::Array(elements)) = holder.get_mut(name) {
        elements.retain(|element| !is_empty_object(element));
    }
    let unset = match holder.get(name) {
        Some(Value::Null) => true,
        Some(Value::Array(elements)) => elements.is_empty(),
        Some(value) => is_empty_object(value),
        None => false,
    };
    if unset {
        holder.remove(name);
    }
}

/// Copies `sub` from a complex value, or from each element of a
/// multi-valued one, into `target`, merging with what is already there.
fn copy_sub_attribute(value: &Value, sub: &str, target: &mut Value) {
    match value {
        Value::Object(fields) => {
            let Some(sub_value) = fields.get(sub) else { return };
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Value::Object(into) = target {
                into.insert(sub.to_owned(), sub_value.clone());
            }
        }
        Value::Array(elements) => {
            if !target.is_array() {
                *target = Value::Array(vec![Value::Object(Map::new()); elements.len()]);
            }
            let Value::Array(targets) = target else { return };
            for (element, into) in elements.iter().zip(targets.iter_mut()) {
                if let (Some(sub_value), Value::Object(into)) = (element.get(sub), into) {
                    into.insert(sub.to_owned(), sub_value.clone());
                }
            }
        }
        _ => {}
    }
}

fn exclude(mut source: Map<String, Value>, selected: &[Selected]) -> Map<String, Value> {
    for item in selected {
        let target = match item.extension {
            Some(urn) => match source.get_mut(urn) {
                Some(Value::Object(fields)) => fields,
                _ => continue,
            },
            None => &mut source,
        };
        let Some(name) = item.name else {
            if let Some(urn) = item.extension {
                source.remove(urn);
            }
            continue;
        };
        match &item.sub_attribute {
            None if name == "meta" => {
                let resource_type = target.get("meta").and_then(|meta| meta.get("resourceType")).cloned();
                if let Some(resource_type) = resource_type {
                    target.insert("meta".to_owned(), serde_json::json!({"resourceType": resource_type}));
                }
            }
            None if name == "id" => {}
            None => {
                target.remove(name);
            }
            Some(sub) if name == "meta" && sub == "resourceType" => {}
            Some(sub) => match target.get_mut(name) {
                Some(Value::Object(fields)) => {
                    fields.remove(sub.as_str());
                    drop_empty_selection(target, name);
                }
                Some(Value::Array(elements)) => {
                    for element in elements {
                        if let Value::Object(fields) = element {
                            fields.remove(sub.as_str());
                        }
                    }
                    drop_empty_selection(target, name);
                }
                _ => {}
            },
        }
    }
    source.retain(|_, value| !matches!(value, Value::Object(fields) if fields.is_empty()));
    source
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::{ENTERPRISE_URN, USER_RESOURCE};

    fn user() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "1",
            "userName": "a",
            "name": {"givenName": "Ann", "familyName": "Lee"},
            "emails": [{"value": "a@example.com", "primary": true}],
            ENTERPRISE_URN: {"department": "R&D", "organization": "Acme"},
            "meta": {"resourceType": "User", "location": "http://x"}
        })
    }

    fn project(attributes: Option<&str>, excluded: Option<&str>) -> Value {
        Projection::parse(attributes, excluded, &USER_RESOURCE)
            .unwrap()
            .unwrap()
            .apply(user())
    }

    #[test]
    fn include_keeps_always_returned() {
        let output = project(Some("userName"), None);
        assert_eq!(output["id"], "1");
        assert_eq!(output["userName"], "a");
        assert_eq!(output["meta"], json!({"resourceType": "User"}));
        assert!(output.get("emails").is_none());
    }

    #[test]
    fn include_sub_attributes() {
        let output = project(Some("name.givenName,emails.value"), None);
        assert_eq!(output["name"], json!({"givenName": "Ann"}));
        assert_eq!(output["emails"], json!([{"value": "a@example.com"}]));
    }

    #[test]
    fn include_is_case_insensitive() {
        let output = project(Some("USERNAME"), None);
        assert_eq!(output["userName"], "a");
    }

    #[test]
    fn include_qualified_extension_attribute() {
        let output = project(Some(&format!("{ENTERPRISE_URN}:department")), None);
        assert_eq!(output[ENTERPRISE_URN], json!({"department": "R&D"}));
    }

    #[test]
    fn exclude_removes_attribute() {
        let output = project(None, Some("emails,name.familyName"));
        assert!(output.get("emails").is_none());
        assert_eq!(output["name"], json!({"givenName": "Ann"}));
    }

    #[test]
    fn exclude_cannot_remove_id() {
        let output = project(None, Some("id,meta"));
        assert_eq!(output["id"], "1");
        assert_eq!(output["meta"], json!({"resourceType": "User"}));
    }

    #[test]
    fn both_parameters_rejected() {
        let error = Projection::parse(Some("userName"), Some("emails"), &USER_RESOURCE).unwrap_err();
        assert_eq!(error, ProjectionError::BothGiven);
    }

    #[test]
    fn blank_parameters_ignored() {
        assert_eq!(Projection::parse(Some(" "), None, &USER_RESOURCE), Ok(None));
    }
}
