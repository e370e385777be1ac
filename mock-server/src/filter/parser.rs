//! Recursive-descent parser for filters (RFC 7644 §3.4.2.2) and PATCH paths
//! (RFC 7644 §3.5.2).
//!
//! Precedence is `not` over `and` over `or`. Keywords, operators and the
//! literals `true`, `false` and `null` are read in any case. Extra spaces,
//! tabs and line breaks are allowed wherever the RFC puts a space, and a space
//! is required where the RFC requires one, such as around `and` and `or` and
//! between an attribute path, its operator and its value.

use super::ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
use super::lexer::{is_word_char, Cursor};
use super::FilterError;

/// The maximum nesting of parentheses, `not (...)` and value filters.
///
/// The parser recurses once per level, so the cap keeps a hostile filter from
/// overflowing the stack.
pub const MAX_NESTING: usize = 64;

/// The maximum number of comparisons and `pr` tests in one filter.
///
/// A chain of `and` or `or` builds a tree as deep as the chain is long, and
/// evaluation, formatting and drop all recurse through that tree, so the cap
/// bounds their stack use too.
pub const MAX_TERMS: usize = 1000;

/// The operator list quoted in error messages.
const OPERATOR_LIST: &str = "eq, ne, co, sw, ew, gt, lt, ge, le, pr";

/// Parses a filter such as `userName eq "bjensen" and not (emails pr)`.
///
/// # Errors
///
/// Returns a [`FilterError`] that names the character where the input stops
/// following the grammar. Examples are an unterminated string, unbalanced
/// parentheses, a missing value, `pr` with a value, `gt` with `true` or
/// `null`, and trailing text. Nesting deeper than [`MAX_NESTING`] and more
/// than [`MAX_TERMS`] comparisons are errors too.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    let mut parser = Parser::new(input);

    parser.cursor.skip_whitespace();
    if parser.cursor.at_end() {
        return Err(parser.cursor.error(parser.cursor.pos(), "expected a filter expression"));
    }

    let filter = parser.parse_or(Group::Top)?;

    parser.cursor.skip_whitespace();
    if !parser.cursor.at_end() {
        return Err(parser.unexpected_after_expression(Group::Top, 0));
    }
    Ok(filter)
}

/// Parses a PATCH path: an attribute path, optionally followed by a value
/// filter in brackets and a sub-attribute, such as `name.givenName`,
/// `members[value eq "2819c223"]` or `emails[type eq "work"].value`.
///
/// # Errors
///
/// Returns a [`FilterError`] for an empty path, a malformed attribute name or
/// value filter, or text after the end of the path.
pub fn parse_patch_path(input: &str) -> Result<PatchPath, FilterError> {
    let mut parser = Parser::new(input);

    parser.cursor.skip_whitespace();
    let attr = parser.parse_attr_path()?;

    let mut filter = None;
    let mut sub_attr = None;
    if parser.cursor.peek() == Some('[') {
        filter = Some(parser.parse_bracketed_filter()?);

        if parser.cursor.peek() == Some('.') {
            parser.cursor.bump();
            sub_attr = Some(parser.parse_sub_attr_name()?);
        }
    }

    parser.cursor.skip_whitespace();
    if parser.cursor.at_end() {
        return Ok(PatchPath { attr, filter, sub_attr });
    }

    let at = parser.cursor.pos();
    let expected = match (&filter, &sub_attr) {
        (None, _) if parser.cursor.peek() == Some('[') => {
            "expected \"[\" directly after the attribute name, without a space"
        }
        (None, _) => "expected \"[\" or the end of the path",
        (Some(_), None) => "expected \".\" and a sub-attribute name, or the end of the path",
        (Some(_), Some(_)) => "expected the end of the path",
    };
    Err(parser.cursor.error(at, expected))
}

/// The bracket that encloses the expression being parsed, which decides what
/// may end it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Top,
    Parens,
    Brackets,
}

