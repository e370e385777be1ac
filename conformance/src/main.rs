//! The `scim-conformance` binary; see [`scim_conformance::cli`].

fn main() -> std::process::ExitCode {
    scim_conformance::cli::main()
}
