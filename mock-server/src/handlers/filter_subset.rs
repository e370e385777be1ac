//! The filters Atlassian supports: a single `eq` on `userName` or
//! `externalId` for users, and on `displayName` for groups.
//!
//! The full RFC 7644 grammar is parsed first, so the detail of a 400 tells
//! a malformed filter from a valid one this API does not support.

use crate::error::{ScimError, ScimType};
use crate::filter::{self, CompValue, CompareOp, Filter};

/// The resource a list request addresses, as Atlassian names it in errors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FilterTarget {
    /// `USER` or `GROUP`.
    pub label: &'static str,
    /// The core schema URN, which may qualify attribute names.
    pub core_urn: &'static str,
    /// The attributes a filter may name, canonically spelled.
    pub attributes: &'static [&'static str],
}

/// Returns the attribute and the value of a supported filter, or the 400
/// `invalidFilter` that explains what is wrong with it.
pub(crate) fn supported_eq(text: &str, target: FilterTarget) -> Result<(&'static str, String), ScimError> {
    // Built only for an error message, because most filters are valid.
    let supported = || {
        target
            .attributes
            .iter()
            .map(|name| format!("{name} eq \"...\""))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let label = target.label;

    let parsed = filter::parse(text).map_err(|error| {
        ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "Resource [{label}] invalid filter: the filter {text:?} is malformed: {error}. Supported filters are {}.",
                supported()
            ),
        )
    })?;

    let unsupported = || {
        ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "Resource [{label}] invalid filter: the filter {text:?} is valid SCIM but not supported by this API. Use a single {}.",
                supported()
            ),
        )
    };

    let Filter::Compare { path, op: CompareOp::Eq, value: CompValue::String(value) } = parsed else {
        return Err(unsupported());
    };
    let urn_allowed = path.urn.as_deref().is_none_or(|urn| urn.eq_ignore_ascii_case(target.core_urn));
    if !urn_allowed || path.sub_attr.is_some() {
        return Err(unsupported());
    }
    let attribute = target
        .attributes
        .iter()
        .find(|name| name.eq_ignore_ascii_case(&path.name))
        .ok_or_else(unsupported)?;
    Ok((attribute, value))
}