#[derive(Debug)]
struct Parser<'a> {
    cursor: Cursor<'a>,
    nesting: usize,
    terms: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Self {
        Parser {
            cursor: Cursor::new(input),
            nesting: 0,
            terms: 0,
        }
    }

    fn parse_or(&mut self, group: Group) -> Result<Filter, FilterError> {
        let mut left = self.parse_and(group)?;
        while self.eat_keyword("or")? {
            let right = self.parse_and(group)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self, group: Group) -> Result<Filter, FilterError> {
        let mut left = self.parse_unary(group)?;
        while self.eat_keyword("and")? {
            let right = self.parse_unary(group)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// Consumes a logical keyword that has whitespace on both sides, and
    /// returns whether it did. Leaves the cursor unmoved when the keyword is
    /// not next.
    fn eat_keyword(&mut self, keyword: &str) -> Result<bool, FilterError> {
        let start = self.cursor.pos();
        if !self.cursor.skip_whitespace() || !self.cursor.peek_word().eq_ignore_ascii_case(keyword) {
            self.cursor.reset(start);
            return Ok(false);
        }

        let word = self.cursor.take_word();
        let after = self.cursor.pos();
        if self.cursor.skip_whitespace() {
            return Ok(true);
        }

        let message = if self.cursor.at_end() {
            format!("expected a filter expression after \"{word}\"")
        } else {
            format!("expected a space after \"{word}\"")
        };
        Err(self.cursor.error(after, message))
    }

    /// Parses a parenthesized expression, `not (...)` or an attribute expression.
    fn parse_unary(&mut self, group: Group) -> Result<Filter, FilterError> {
        self.cursor.skip_whitespace();
        let start = self.cursor.pos();

        match self.cursor.peek() {
            Some('(') => self.parse_parenthesized(),
            Some(c) if is_word_char(c) => {
                if self.cursor.peek_word().eq_ignore_ascii_case("not") {
                    if let Some(negated) = self.parse_not()? {
                        return Ok(negated);
                    }
                    self.cursor.reset(start);
                }
                self.parse_attribute_expression(group)
            }
            _ => Err(self.cursor.error(
                start,
                "expected a filter expression: an attribute path, \"(\" or \"not (\"",
            )),
        }
    }

    fn parse_parenthesized(&mut self) -> Result<Filter, FilterError> {
        let open = self.cursor.pos();
        self.enter(open)?;
        self.cursor.bump();

        let inner = self.parse_or(Group::Parens)?;
        self.expect_close(')', open, Group::Parens)?;

        self.nesting -= 1;
        Ok(inner)
    }

    /// Parses `not (...)` at the cursor, which is on the word `not`. Returns
    /// `None` when the word is an attribute named `not`, which is the case
    /// when a comparison operator follows it.
    fn parse_not(&mut self) -> Result<Option<Filter>, FilterError> {
        self.cursor.take_word();
        self.cursor.skip_whitespace();

        if self.cursor.peek() == Some('(') {
            let inner = self.parse_parenthesized()?;
            return Ok(Some(Filter::Not(Box::new(inner))));
        }

        let next = self.cursor.peek_word();
        if CompareOp::from_keyword(next).is_some() || next.eq_ignore_ascii_case("pr") {
            return Ok(None);
        }
        Err(self.cursor.error(self.cursor.pos(), "expected \"(\" after \"not\""))
    }

    /// Parses `attrPath pr`, `attrPath op value`, `attrPath[filter]` or
    /// `attrPath[filter].subAttr op value`.
    fn parse_attribute_expression(&mut self, group: Group) -> Result<Filter, FilterError> {
        let path = self.parse_attr_path()?;

        if self.cursor.peek() != Some('[') {
            return self.parse_comparison(path);
        }

        if group == Group::Brackets {
            return Err(self.cursor.error_without_found(
                self.cursor.pos(),
                "unexpected \"[\": a value filter cannot contain another value filter",
            ));
        }
        let inner = self.parse_bracketed_filter()?;

        // `emails[type eq "work"].value eq "x"` means the same as
        // `emails[type eq "work" and value eq "x"]`.
        if self.cursor.peek() == Some('.') {
            self.cursor.bump();
            let sub_attr = self.parse_sub_attr_name()?;
            let comparison = self.parse_comparison(AttrPath::simple(sub_attr))?;
            let filter = Filter::And(Box::new(inner), Box::new(comparison));
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(filter),
            });
        }

        Ok(Filter::ValuePath {
            path,
            filter: Box::new(inner),
        })
    }

    /// Parses `[filter]` at the cursor, which is on the `[`.
    fn parse_bracketed_filter(&mut self) -> Result<Filter, FilterError> {
        let open = self.cursor.pos();
        self.enter(open)?;
        self.cursor.bump();

        let inner = self.parse_or(Group::Brackets)?;
        self.expect_close(']', open, Group::Brackets)?;

        self.nesting -= 1;
        Ok(inner)
    }

    /// Parses the operator and value that follow an attribute path.
    fn parse_comparison(&mut self, path: AttrPath) -> Result<Filter, FilterError> {
        let had_space = self.cursor.skip_whitespace();
        let op_at = self.cursor.pos();
        let word = self.cursor.peek_word();

        if !had_space || word.is_empty() {
            return Err(self
                .cursor
                .error(op_at, format!("expected a comparison operator ({OPERATOR_LIST})")));
        }

        if word.eq_ignore_ascii_case("pr") {
            self.cursor.take_word();
            self.count_term(op_at)?;
            self.reject_value_after_present()?;
            return Ok(Filter::Present(path));
        }

        let Some(op) = CompareOp::from_keyword(word) else {
            return Err(self
                .cursor
                .error(op_at, format!("expected a comparison operator ({OPERATOR_LIST})")));
        };
        self.cursor.take_word();

        let had_space = self.cursor.skip_whitespace();
        let value_at = self.cursor.pos();
        if !had_space && !self.cursor.at_end() {
            return Err(self
                .cursor
                .error(value_at, format!("expected a space after \"{word}\"")));
        }

        let value = self.parse_value(word)?;
        self.check_operand(op, word, &value, value_at)?;
        self.count_term(op_at)?;

        Ok(Filter::Compare { path, op, value })
    }

    /// Rejects literals the operator cannot compare with. RFC 7644 makes `gt`,
    /// `ge`, `lt` and `le` on a boolean an invalid filter, and substring
    /// operators only make sense on strings.
    fn check_operand(
        &self,
        op: CompareOp,
        keyword: &str,
        value: &CompValue,
        value_at: usize,
    ) -> Result<(), FilterError> {
        let is_bool_or_null = matches!(value, CompValue::Bool(_) | CompValue::Null);

        if op.is_ordering() && is_bool_or_null {
            return Err(self.cursor.error(
                value_at,
                format!(
                    "expected a string or number after \"{keyword}\", because true, false and null \
                     only compare with eq and ne"
                ),
            ));
        }

        if op.is_substring() && !matches!(value, CompValue::String(_)) {
            return Err(self.cursor.error(
                value_at,
                format!("expected a string in double quotes after \"{keyword}\""),
            ));
        }
        Ok(())
    }

    /// Fails when a value follows `pr`, as in `title pr "x"`.
    fn reject_value_after_present(&mut self) -> Result<(), FilterError> {
        let save = self.cursor.pos();
        self.cursor.skip_whitespace();
        let at = self.cursor.pos();

        let looks_like_value = match self.cursor.peek() {
            Some('"' | '-' | '0'..='9') => true,
            Some(_) => {
                let word = self.cursor.peek_word();
                ["true", "false", "null"]
                    .iter()
                    .any(|literal| literal.eq_ignore_ascii_case(word))
            }
            None => false,
        };

        if looks_like_value {
            return Err(self.cursor.error(
                at,
                "expected \"and\", \"or\" or the end of the expression, because \"pr\" takes no value",
            ));
        }
        self.cursor.reset(save);
        Ok(())
    }

    /// Parses the literal after the operator `keyword`.
    fn parse_value(&mut self, keyword: &str) -> Result<CompValue, FilterError> {
        let at = self.cursor.pos();

        match self.cursor.peek() {
            Some('"') => Ok(CompValue::String(self.cursor.scan_string()?)),
            Some('-' | '0'..='9') => Ok(CompValue::Number(self.cursor.scan_number()?)),
            Some(c) if is_word_char(c) => {
                let word = self.cursor.take_word();
                if word.eq_ignore_ascii_case("true") {
                    Ok(CompValue::Bool(true))
                } else if word.eq_ignore_ascii_case("false") {
                    Ok(CompValue::Bool(false))
                } else if word.eq_ignore_ascii_case("null") {
                    Ok(CompValue::Null)
                } else {
                    Err(self.cursor.error(
                        at,
                        format!(
                            "expected a value after \"{keyword}\": a string in double quotes, a number, \
                             true, false or null"
                        ),
                    ))
                }
            }
            _ => Err(self.cursor.error(
                at,
                format!(
                    "expected a value after \"{keyword}\": a string in double quotes, a number, true, \
                     false or null"
                ),
            )),
        }
    }

    /// Parses `name`, `name.subAttr` or `urn:...:name[.subAttr]`. The URN is
    /// everything before the last `:`, so URNs may contain `:` and `.`.
    fn parse_attr_path(&mut self) -> Result<AttrPath, FilterError> {
        let start = self.cursor.pos();
        let word = self.cursor.take_word();

        if word.is_empty() {
            return Err(self
                .cursor
                .error(start, "expected an attribute path such as userName or name.givenName"));
        }

        // Words contain only ASCII characters, so byte offsets within `word`
        // are character boundaries.
        let (urn, rest, rest_at) = match word.rfind(':') {
            Some(colon) => {
                let urn = &word[..colon];
                let has_urn_prefix = urn.get(..4).is_some_and(|prefix| prefix.eq_ignore_ascii_case("urn:"));
                if !has_urn_prefix || urn.len() == 4 {
                    return Err(self.cursor.error_without_found(
                        start,
                        format!(
                            "invalid attribute path \"{word}\": the text before the last \":\" must be a \
                             schema URN such as urn:ietf:params:scim:schemas:core:2.0:User"
                        ),
                    ));
                }
                (Some(urn.to_string()), &word[colon + 1..], start + colon + 1)
            }
            None => (None, word, start),
        };

        let (name, sub_attr) = match rest.split_once('.') {
            Some((name, sub_attr)) => (name, Some(sub_attr)),
            None => (rest, None),
        };
        self.check_attr_name(name, rest_at)?;

        if let Some(sub_attr) = sub_attr {
            let sub_at = rest_at + name.len() + 1;
            if let Some(dot) = sub_attr.find('.') {
                return Err(self.cursor.error_without_found(
                    sub_at + dot,
                    format!("invalid attribute path \"{word}\": a path has at most one sub-attribute"),
                ));
            }
            self.check_attr_name(sub_attr, sub_at)?;
        }

        Ok(AttrPath {
            urn,
            name: name.to_string(),
            sub_attr: sub_attr.map(str::to_string),
        })
    }

    /// Parses the sub-attribute name after `].`.
    fn parse_sub_attr_name(&mut self) -> Result<String, FilterError> {
        let at = self.cursor.pos();
        let word = self.cursor.take_word();

        if let Some(bad) = word.find(['.', ':']) {
            return Err(self.cursor.error_without_found(
                at + bad,
                format!("invalid sub-attribute \"{word}\": expected a single name such as value"),
            ));
        }
        self.check_attr_name(word, at)?;
        Ok(word.to_string())
    }

    /// Checks `ATTRNAME = ALPHA *(ALPHA / DIGIT / "-" / "_")` of RFC 7643
    /// §2.1, and also accepts `$ref`. `at` is the byte offset of `name`.
    fn check_attr_name(&self, name: &str, at: usize) -> Result<(), FilterError> {
        if name.is_empty() {
            return Err(self.cursor.error(at, "expected an attribute name"));
        }
        if name.eq_ignore_ascii_case("$ref") {
            return Ok(());
        }

        let bad = name.char_indices().find(|&(index, c)| {
            let allowed = if index == 0 {
                c.is_ascii_alphabetic()
            } else {
                c.is_ascii_alphanumeric() || c == '-' || c == '_'
            };
            !allowed
        });

        match bad {
            None => Ok(()),
            Some((index, _)) => Err(self.cursor.error_without_found(
                at + index,
                format!(
                    "invalid attribute name \"{name}\": a name starts with a letter and contains only \
                     letters, digits, \"-\" and \"_\""
                ),
            )),
        }
    }

    /// Consumes the closing bracket of a group opened at byte offset `open`.
    fn expect_close(&mut self, close: char, open: usize, group: Group) -> Result<(), FilterError> {
        self.cursor.skip_whitespace();
        if self.cursor.peek() == Some(close) {
            self.cursor.bump();
            return Ok(());
        }
        Err(self.unexpected_after_expression(group, open))
    }

    /// Builds the error for text after a complete expression in `group`,
    /// which was opened at byte offset `open`.
    fn unexpected_after_expression(&self, group: Group, open: usize) -> FilterError {
        let at = self.cursor.pos();
        let open_char = self.cursor.char_position(open);

        if self.cursor.at_end() {
            let message = match group {
                Group::Parens => format!("expected \")\" (the \"(\" at character {open_char} is not closed)"),
                Group::Brackets => format!("expected \"]\" (the \"[\" at character {open_char} is not closed)"),
                Group::Top => "expected the end of the filter".to_string(),
            };
            return self.cursor.error(at, message);
        }

        let word = self.cursor.peek_word();
        if word.eq_ignore_ascii_case("and") || word.eq_ignore_ascii_case("or") {
            return self.cursor.error(at, format!("expected a space before \"{word}\""));
        }

        let message = match group {
            Group::Top if self.cursor.peek() == Some(')') => {
                "expected \"and\", \"or\" or the end of the filter, but this \")\" has no matching \"(\""
            }
            Group::Top => "expected \"and\", \"or\" or the end of the filter",
            Group::Parens => "expected \"and\", \"or\" or \")\"",
            Group::Brackets => "expected \"and\", \"or\" or \"]\"",
        };
        self.cursor.error(at, message)
    }

    /// Enters a parenthesis or bracket at byte offset `at`.
    fn enter(&mut self, at: usize) -> Result<(), FilterError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(self.cursor.error_without_found(
                at,
                format!("filter nests more than {MAX_NESTING} levels of parentheses and brackets"),
            ));
        }
        Ok(())
    }

    /// Counts one comparison or `pr` test, which starts at byte offset `at`.
    fn count_term(&mut self, at: usize) -> Result<(), FilterError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(self
                .cursor
                .error_without_found(at, format!("filter has more than {MAX_TERMS} comparisons")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(name: &str) -> AttrPath {
        AttrPath::simple(name)
    }

    fn string(text: &str) -> CompValue {
        CompValue::String(text.to_string())
    }

    fn eq(name: &str, text: &str) -> Filter {
        Filter::Compare {
            path: path(name),
            op: CompareOp::Eq,
            value: string(text),
        }
    }

    fn present(name: &str) -> Filter {
        Filter::Present(path(name))
    }

    fn and(left: Filter, right: Filter) -> Filter {
        Filter::And(Box::new(left), Box::new(right))
    }

    fn or(left: Filter, right: Filter) -> Filter {
        Filter::Or(Box::new(left), Box::new(right))
    }

    fn not(inner: Filter) -> Filter {
        Filter::Not(Box::new(inner))
    }

    fn parse_ok(input: &str) -> Filter {
        match parse(input) {
            Ok(filter) => filter,
            Err(error) => panic!("{input:?} should parse: {error}"),
        }
    }

    fn parse_err(input: &str) -> FilterError {
        match parse(input) {
            Ok(filter) => panic!("{input:?} should fail, parsed {filter:?}"),
            Err(error) => error,
        }
    }

    fn value_of(input: &str) -> CompValue {
        match parse_ok(input) {
            Filter::Compare { value, .. } => value,
            other => panic!("{input:?} is not a comparison: {other:?}"),
        }
    }

    // Valid filters.

    #[test]
    fn simple_eq() {
        assert_eq!(parse_ok(r#"userName eq "bjensen""#), eq("userName", "bjensen"));
    }

    #[test]
    fn every_operator() {
        for op in CompareOp::ALL {
            let input = format!(r#"title {} "x""#, op.as_str());
            let expected = Filter::Compare {
                path: path("title"),
                op,
                value: string("x"),
            };
            assert_eq!(parse_ok(&input), expected, "{input}");
        }
    }

    #[test]
    fn keywords_ignore_case() {
        assert_eq!(
            parse_ok(r#"title PR And userName EQ "a" OR NOT (nickName Pr)"#),
            or(and(present("title"), eq("userName", "a")), not(present("nickName")))
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            parse_ok("a pr or b pr and c pr"),
            or(present("a"), and(present("b"), present("c")))
        );
    }

    #[test]
    fn and_groups_left() {
        assert_eq!(
            parse_ok("a pr and b pr and c pr"),
            and(and(present("a"), present("b")), present("c"))
        );
    }

    #[test]
    fn not_binds_tighter_than_and() {
        assert_eq!(parse_ok("not (a pr) and b pr"), and(not(present("a")), present("b")));
    }

    #[test]
    fn parentheses_override_precedence() {
        assert_eq!(
            parse_ok("(a pr or b pr) and c pr"),
            and(or(present("a"), present("b")), present("c"))
        );
    }

    #[test]
    fn not_without_space() {
        assert_eq!(parse_ok("not(a pr)"), not(present("a")));
    }

    #[test]
    fn attribute_named_not() {
        assert_eq!(parse_ok(r#"not eq "x""#), eq("not", "x"));
    }

    #[test]
    fn extra_whitespace() {
        assert_eq!(
            parse_ok("  ( a   pr \t and\n b  eq  \"x\" )  "),
            and(present("a"), eq("b", "x"))
        );
    }

    #[test]
    fn value_path_with_logic() {
        let expected = Filter::ValuePath {
            path: path("emails"),
            filter: Box::new(and(
                eq("type", "work"),
                Filter::Compare {
                    path: path("value"),
                    op: CompareOp::Co,
                    value: string("@example.com"),
                },
            )),
        };
        assert_eq!(
            parse_ok(r#"emails[type eq "work" and value co "@example.com"]"#),
            expected
        );
    }

    #[test]
    fn value_path_inside_logic() {
        let value_path = Filter::ValuePath {
            path: path("emails"),
            filter: Box::new(eq("type", "work")),
        };
        assert_eq!(
            parse_ok(r#"userType eq "Employee" and emails[type eq "work"]"#),
            and(eq("userType", "Employee"), value_path)
        );
    }

    #[test]
    fn value_path_with_not_and_parentheses() {
        let expected = Filter::ValuePath {
            path: path("emails"),
            filter: Box::new(not(or(eq("type", "work"), present("primary")))),
        };
        assert_eq!(parse_ok(r#"emails[not (type eq "work" or primary pr)]"#), expected);
    }

    #[test]
    fn value_path_then_sub_attribute() {
        let expected = Filter::ValuePath {
            path: path("emails"),
            filter: Box::new(and(eq("type", "work"), eq("value", "a@b.c"))),
        };
        assert_eq!(parse_ok(r#"emails[type eq "work"].value eq "a@b.c""#), expected);
    }

    #[test]
    fn sub_attribute_path() {
        let expected = Filter::Compare {
            path: AttrPath {
                urn: None,
                name: "name".into(),
                sub_attr: Some("givenName".into()),
            },
            op: CompareOp::Sw,
            value: string("B"),
        };
        assert_eq!(parse_ok(r#"name.givenName sw "B""#), expected);
    }

    #[test]
    fn urn_qualified_path() {
        let expected = Filter::Compare {
            path: AttrPath {
                urn: Some("urn:ietf:params:scim:schemas:core:2.0:User".into()),
                name: "name".into(),
                sub_attr: Some("givenName".into()),
            },
            op: CompareOp::Eq,
            value: string("B"),
        };
        assert_eq!(
            parse_ok(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "B""#),
            expected
        );
    }

    #[test]
    fn urn_of_extension_with_dots() {
        let Filter::Present(path) = parse_ok("urn:scim:schemas:extension:atlassian-custom:1.0:Attributes:basedIn pr")
        else {
            panic!("expected pr");
        };
        assert_eq!(
            path.urn.as_deref(),
            Some("urn:scim:schemas:extension:atlassian-custom:1.0:Attributes")
        );
        assert_eq!(path.name, "basedIn");
    }

    #[test]
    fn dollar_ref_sub_attribute() {
        let Filter::Present(path) = parse_ok("members.$ref pr") else {
            panic!("expected pr");
        };
        assert_eq!(path.sub_attr.as_deref(), Some("$ref"));
    }

    #[test]
    fn literals_any_case() {
        assert_eq!(value_of("active eq true"), CompValue::Bool(true));
        assert_eq!(value_of("active eq FALSE"), CompValue::Bool(false));
        assert_eq!(value_of("title eq Null"), CompValue::Null);
    }

    #[test]
    fn numbers() {
        assert_eq!(value_of("n eq 0"), CompValue::Number(0.into()));
        assert_eq!(value_of("n eq -12"), CompValue::Number((-12).into()));
        assert_eq!(
            value_of("n gt 18446744073709551615"),
            CompValue::Number(u64::MAX.into())
        );
        let Some(float) = serde_json::Number::from_f64(1500.0) else {
            panic!("finite float");
        };
        assert_eq!(value_of("n eq 1.5e3"), CompValue::Number(float));
        assert_eq!(value_of("n eq 1.5E+3"), value_of("n eq 1500.0"));
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            value_of(r#"title eq "a\"b\\c\/d\b\f\n\r\t""#),
            string("a\"b\\c/d\u{8}\u{c}\n\r\t")
        );
    }

    #[test]
    fn unicode_escapes() {
        assert_eq!(value_of(r#"title eq "caf\u00e9""#), string("café"));
        assert_eq!(value_of(r#"title eq "\uD83D\uDE00""#), string("😀"));
        assert_eq!(value_of(r#"title eq "\u00E9""#), string("é"));
    }

    #[test]
    fn non_ascii_kept() {
        assert_eq!(
            value_of("title eq \"Zoë 東京 😀 ( ) [ ]\""),
            string("Zoë 東京 😀 ( ) [ ]")
        );
    }

    #[test]
    fn empty_string_value() {
        assert_eq!(value_of(r#"title eq """#), string(""));
    }

    #[test]
    fn nesting_at_limit() {
        let input = format!("{}a pr{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert_eq!(parse_ok(&input), present("a"));
    }

    #[test]
    fn terms_at_limit() {
        let input = vec!["a pr"; MAX_TERMS].join(" or ");
        assert!(parse(&input).is_ok());
    }

    // Malformed filters.

    #[test]
    fn unknown_operator_message() {
        let error = parse_err(r#"userName equals "x""#);
        assert_eq!(
            error.to_string(),
            r#"expected a comparison operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr) at character 9, found "equals""#
        );
    }

    #[test]
    fn empty_input() {
        let error = parse_err("");
        assert_eq!(error.position, 0);
        assert_eq!(error.found.as_deref(), Some(""));
    }

    #[test]
    fn whitespace_only() {
        assert_eq!(parse_err("   ").position, 3);
    }

    #[test]
    fn unterminated_string() {
        let error = parse_err(r#"userName eq "bjensen"#);
        assert_eq!(error.position, 12);
        assert!(error.message.contains("closing double quote"), "{error}");
    }

    #[test]
    fn string_ending_in_escaped_quote() {
        let error = parse_err(r#"userName eq "abc\""#);
        assert!(error.message.contains("closing double quote"), "{error}");
    }

    #[test]
    fn unclosed_parenthesis() {
        let error = parse_err("(a pr and (b pr)");
        assert_eq!(
            error.to_string(),
            r#"expected ")" (the "(" at character 0 is not closed) at character 16, found the end of the input"#
        );
    }

    #[test]
    fn extra_closing_parenthesis() {
        let error = parse_err("a pr)");
        assert_eq!(error.position, 4);
        assert!(error.message.contains("no matching"), "{error}");
    }

    #[test]
    fn unclosed_bracket() {
        let error = parse_err(r#"emails[type eq "work""#);
        assert_eq!(error.position, 21);
        assert!(error.message.contains("\"]\""), "{error}");
    }

    #[test]
    fn bracket_closed_by_parenthesis() {
        let error = parse_err(r#"(emails[type eq "work")]"#);
        assert_eq!(error.position, 22);
        assert_eq!(error.found.as_deref(), Some(")"));
    }

    #[test]
    fn nested_value_filter() {
        let error = parse_err(r#"emails[type[value eq "x"] pr]"#);
        assert_eq!(error.position, 11);
        assert!(error.message.contains("cannot contain another value filter"), "{error}");
    }

    #[test]
    fn trailing_garbage() {
        let error = parse_err(r#"userName eq "a" xyz"#);
        assert_eq!(error.position, 16);
        assert_eq!(error.found.as_deref(), Some("xyz"));
    }

    #[test]
    fn missing_value() {
        let error = parse_err("userName eq");
        assert_eq!(error.position, 11);
        assert!(error.message.contains("expected a value after \"eq\""), "{error}");
    }

    #[test]
    fn missing_value_before_and() {
        let error = parse_err("userName eq and title pr");
        assert_eq!(error.found.as_deref(), Some("and"));
    }

    #[test]
    fn unquoted_string_value() {
        let error = parse_err("userName eq bjensen");
        assert_eq!(error.position, 12);
        assert!(error.message.contains("double quotes"), "{error}");
    }

    #[test]
    fn missing_operator() {
        let error = parse_err("userName");
        assert_eq!(error.position, 8);
        assert_eq!(error.found.as_deref(), Some(""));
    }

    #[test]
    fn operator_without_space() {
        let error = parse_err(r#"userName eq"x""#);
        assert!(error.message.contains("space after \"eq\""), "{error}");
    }

    #[test]
    fn symbol_operator() {
        let error = parse_err(r#"userName = "x""#);
        assert_eq!(error.found.as_deref(), Some("="));
    }

    #[test]
    fn present_with_value() {
        let error = parse_err(r#"title pr "x""#);
        assert_eq!(error.position, 9);
        assert!(error.message.contains("\"pr\" takes no value"), "{error}");
    }

    #[test]
    fn present_with_literal() {
        assert!(parse_err("title pr true").message.contains("takes no value"));
    }

    #[test]
    fn ordering_with_boolean() {
        let error = parse_err("active gt true");
        assert_eq!(error.position, 10);
        assert!(error.message.contains("only compare with eq and ne"), "{error}");
    }

    #[test]
    fn ordering_with_null() {
        for op in ["gt", "ge", "lt", "le"] {
            let error = parse_err(&format!("title {op} null"));
            assert!(error.message.contains(op), "{error}");
        }
    }

    #[test]
    fn substring_with_non_string() {
        for input in ["title co 1", "title sw true", "title ew null"] {
            let error = parse_err(input);
            assert!(error.message.contains("string in double quotes"), "{input}: {error}");
        }
    }

    #[test]
    fn and_without_space_before() {
        let error = parse_err(r#"title eq "a"and b pr"#);
        assert!(error.message.contains("space before \"and\""), "{error}");
    }

    #[test]
    fn or_without_space_after() {
        let error = parse_err("a pr or(b pr)");
        assert!(error.message.contains("space after \"or\""), "{error}");
    }

    #[test]
    fn dangling_and() {
        let error = parse_err("a pr and");
        assert!(error.message.contains("after \"and\""), "{error}");
    }

    #[test]
    fn dangling_and_with_space() {
        let error = parse_err("a pr and ");
        assert_eq!(error.position, 9);
    }

    #[test]
    fn not_without_parentheses() {
        let error = parse_err("not title pr");
        assert_eq!(error.position, 4);
        assert!(error.message.contains("\"(\" after \"not\""), "{error}");
    }

    #[test]
    fn empty_parentheses() {
        let error = parse_err("()");
        assert_eq!(error.position, 1);
    }

    #[test]
    fn empty_brackets() {
        assert_eq!(parse_err("emails[]").position, 7);
    }

    #[test]
    fn invalid_escape() {
        let error = parse_err(r#"title eq "a\qb""#);
        assert_eq!(error.position, 12);
        assert_eq!(error.found.as_deref(), Some("q"));
    }

    #[test]
    fn short_unicode_escape() {
        let error = parse_err(r#"title eq "\u12""#);
        assert!(error.message.contains("four hexadecimal digits"), "{error}");
    }

    #[test]
    fn lone_high_surrogate() {
        let error = parse_err(r#"title eq "\uD83Dx""#);
        assert!(error.message.contains("low surrogate"), "{error}");
    }

    #[test]
    fn high_surrogate_then_non_surrogate() {
        let error = parse_err(r#"title eq "\uD83D\u0041""#);
        assert!(error.message.contains("low surrogate"), "{error}");
    }

    #[test]
    fn lone_low_surrogate() {
        let error = parse_err(r#"title eq "\uDE00""#);
        assert_eq!(error.position, 10);
        assert!(error.message.contains("must follow a high surrogate"), "{error}");
    }

    #[test]
    fn raw_control_character() {
        let error = parse_err("title eq \"a\tb\"");
        assert_eq!(error.position, 11);
        assert!(error.message.contains("U+0009"), "{error}");
    }

    #[test]
    fn malformed_numbers() {
        for input in [
            "n eq 01",
            "n eq 1.",
            "n eq -",
            "n eq 1e",
            "n eq .5",
            "n eq 1.2.3",
            "n eq 12abc",
            "n eq +1",
        ] {
            let error = parse_err(input);
            assert_eq!(error.position, 5, "{input}: {error}");
        }
    }

    #[test]
    fn number_out_of_range() {
        let error = parse_err("n eq 1e400");
        assert!(error.message.contains("range"), "{error}");
    }

    #[test]
    fn path_starting_with_digit() {
        let error = parse_err("1title pr");
        assert_eq!(error.position, 0);
        assert!(error.message.contains("starts with a letter"), "{error}");
    }

    #[test]
    fn colon_without_urn() {
        let error = parse_err("foo:bar pr");
        assert!(error.message.contains("schema URN"), "{error}");
    }

    #[test]
    fn urn_without_attribute() {
        let error = parse_err("urn:ietf:params:scim:schemas:core:2.0:User: pr");
        assert_eq!(error.position, 43);
    }

    #[test]
    fn two_sub_attributes() {
        let error = parse_err("name.givenName.x pr");
        assert_eq!(error.position, 14);
        assert!(error.message.contains("at most one sub-attribute"), "{error}");
    }

    #[test]
    fn trailing_dot() {
        assert_eq!(parse_err("name. pr").position, 5);
    }

    #[test]
    fn nesting_over_limit() {
        let depth = MAX_NESTING + 1;
        let input = format!("{}a pr{}", "(".repeat(depth), ")".repeat(depth));
        let error = parse_err(&input);
        assert_eq!(error.position, MAX_NESTING);
        assert!(error.message.contains("nests more than"), "{error}");
    }

    #[test]
    fn hostile_nesting() {
        let input = "not (".repeat(100_000);
        assert!(parse_err(&input).message.contains("nests more than"));
    }

    #[test]
    fn terms_over_limit() {
        let input = vec!["a pr"; MAX_TERMS + 1].join(" and ");
        assert!(parse_err(&input).message.contains("more than 1000 comparisons"));
    }

    #[test]
    fn position_counts_characters() {
        // "é" and "😀" are 2 and 4 bytes but one character each.
        let error = parse_err("title eq \"é😀\" bogus");
        assert_eq!(error.position, 14);
    }

    #[test]
    fn found_text_is_shortened() {
        let input = format!("title eq \"a\" {}", "x".repeat(500));
        let error = parse_err(&input);
        assert_eq!(error.found.map(|found| found.len()), Some(40));
    }

    // PATCH paths.

    fn patch_ok(input: &str) -> PatchPath {
        match parse_patch_path(input) {
            Ok(path) => path,
            Err(error) => panic!("{input:?} should parse: {error}"),
        }
    }

    fn patch_err(input: &str) -> FilterError {
        match parse_patch_path(input) {
            Ok(path) => panic!("{input:?} should fail, parsed {path:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn patch_simple_path() {
        let parsed = patch_ok("displayName");
        assert_eq!(parsed.attr, path("displayName"));
        assert_eq!(parsed.filter, None);
        assert_eq!(parsed.sub_attr, None);
    }

    #[test]
    fn patch_sub_attribute_path() {
        assert_eq!(patch_ok("name.givenName").attr.sub_attr.as_deref(), Some("givenName"));
    }

    #[test]
    fn patch_filter_and_sub_attribute() {
        let parsed = patch_ok(r#"emails[type eq "work"].value"#);
        assert_eq!(parsed.attr, path("emails"));
        assert_eq!(parsed.filter, Some(eq("type", "work")));
        assert_eq!(parsed.sub_attr.as_deref(), Some("value"));
    }

    #[test]
    fn patch_member_filter() {
        let parsed = patch_ok(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#);
        assert_eq!(parsed.filter, Some(eq("value", "2819c223-7f76-453a-919d-413861904646")));
        assert_eq!(parsed.sub_attr, None);
    }

    #[test]
    fn patch_enterprise_path() {
        let parsed = patch_ok("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department");
        assert_eq!(
            parsed.attr.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(parsed.attr.name, "department");
    }

    #[test]
    fn patch_surrounding_spaces() {
        assert_eq!(patch_ok("  active ").attr, path("active"));
    }

    #[test]
    fn patch_empty_path() {
        let error = patch_err("");
        assert_eq!(error.position, 0);
        assert!(error.message.contains("attribute path"), "{error}");
    }

    #[test]
    fn patch_trailing_text() {
        let error = patch_err("displayName x");
        assert_eq!(error.position, 12);
        assert!(error.message.contains("end of the path"), "{error}");
    }

    #[test]
    fn patch_space_before_bracket() {
        let error = patch_err(r#"emails [type eq "work"]"#);
        assert!(error.message.contains("without a space"), "{error}");
    }

    #[test]
    fn patch_unclosed_bracket() {
        let error = patch_err(r#"emails[type eq "work".value"#);
        assert_eq!(error.position, 21);
    }

    #[test]
    fn patch_dot_without_name() {
        assert_eq!(patch_err(r#"emails[type eq "work"]."#).position, 23);
    }

    #[test]
    fn patch_two_sub_attributes_after_filter() {
        let error = patch_err(r#"emails[type eq "work"].value.x"#);
        assert!(error.message.contains("single name"), "{error}");
    }

    #[test]
    fn patch_text_after_sub_attribute() {
        let error = patch_err(r#"emails[type eq "work"].value [x]"#);
        assert!(error.message.contains("end of the path"), "{error}");
    }

    #[test]
    fn patch_nested_filter() {
        let error = patch_err(r#"emails[type[value pr]]"#);
        assert!(error.message.contains("another value filter"), "{error}");
    }

    #[test]
    fn patch_filter_is_full_grammar() {
        let parsed = patch_ok(r#"emails[type eq "work" and not (value ew "@old.example.com")]"#);
        assert!(matches!(parsed.filter, Some(Filter::And(..))));
    }
}
