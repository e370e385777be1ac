//! The attribute tables of each schema, written as constant data.
//!
//! Descriptions follow RFC 7643 §4 and §8.7 where the attribute is standard.

use super::{Attribute as A, AttributeType as T, Mutability as M, Returned as R, Schema};

const TYPE_VALUES: &[&str] = &["work", "home", "other"];
const PHONE_TYPE_VALUES: &[&str] = &["work", "home", "mobile", "fax", "pager", "other"];

const NAME: &[A] = &[
    A::new("formatted", T::String, "The full name, formatted for display."),
    A::new("familyName", T::String, "The family name, or last name."),
    A::new("givenName", T::String, "The given name, or first name."),
    A::new("middleName", T::String, "The middle name."),
    A::new("honorificPrefix", T::String, "The honorific prefix, such as 'Ms.'."),
    A::new("honorificSuffix", T::String, "The honorific suffix, such as 'III'."),
];

const EMAIL: &[A] = &[
    A::new("value", T::String, "The email address.").required(),
    A::new("display", T::String, "A human-readable label for the address."),
    A::new("type", T::String, "The kind of address, such as 'work'.").canonical(TYPE_VALUES),
    A::new("primary", T::Boolean, "Whether this is the primary address; exactly one is."),
];

const PHONE: &[A] = &[
    A::new("value", T::String, "The phone number."),
    A::new("display", T::String, "A human-readable label for the number."),
    A::new("type", T::String, "The kind of number, such as 'mobile'.").canonical(PHONE_TYPE_VALUES),
    A::new("primary", T::Boolean, "Whether this is the primary number."),
];

const USER_GROUP: &[A] = &[
    A::new("value", T::String, "The id of the group.").mutability(M::ReadOnly),
    A::new("$ref", T::Reference, "The URI of the group.")
        .mutability(M::ReadOnly)
        .references(&["Group"]),
    A::new("display", T::String, "The group's displayName.").mutability(M::ReadOnly),
    A::new("type", T::String, "How the user belongs to the group.")
        .mutability(M::ReadOnly)
        .canonical(&["direct"]),
];

const USER: &[A] = &[
    A::new("id", T::String, "The server-assigned identifier of the user.")
        .case_exact()
        .mutability(M::ReadOnly)
        .returned(R::Always)
        .unique(),
    A::new("externalId", T::String, "The identifier the provisioning client assigned.").case_exact(),
    A::new("userName", T::String, "The unique sign-in name of the user.")
        .required()
        .unique(),
    A::new("name", T::Complex, "The components of the user's name.").sub(NAME),
    A::new("displayName", T::String, "The name shown for the user."),
    A::new("nickName", T::String, "The casual name of the user."),
    A::new("title", T::String, "The user's job title."),
    A::new("preferredLanguage", T::String, "The preferred language, as a language tag such as 'en-US'."),
    A::new("department", T::String, "The user's department."),
    A::new("organization", T::String, "The user's organisation."),
    A::new("timezone", T::String, "The user's time zone, as an IANA name such as 'Europe/Paris'."),
    A::new("active", T::Boolean, "Whether the user may sign in; false deactivates the account."),
    A::new("emails", T::Complex, "Email addresses; exactly one is primary.")
        .multi()
        .required()
        .sub(EMAIL),
    A::new("phoneNumbers", T::Complex, "Phone numbers.").multi().sub(PHONE),
    A::new("groups", T::Complex, "The groups the user belongs to, maintained by the server.")
        .multi()
        .mutability(M::ReadOnly)
        .sub(USER_GROUP),
];

const MANAGER: &[A] = &[
    A::new("value", T::String, "The id of the manager's user resource."),
    A::new("$ref", T::Reference, "The URI of the manager's user resource.").references(&["User"]),
    A::new("displayName", T::String, "The manager's display name.").mutability(M::ReadOnly),
];

const ENTERPRISE: &[A] = &[
    A::new("employeeNumber", T::String, "The identifier the organisation assigned to the user."),
    A::new("costCenter", T::String, "The name of the cost centre."),
    A::new("organization", T::String, "The name of the organisation."),
    A::new("division", T::String, "The name of the division."),
    A::new("department", T::String, "The name of the department."),
    A::new("manager", T::Complex, "The user's manager.").sub(MANAGER),
];

const ATLASSIAN_EXTERNAL: &[A] = &[A::new(
    "atlassianAccountId",
    T::String,
    "The id of the Atlassian account this user is linked to.",
)
.case_exact()
.mutability(M::ReadOnly)];

const ATLASSIAN_CUSTOM: &[A] = &[A::new("basedIn", T::String, "Where the user is based.")];

const MEMBER: &[A] = &[
    A::new("value", T::String, "The id of the member user.")
        .required()
        .case_exact()
        .mutability(M::Immutable),
    A::new("$ref", T::Reference, "The URI of the member user.")
        .mutability(M::Immutable)
        .references(&["User"]),
    A::new("display", T::String, "The member's userName.").mutability(M::ReadOnly),
    A::new("type", T::String, "The kind of member; only 'User' is supported.")
        .mutability(M::Immutable)
        .canonical(&["User"]),
];

const GROUP: &[A] = &[
    A::new("id", T::String, "The server-assigned identifier of the group.")
        .case_exact()
        .mutability(M::ReadOnly)
        .returned(R::Always)
        .unique(),
    A::new("externalId", T::String, "The identifier the provisioning client assigned.").case_exact(),
    A::new("displayName", T::String, "The name of the group; it cannot change once created.")
        .required()
        .mutability(M::Immutable)
        .unique(),
    A::new("members", T::Complex, "The users in the group.").multi().sub(MEMBER),
];

/// The core User schema, with Atlassian's top-level `department` and `organization`.
pub static USER_SCHEMA: Schema = Schema {
    id: super::USER_URN,
    name: "User",
    description: "User Account",
    attributes: USER,
};

/// The enterprise User extension of RFC 7643 §4.3.
pub static ENTERPRISE_USER_SCHEMA: Schema = Schema {
    id: super::ENTERPRISE_URN,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: ENTERPRISE,
};

/// Atlassian's extension that exposes the linked account id.
pub static ATLASSIAN_EXTERNAL_SCHEMA: Schema = Schema {
    id: super::ATLASSIAN_EXTERNAL_URN,
    name: "AtlassianExternalUser",
    description: "Atlassian account link",
    attributes: ATLASSIAN_EXTERNAL,
};

/// Atlassian's custom attributes extension.
pub static ATLASSIAN_CUSTOM_SCHEMA: Schema = Schema {
    id: super::ATLASSIAN_CUSTOM_URN,
    name: "AtlassianCustomAttributes",
    description: "Atlassian custom user attributes",
    attributes: ATLASSIAN_CUSTOM,
};

/// The core Group schema.
pub static GROUP_SCHEMA: Schema = Schema {
    id: super::GROUP_URN,
    name: "Group",
    description: "Group",
    attributes: GROUP,
};
