//! Property-based checks of a SCIM directory against a reference model.
//!
//! proptest generates sequences of operations (creates, reads, replaces,
//! PATCHes in the RFC, Okta and Entra ID dialects, deletes, filters, list
//! pages and deliberately invalid requests). Each sequence runs against the
//! server from a clean directory; after every step the response must match
//! the model's prediction and the invariants must hold. A failure is shrunk
//! to a short sequence, printed with the seed, and written as a scenario file
//! of the scripted suite. A second property races several clients on the
//! same names and group.
//!
//! Layout:
//! - [`names`]: the small alphabets of names and their rendering with the run prefix;
//! - [`model`]: the reference model and its predictions;
//! - [`transitions`]: the operations and the strategies that generate them;
//! - [`requests`]: rendering operations as HTTP requests;
//! - [`check`] and [`invariants`]: comparing responses and server state with the model;
//! - [`execute`]: running one sequence; [`concurrency`]: the race property;
//! - [`runner`]: proptest set-up and shrinking; [`report`], [`describe`] and
//!   [`scenario`]: output;
//! - [`cli`]: the `props` subcommand.
//!
//! Every name a run creates starts with its prefix, `pt-` and six hex
//! digits by default. Ctrl-C stops the running case, deletes everything
//! with the prefix and prints the report so far.

pub mod check;
pub mod cli;
pub mod concurrency;
pub mod describe;
pub mod execute;
pub mod invariants;
pub mod model;
pub mod names;
pub mod report;
pub mod requests;
pub mod rules;
pub mod runner;
pub mod scenario;
pub mod transitions;

pub use report::PropsReport;
pub use runner::{run, run_blocking, PropsConfig, PropsError};
