//! The syntax tree of a SCIM filter and of a PATCH path, and their canonical
//! text form.
//!
//! `Display` writes each node back as filter text that [`super::parse`] reads
//! into an equal tree, so error messages can quote a path or filter as the
//! server understood it.

use std::fmt;

/// An attribute reference such as `userName`, `name.givenName` or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.
///
/// Names keep the spelling of the input; SCIM compares them ignoring case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN, without the `:` that separates it from the name.
    pub urn: Option<String>,
    /// The attribute name.
    pub name: String,
    /// The sub-attribute name after the `.`, for complex attributes.
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// Builds a path to a top-level attribute without a schema URN.
    pub fn simple(name: impl Into<String>) -> Self {
        AttrPath {
            urn: None,
            name: name.into(),
            sub_attr: None,
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub_attr) = &self.sub_attr {
            write!(f, ".{sub_attr}")?;
        }
        Ok(())
    }
}

/// A comparison operator of RFC 7644 §3.4.2.2, except `pr`, which takes no
/// value and is [`Filter::Present`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Lt,
    Ge,
    Le,
}

impl CompareOp {
    /// Every operator, in the order the RFC lists them.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Lt,
        CompareOp::Ge,
        CompareOp::Le,
    ];

    /// Returns the operator keyword in lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Lt => "lt",
            CompareOp::Ge => "ge",
            CompareOp::Le => "le",
        }
    }

    /// Looks up an operator keyword, ignoring case.
    pub fn from_keyword(keyword: &str) -> Option<CompareOp> {
        CompareOp::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(keyword))
    }

    /// Returns whether the operator orders values (`gt`, `lt`, `ge`, `le`).
    pub fn is_ordering(self) -> bool {
        matches!(self, CompareOp::Gt | CompareOp::Lt | CompareOp::Ge | CompareOp::Le)
    }

    /// Returns whether the operator matches part of a string (`co`, `sw`, `ew`).
    pub fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompValue {
    /// A JSON string with its escapes decoded.
    String(String),
    Number(serde_json::Number),
    Bool(bool),
    Null,
}

impl CompValue {
    /// Converts the literal to the JSON value it denotes.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            CompValue::String(text) => serde_json::Value::String(text.clone()),
            CompValue::Number(number) => serde_json::Value::Number(number.clone()),
            CompValue::Bool(flag) => serde_json::Value::Bool(*flag),
            CompValue::Null => serde_json::Value::Null,
        }
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // JSON encoding escapes quotes and backslashes and keeps non-ASCII
        // characters as they are, which is the filter's string syntax.
        write!(f, "{}", self.to_json())
    }
}

/// A parsed filter expression.
///
/// `a and b and c` parses as `And(And(a, b), c)`, and likewise for `or`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `attrPath pr`: the attribute has a non-empty value.
    Present(AttrPath),
    /// `attrPath op value`.
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    /// `not (filter)`.
    Not(Box<Filter>),
    /// `attrPath[filter]`: some value of a multi-valued (or complex)
    /// attribute matches `filter`, whose paths name sub-attributes.
    ///
    /// The form `emails[type eq "work"].value eq "x"` is read as
    /// `emails[type eq "work" and value eq "x"]`, which matches the same
    /// resources.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

impl Filter {
    /// Writes `self` as an operand of `and`, in parentheses when it is an
    /// `or`, so that the text keeps the tree's grouping.
    fn fmt_and_operand(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Or(..) => write!(f, "({self})"),
            _ => write!(f, "{self}"),
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::And(left, right) => {
                left.fmt_and_operand(f)?;
                f.write_str(" and ")?;

                // `and` groups to the left, so a right operand that is itself
                // an `and` needs parentheses to keep its shape.
                match right.as_ref() {
                    Filter::And(..) | Filter::Or(..) => write!(f, "({right})"),
                    _ => write!(f, "{right}"),
                }
            }
            Filter::Or(left, right) => match right.as_ref() {
                Filter::Or(..) => write!(f, "{left} or ({right})"),
                _ => write!(f, "{left} or {right}"),
            },
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}

/// The target of a PATCH operation (RFC 7644 §3.5.2):
/// `attrPath / valuePath [subAttr]`, such as `emails[type eq "work"].value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchPath {
    /// The attribute, which may carry its own sub-attribute (`name.givenName`).
    pub attr: AttrPath,
    /// The value filter between `[` and `]`.
    pub filter: Option<Filter>,
    /// The sub-attribute after `].`.
    pub sub_attr: Option<String>,
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub_attr) = &self.sub_attr {
            write!(f, ".{sub_attr}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare(name: &str, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare {
            path: AttrPath::simple(name),
            op,
            value,
        }
    }

    #[test]
    fn attr_path_display_full() {
        let path = AttrPath {
            urn: Some("urn:ietf:params:scim:schemas:core:2.0:User".into()),
            name: "name".into(),
            sub_attr: Some("givenName".into()),
        };
        assert_eq!(
            path.to_string(),
            "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName"
        );
    }

    #[test]
    fn string_value_display_escapes() {
        let value = CompValue::String("say \"hi\" \\ é".into());
        assert_eq!(value.to_string(), r#""say \"hi\" \\ é""#);
    }

    #[test]
    fn operator_keywords_ignore_case() {
        assert_eq!(CompareOp::from_keyword("EQ"), Some(CompareOp::Eq));
        assert_eq!(CompareOp::from_keyword("Ge"), Some(CompareOp::Ge));
        assert_eq!(CompareOp::from_keyword("pr"), None);
        assert_eq!(CompareOp::from_keyword("equals"), None);
    }

    #[test]
    fn and_of_or_keeps_parentheses() {
        let a = compare("a", CompareOp::Eq, CompValue::Bool(true));
        let b = compare("b", CompareOp::Eq, CompValue::Null);
        let c = compare("c", CompareOp::Gt, CompValue::Number(5.into()));
        let filter = Filter::And(Box::new(Filter::Or(Box::new(a), Box::new(b))), Box::new(c));
        assert_eq!(filter.to_string(), "(a eq true or b eq null) and c gt 5");
    }

    #[test]
    fn right_nested_and_keeps_parentheses() {
        let a = Filter::Present(AttrPath::simple("a"));
        let b = Filter::Present(AttrPath::simple("b"));
        let c = Filter::Present(AttrPath::simple("c"));
        let filter = Filter::And(Box::new(a), Box::new(Filter::And(Box::new(b), Box::new(c))));
        assert_eq!(filter.to_string(), "a pr and (b pr and c pr)");
    }

    #[test]
    fn patch_path_display() {
        let path = PatchPath {
            attr: AttrPath::simple("emails"),
            filter: Some(compare("type", CompareOp::Eq, CompValue::String("work".into()))),
            sub_attr: Some("value".into()),
        };
        assert_eq!(path.to_string(), r#"emails[type eq "work"].value"#);
    }
}
