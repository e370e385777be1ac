//! Resolution of a PATCH path to attribute definitions of the resource type.
//!
//! Names resolve ignoring case through the schema tables, so the engine
//! always writes the canonical spelling. An unqualified name refers to the
//! core schema, and extension attributes need their schema URN, as RFC 7644
//! §3.10 requires.

use crate::filter::{Filter, PatchPath};
use crate::schema::{Attribute, AttributeType, Mutability, ResourceType, Schema};

/// The location a PATCH path names.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target<'p> {
    /// A whole extension object, such as the path
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    Extension(&'static Schema),
    Attribute(AttributeTarget<'p>),
}

/// An attribute of the core schema or of an extension, optionally narrowed
/// by a value filter and a sub-attribute.
#[derive(Debug, Clone, Copy)]
pub(super) struct AttributeTarget<'p> {
    /// The extension that contains the attribute under its URN key, or `None`
    /// for a core attribute at the top level.
    pub extension: Option<&'static Schema>,
    pub attribute: &'static Attribute,
    /// The filter between `[` and `]`, whose paths name sub-attributes of
    /// `attribute`.
    pub filter: Option<&'p Filter>,
    /// The sub-attribute from `name.givenName` or from `emails[...].value`.
    pub sub_attribute: Option<&'static Attribute>,
}

impl AttributeTarget<'_> {
    /// Returns the canonical attribute name for messages, such as `emails` or
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.
    pub fn attribute_label(&self) -> String {
        match self.extension {
            Some(schema) => format!("{}:{}", schema.id, self.attribute.name),
            None => self.attribute.name.to_string(),
        }
    }

    /// Returns the attribute label with the sub-attribute, such as `name.givenName`.
    pub fn label(&self) -> String {
        match self.sub_attribute {
            Some(sub_attribute) => format!("{}.{}", self.attribute_label(), sub_attribute.name),
            None => self.attribute_label(),
        }
    }
}

/// The reason a path does not resolve. Each variant carries a sentence that
/// names the offending part and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unresolved {
    /// The path names an attribute, sub-attribute or schema the resource type
    /// does not have.
    Unknown(String),
    /// The path names an attribute that only the server sets.
    ReadOnly(String),
    /// The names exist, but the path's shape does not fit them, such as a
    /// value filter on a single-valued attribute.
    Invalid(String),
}

/// Resolves `path` against the schemas of `resource_type`.
pub(super) fn resolve<'p>(path: &'p PatchPath, resource_type: &ResourceType) -> Result<Target<'p>, Unresolved> {
    let attr_path = &path.attr;

    let (schema, extension) = match &attr_path.urn {
        None => (resource_type.schema, None),
        Some(urn) => match resource_type.schema_by_urn(urn) {
            Some(schema) if schema.id == resource_type.schema.id => (schema, None),
            Some(schema) => (schema, Some(schema)),
            None => return resolve_whole_schema(path, urn, resource_type),
        },
    };

    let Some(attribute) = schema.attribute(&attr_path.name) else {
        return Err(unknown_attribute(
            &attr_path.name,
            schema,
            extension.is_some(),
            resource_type,
        ));
    };

    let sub_attr_name = match (&attr_path.sub_attr, &path.filter, &path.sub_attr) {
        (Some(_), Some(_), _) => {
            return Err(Unresolved::Invalid(format!(
                "the value filter must follow the attribute name directly, as in {}[type eq \"work\"].value",
                attribute.name
            )))
        }
        (Some(name), None, _) | (None, _, Some(name)) => Some(name.as_str()),
        (None, _, None) => None,
    };

    if let Some(filter) = &path.filter {
        if !attribute.multi_valued || attribute.kind != AttributeType::Complex {
            return Err(Unresolved::Invalid(format!(
                "\"{}\" is not a multi-valued complex attribute, so it takes no value filter; use the path {}",
                attribute.name, attribute.name
            )));
        }
        check_filter_names(filter, attribute)?;
    }

    let sub_attribute = match sub_attr_name {
        None => None,
        Some(name) => Some(find_sub_attribute(attribute, name)?),
    };

    let target = AttributeTarget {
        extension,
        attribute,
        filter: path.filter.as_ref(),
        sub_attribute,
    };

    let read_only = attribute.mutability == Mutability::ReadOnly
        || sub_attribute.is_some_and(|sub| sub.mutability == Mutability::ReadOnly);
    if read_only {
        return Err(Unresolved::ReadOnly(format!(
            "\"{}\" is read-only because the server maintains it; leave it out of the request",
            target.label()
        )));
    }

    Ok(Target::Attribute(target))
}

