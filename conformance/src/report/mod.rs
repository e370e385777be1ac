//! Rendering a [`RunReport`](crate::result::RunReport): the console (live
//! progress, failure details, causes, summary), JUnit XML and JSON.

pub mod console;
pub mod diagnose;
pub mod json;
pub mod junit;
