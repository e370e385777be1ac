//! SCIM filter expressions (RFC 7644 §3.4.2.2): the parser, the syntax tree
//! and an evaluator over JSON resources.
//!
//! [`parse`] reads a `filter` query parameter, [`parse_patch_path`] reads the
//! `path` of a PATCH operation, and [`Filter::matches`] tests a resource or
//! one element of a multi-valued attribute. Parsing accepts the whole RFC
//! grammar, so a caller can tell a malformed filter (a [`FilterError`] with
//! the character at fault) from a valid one it chooses not to support.

mod ast;
mod error;
mod eval;
mod lexer;
mod parser;

pub use ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
pub use error::FilterError;
pub use parser::{parse, parse_patch_path, MAX_NESTING, MAX_TERMS};

#[cfg(test)]
mod tests;