/// Resolves a path whose text is a whole schema URN. The filter grammar reads
/// `urn:...:enterprise:2.0:User` as attribute `User` of schema
/// `urn:...:enterprise:2.0`, so the parts are joined back here.
fn resolve_whole_schema<'p>(
    path: &'p PatchPath,
    urn: &str,
    resource_type: &ResourceType,
) -> Result<Target<'p>, Unresolved> {
    let attr_path = &path.attr;
    let whole = format!("{urn}:{}", attr_path.name);
    let is_plain = attr_path.sub_attr.is_none() && path.filter.is_none() && path.sub_attr.is_none();

    match resource_type.schema_by_urn(&whole) {
        Some(schema) if is_plain && schema.id != resource_type.schema.id => Ok(Target::Extension(schema)),
        Some(_) if is_plain => Err(Unresolved::Invalid(format!(
            "the path names the core schema {whole}; send its attributes without a path, or name one attribute"
        ))),
        _ => {
            let known: Vec<&str> = resource_type.schemas().map(|schema| schema.id).collect();
            Err(Unresolved::Unknown(format!(
                "the {} resource type has no schema \"{urn}\"; its schemas are {}",
                resource_type.name,
                known.join(", ")
            )))
        }
    }
}

fn unknown_attribute(name: &str, schema: &Schema, in_extension: bool, resource_type: &ResourceType) -> Unresolved {
    if !in_extension && (name.eq_ignore_ascii_case("meta") || name.eq_ignore_ascii_case("schemas")) {
        return Unresolved::ReadOnly(format!(
            "\"{name}\" is read-only because the server maintains it; leave it out of the request"
        ));
    }

    let names: Vec<&str> = schema.attributes.iter().map(|attribute| attribute.name).collect();
    let mut detail = format!(
        "schema {} has no attribute \"{name}\"; its attributes are {}",
        schema.id,
        names.join(", ")
    );

    // Point a client that left out the URN prefix to the qualified name.
    if !in_extension {
        let qualified = resource_type.extensions.iter().find_map(|(extension, _)| {
            extension
                .attribute(name)
                .map(|attribute| format!("{}:{}", extension.id, attribute.name))
        });
        if let Some(qualified) = qualified {
            detail = format!(
                "the core schema {} has no attribute \"{name}\"; for the extension attribute, use the path {qualified}",
                schema.id
            );
        }
    }
    Unresolved::Unknown(detail)
}

