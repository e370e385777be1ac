//! End-to-end tests of the mock server and the conformance harness together.
