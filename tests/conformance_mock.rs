//! The scripted suite against the in-process mock server: every scenario
//! passes under `atlassian` and matches the committed snapshots, and the
//! `rfc7644` run completes with a well-formed report.
//!
//! To record the snapshots again after an intended change, run this test
//! with `INSTA_UPDATE=always`, then review the diff of `fixtures/snapshots/`.

mod conformance_support;

use scim_conformance::report::{console, json, junit};
use scim_conformance::result::Outcome;
use scim_conformance::runner::{self, Cancel, Silent};
use scim_conformance::scenario::{self, Profile};
use scim_conformance::snapshot::SnapshotStore;
use scim_mock::MockServer;

use conformance_support::{config, scenarios_dir, snapshots_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn atlassian_suite_passes_against_mock() {
    let server = MockServer::start().await;
    let scenarios = scenario::load_dir(&scenarios_dir()).expect("the scenario files load");
    let mut config = config(server.base_url(), server.token().to_owned(), Profile::Atlassian);
    config.snapshots = Some(SnapshotStore {
        dir: snapshots_dir(Profile::Atlassian),
        update: std::env::var("INSTA_UPDATE").is_ok_and(|value| value == "always"),
        write_pending: std::env::var_os("CI").is_none(),
    });

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent)
        .await
        .expect("the run starts");

    let applicable = scenarios
        .iter()
        .filter(|scenario| scenario.applies_to(Profile::Atlassian))
        .count();
    assert_eq!(report.scenarios.len(), applicable);
    assert!(applicable >= 80, "the suite has {applicable} atlassian scenarios");
    assert!(report.success(), "{}", console::render_report(&report));
    let leftovers: Vec<_> = report
        .scenarios
        .iter()
        .flat_map(|result| result.cleanup_problems.iter())
        .collect();
    assert!(leftovers.is_empty(), "cleanup problems: {leftovers:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc7644_run_completes_against_mock() {
    let server = MockServer::start().await;
    let scenarios = scenario::load_dir(&scenarios_dir()).expect("the scenario files load");
    let config = config(server.base_url(), server.token().to_owned(), Profile::Rfc7644);

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent)
        .await
        .expect("the run starts");
    println!("{}", console::render_report(&report));

    assert!(!report.interrupted);
    assert_eq!(report.scenarios.len() + report.not_applicable.len(), scenarios.len());
    assert_eq!(report.count(Outcome::Interrupted), 0);
    for result in &report.scenarios {
        if result.outcome == Outcome::Failed {
            let explained = result.failed_step().is_some_and(|step| step.error.is_some() || !step.failures.is_empty());
            assert!(explained, "{} failed without a reason", result.name);
        }
    }

    let document: serde_json::Value = serde_json::from_str(&json::render(&report)).expect("the JSON report parses");
    assert_eq!(document["profile"], "rfc7644");
    assert_eq!(document["summary"]["passed"], report.count(Outcome::Passed));
    assert_eq!(document["summary"]["failed"], report.count(Outcome::Failed));
    let xml = junit::render(&report);
    assert_eq!(xml.matches("<testcase ").count(), scenarios.len());
    assert_eq!(xml.matches("<failure ").count(), report.count(Outcome::Failed));
}