fn find_sub_attribute(attribute: &'static Attribute, name: &str) -> Result<&'static Attribute, Unresolved> {
    if let Some(sub_attribute) = attribute.sub_attribute(name) {
        return Ok(sub_attribute);
    }

    if attribute.kind != AttributeType::Complex {
        return Err(Unresolved::Unknown(format!(
            "\"{}\" is not complex, so it has no sub-attribute \"{name}\"",
            attribute.name
        )));
    }
    Err(Unresolved::Unknown(format!(
        "\"{}\" has no sub-attribute \"{name}\"; its sub-attributes are {}",
        attribute.name,
        sub_attribute_names(attribute)
    )))
}

/// Checks that every path inside a value filter names a sub-attribute.
fn check_filter_names(filter: &Filter, attribute: &Attribute) -> Result<(), Unresolved> {
    match filter {
        Filter::Present(path) | Filter::Compare { path, .. } => {
            if path.urn.is_some() || path.sub_attr.is_some() {
                return Err(Unresolved::Invalid(format!(
                    "inside the value filter of \"{}\", name a sub-attribute such as {}, not \"{path}\"",
                    attribute.name,
                    sub_attribute_names(attribute)
                )));
            }
            if attribute.sub_attribute(&path.name).is_none() {
                return Err(Unresolved::Unknown(format!(
                    "the value filter names \"{}\", but \"{}\" has only the sub-attributes {}",
                    path.name,
                    attribute.name,
                    sub_attribute_names(attribute)
                )));
            }
            Ok(())
        }
        Filter::And(left, right) | Filter::Or(left, right) => {
            check_filter_names(left, attribute)?;
            check_filter_names(right, attribute)
        }
        Filter::Not(inner) => check_filter_names(inner, attribute),
        Filter::ValuePath { path, .. } => Err(Unresolved::Invalid(format!(
            "the value filter of \"{}\" cannot contain another value filter ({path}[...])",
            attribute.name
        ))),
    }
}

/// Returns the sub-attribute names of `attribute`, joined for a message.
pub(super) fn sub_attribute_names(attribute: &Attribute) -> String {
    let names: Vec<&str> = attribute
        .sub_attributes
        .iter()
        .map(|sub_attribute| sub_attribute.name)
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::parse_patch_path;
    use crate::schema::{GROUP_RESOURCE, USER_RESOURCE};

    fn resolve_user(text: &str) -> Result<String, Unresolved> {
        let path = parse_patch_path(text).expect("valid path");
        match resolve(&path, &USER_RESOURCE)? {
            Target::Extension(schema) => Ok(format!("extension {}", schema.id)),
            Target::Attribute(target) => Ok(target.label()),
        }
    }

    fn unknown_detail(result: Result<String, Unresolved>) -> String {
        match result {
            Err(Unresolved::Unknown(detail)) => detail,
            other => panic!("expected Unknown, got {other:?}"),
        }
    }

    #[test]
    fn canonical_spelling() {
        assert_eq!(resolve_user("USERNAME"), Ok("userName".into()));
        assert_eq!(resolve_user("Name.GivenName"), Ok("name.givenName".into()));
    }

    #[test]
    fn core_urn_resolves_to_top_level() {
        assert_eq!(
            resolve_user("urn:ietf:params:scim:schemas:core:2.0:User:displayName"),
            Ok("displayName".into())
        );
    }

    #[test]
    fn enterprise_attribute() {
        assert_eq!(
            resolve_user("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:Department"),
            Ok("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department".into())
        );
    }

    #[test]
    fn custom_extension_attribute() {
        assert_eq!(
            resolve_user("urn:scim:schemas:extension:atlassian-custom:1.0:Attributes:basedIn"),
            Ok("urn:scim:schemas:extension:atlassian-custom:1.0:Attributes:basedIn".into())
        );
    }

    #[test]
    fn whole_extension() {
        assert_eq!(
            resolve_user("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
            Ok("extension urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".into())
        );
    }

    #[test]
    fn whole_core_schema_is_invalid() {
        let result = resolve_user("urn:ietf:params:scim:schemas:core:2.0:User");
        assert!(matches!(result, Err(Unresolved::Invalid(_))), "{result:?}");
    }

    #[test]
    fn filter_then_sub_attribute() {
        assert_eq!(
            resolve_user(r#"emails[type eq "work"].value"#),
            Ok("emails.value".into())
        );
    }

    #[test]
    fn unknown_attribute_lists_names() {
        let detail = unknown_detail(resolve_user("nickname2"));
        assert!(detail.contains("\"nickname2\""), "{detail}");
        assert!(detail.contains("userName"), "{detail}");
    }

    #[test]
    fn unqualified_extension_name_suggests_urn() {
        let detail = unknown_detail(resolve_user("employeeNumber"));
        assert!(
            detail.contains("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"),
            "{detail}"
        );
    }

    #[test]
    fn unknown_schema_urn() {
        let detail = unknown_detail(resolve_user("urn:example:foo:1.0:bar"));
        assert!(detail.contains("urn:example:foo:1.0"), "{detail}");
    }

    #[test]
    fn unknown_sub_attribute() {
        let detail = unknown_detail(resolve_user("name.nickName"));
        assert!(detail.contains("givenName"), "{detail}");
    }

    #[test]
    fn sub_attribute_of_simple_attribute() {
        let detail = unknown_detail(resolve_user("title.value"));
        assert!(detail.contains("not complex"), "{detail}");
    }

    #[test]
    fn unknown_name_inside_filter() {
        let detail = unknown_detail(resolve_user(r#"emails[kind eq "work"].value"#));
        assert!(detail.contains("\"kind\""), "{detail}");
    }

    #[test]
    fn filter_on_single_valued_attribute() {
        let result = resolve_user(r#"name[givenName eq "a"]"#);
        assert!(matches!(result, Err(Unresolved::Invalid(_))), "{result:?}");
    }

    #[test]
    fn filter_after_sub_attribute() {
        let result = resolve_user(r#"emails.value[type eq "work"]"#);
        assert!(matches!(result, Err(Unresolved::Invalid(_))), "{result:?}");
    }

    #[test]
    fn read_only_attributes() {
        for text in [
            "id",
            "ID",
            "meta",
            "meta.lastModified",
            "schemas",
            "groups",
            "urn:scim:schemas:extension:atlassian-external:1.0:atlassianAccountId",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
        ] {
            let result = resolve_user(text);
            assert!(matches!(result, Err(Unresolved::ReadOnly(_))), "{text}: {result:?}");
        }
    }

    #[test]
    fn member_display_is_read_only() {
        let path = parse_patch_path(r#"members[value eq "a"].display"#).expect("valid path");
        let result = resolve(&path, &GROUP_RESOURCE);
        assert!(matches!(result, Err(Unresolved::ReadOnly(_))), "{result:?}");
    }

    #[test]
    fn immutable_display_name_resolves() {
        let path = parse_patch_path("displayName").expect("valid path");
        let result = resolve(&path, &GROUP_RESOURCE);
        assert!(matches!(result, Ok(Target::Attribute(_))), "{result:?}");
    }

    #[test]
    fn user_attribute_unknown_on_group() {
        let path = parse_patch_path("userName").expect("valid path");
        let result = resolve(&path, &GROUP_RESOURCE);
        assert!(matches!(result, Err(Unresolved::Unknown(_))), "{result:?}");
    }
}
