//! The scripted suite against the in-process mock server: every scenario
//! passes under `atlassian` and matches the committed snapshots, and the
//! `rfc7644` run completes with a well-formed report.
//!
//! To record the snapshots again after an intended change, run this test
//! with `INSTA_UPDATE=always`, then review the diff of `fixtures/snapshots/`.

mod conformance_support;

use scim_conformance::client::ScimClient;
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
    let sweep = report.sweep.as_ref().expect("a run with writing scenarios ends with a sweep");
    assert!(sweep.complete(), "{:#?}", sweep.problems);
    assert_eq!(sweep.deleted, 0, "every scenario deletes what it creates");
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

/// The mock applies the first user create and the second group create, then
/// loses their responses (a 504 and a reset connection). The scenarios fail,
/// their cleanup cannot know the ids, and the sweep deletes both by prefix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_deletes_resources_whose_response_was_lost() {
    let faults = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/faults/lost-responses.json");
    let server = MockServer::builder()
        .faults_file(faults)
        .start()
        .await
        .expect("the mock starts with the fault file");
    let (_dir, scenarios) = conformance_support::load_scenarios(
        r#"
[[scenario]]
name = "lost-user"
rule = "a rule"
profiles = ["atlassian"]

[[scenario.step]]
name = "create a user"
request.method = "POST"
request.path = "/Users"
request.json = '{"userName": "${run}-lost", "emails": [{"value": "${email}", "primary": true}]}'
expect.status = 201

[[scenario]]
name = "lost-group"
rule = "a rule"
profiles = ["atlassian"]
exclusive = true

[[scenario.step]]
name = "create a group"
request.method = "POST"
request.path = "/Groups"
request.json = '{"displayName": "${run}-first"}'
expect.status = 201

[[scenario.step]]
name = "create a second group"
request.method = "POST"
request.path = "/Groups"
request.json = '{"displayName": "${run}-second"}'
expect.status = 201
"#,
    );
    let config = config(server.base_url(), server.token().to_owned(), Profile::Atlassian);

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent)
        .await
        .expect("the run starts");

    assert_eq!(report.count(Outcome::Failed), 2, "{}", console::render_report(&report));
    let sweep = report.sweep.as_ref().expect("a writing run ends with a sweep");
    assert!(sweep.complete(), "{:?}", sweep.problems);
    assert_eq!(sweep.deleted, 2, "the lost user and the lost second group");

    let client = ScimClient::new(&server.base_url(), &server.token(), std::time::Duration::from_secs(20))
        .expect("valid base URL");
    for (collection, attribute) in [("/Users", "userName"), ("/Groups", "displayName")] {
        let listed = client.get(collection).await.expect("the mock answers");
        let names: Vec<&str> = listed.json.as_ref().and_then(|body| body["Resources"].as_array()).into_iter().flatten().filter_map(|resource| resource[attribute].as_str()).collect();
        assert!(
            names.iter().all(|name| !name.starts_with(&report.run_prefix)),
            "{collection} still holds {names:?}"
        );
    }
}
