//! Error details that name the operation at fault.

use super::request::PatchOpKind;
use crate::error::{ScimError, ScimType};
use crate::filter::PatchPath;

/// The position and target of the operation being applied, which prefixes
/// every error detail, as in `Operations[2] (replace of path 'active'): ...`.
#[derive(Debug, Clone, Copy)]
pub(super) struct OpContext<'a> {
    pub index: usize,
    pub op: PatchOpKind,
    pub path: Option<&'a PatchPath>,
}

impl OpContext<'_> {
    fn prefix(&self) -> String {
        match self.path {
            Some(path) => format!("Operations[{}] ({} of path '{path}')", self.index, self.op),
            None => format!("Operations[{}] ({} without a path)", self.index, self.op),
        }
    }

    fn error(&self, scim_type: ScimType, detail: &str) -> ScimError {
        ScimError::bad_request(scim_type, format!("{}: {detail}", self.prefix()))
    }

    /// 400 `invalidValue`.
    pub fn invalid_value(&self, detail: &str) -> ScimError {
        self.error(ScimType::InvalidValue, detail)
    }

    /// 400 `invalidPath`.
    pub fn invalid_path(&self, detail: &str) -> ScimError {
        self.error(ScimType::InvalidPath, detail)
    }

    /// 400 `mutability`.
    pub fn mutability(&self, detail: &str) -> ScimError {
        self.error(ScimType::Mutability, detail)
    }

    /// 400 `noTarget`.
    pub fn no_target(&self, detail: &str) -> ScimError {
        self.error(ScimType::NoTarget, detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::parse_patch_path;

    #[test]
    fn prefix_names_index_op_and_path() {
        let path = parse_patch_path(r#"emails[type eq "work"].value"#).expect("valid path");
        let context = OpContext {
            index: 2,
            op: PatchOpKind::Replace,
            path: Some(&path),
        };
        let error = context.invalid_value("bad.");
        assert_eq!(
            error.detail,
            r#"Operations[2] (replace of path 'emails[type eq "work"].value'): bad."#
        );
        assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn prefix_without_path() {
        let context = OpContext {
            index: 0,
            op: PatchOpKind::Add,
            path: None,
        };
        assert_eq!(context.no_target("x").detail, "Operations[0] (add without a path): x");
    }
}
