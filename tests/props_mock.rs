//! The property-based suite against the in-process mock server: with a
//! fixed seed every property holds, every transition kind runs, the user
//! limit is predicted, and the `props` subcommand writes its reports.

mod props_support;

use std::time::Duration;

use scim_conformance::cli::{execute, Cli};
use scim_conformance::client::{ScimClient, ScimRequest};
use scim_conformance::preflight::PreflightError;
use scim_conformance::props::execute::{run_case, Target};
use scim_conformance::props::model::{GroupKey, DEFAULT_USER_LIMIT};
use scim_conformance::props::names::Naming;
use scim_conformance::props::report::TransitionStats;
use scim_conformance::props::transitions::{GroupPatch, GroupRef, Op, UserRef};
use scim_conformance::props::{run, PropsConfig, PropsError};
use scim_conformance::runner::Cancel;
use scim_mock::MockServer;

use clap::Parser as _;
use props_support::config;

/// Seed of the green run. Generation depends only on the seed and the
/// generator code, so this run always sends the same sequences.
const SEED: u64 = 20_251_204;

/// Transition and PATCH-operation labels that a run must exercise.
const EXPECTED_LABELS: &[&str] = &[
    "create_user",
    "get_user",
    "replace_user",
    "patch_user",
    "delete_user",
    "create_group",
    "get_group",
    "replace_group",
    "patch_group",
    "delete_group",
    "list_page",
    "filter_user_name",
    "filter_external_id",
    "filter_display_name",
    "rejected_filter",
    "invalid_create_user",
    "invalid_create_group",
    "empty_patch",
    "patch_user.active_rfc",
    "patch_user.active_okta_pathless",
    "patch_user.active_entra_string",
    "patch_user.given_name_path",
    "patch_user.given_name_pathless",
    "patch_user.user_name",
    "patch_user.email_entra_filter_path",
    "patch_user.emails_rfc",
    "patch_user.external_id",
    "patch_user.remove_external_id",
    "patch_user.department_urn_path",
    "patch_user.display_name_entra",
    "patch_user.invalid_boolean",
    "patch_user.unknown_op",
    "patch_group.add_members",
    "patch_group.add_members_entra",
    "patch_group.remove_member_by_filter",
    "patch_group.remove_members_by_value",
    "patch_group.replace_members",
    "patch_group.remove_all_members",
    "patch_group.rename",
    "patch_group.unknown_op",
    "race.create_user",
    "race.create_group",
    "race.add_member",
];

/// Outcomes (transition and predicted status) that a run must exercise, so
/// the conflict, not-found and validation paths are all compared.
const EXPECTED_OUTCOMES: &[&str] = &[
    "create_user -> 201",
    "create_user -> 409",
    "create_group -> 409",
    "get_user -> 404",
    "patch_user -> 400",
    "patch_user -> 404",
    "patch_user -> 409",
    "replace_user -> 409",
    "patch_group -> 400",
    "patch_group -> 404",
    "replace_group -> 400",
    "delete_user -> 204",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn properties_hold_against_mock() {
    let server = MockServer::start().await;
    let config = config(server.base_url(), &server.token(), SEED, None);

    let report = run(config).await.expect("the run starts");
    println!("{}", report.to_text());

    assert!(report.passed(), "{}", report.to_text());
    let sequential = &report.properties[0];
    assert_eq!(sequential.cases_passed, 48, "every generated sequence ran");
    for label in EXPECTED_LABELS {
        let count = report.transition_counts.get(*label).copied().unwrap_or(0);
        assert!(
            count > 0,
            "transition {label} never ran; counts: {:#?}",
            report.transition_counts
        );
    }
    for outcome in EXPECTED_OUTCOMES {
        let count = report.outcome_counts.get(*outcome).copied().unwrap_or(0);
        assert!(
            count > 0,
            "outcome {outcome} never predicted; outcomes: {:#?}",
            report.outcome_counts
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_limit_predicted_against_mock() {
    const LIMIT: usize = 2;
    let server = MockServer::builder()
        .user_limit(LIMIT)
        .start()
        .await
        .expect("the mock starts with a low user limit");
    let mut config = config(server.base_url(), &server.token(), SEED + 1, None);
    config.user_limit = LIMIT;
    config.cases = 24;
    config.race_cases = 0;

    let report = run(config).await.expect("the run starts");

    assert!(report.passed(), "{}", report.to_text());
    let over_limit = report.outcome_counts.get("create_user -> 403").copied().unwrap_or(0);
    assert!(
        over_limit > 0,
        "no create went over the limit; outcomes: {:#?}",
        report.outcome_counts
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn props_subcommand_writes_reports() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().expect("a temp folder");
    let json_path = dir.path().join("props.json");
    let junit_path = dir.path().join("props.xml");
    let cli = Cli::parse_from([
        "scim-conformance".to_owned(),
        "props".to_owned(),
        "--base-url".to_owned(),
        server.base_url(),
        "--token".to_owned(),
        server.token().to_owned(),
        "--cases".to_owned(),
        "4".to_owned(),
        "--race-cases".to_owned(),
        "2".to_owned(),
        "--seed".to_owned(),
        "7".to_owned(),
        "--json".to_owned(),
        json_path.display().to_string(),
        "--junit".to_owned(),
        junit_path.display().to_string(),
    ]);

    let code = execute(cli).await.expect("the subcommand runs");

    assert_eq!(format!("{code:?}"), format!("{:?}", std::process::ExitCode::SUCCESS));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("the JSON report exists"))
            .expect("valid JSON");
    assert_eq!(json["seed"], 7);
    assert_eq!(json["properties"].as_array().map(Vec::len), Some(2));
    let junit = std::fs::read_to_string(&junit_path).expect("the JUnit report exists");
    assert!(
        junit.contains("<testsuite name=\"scim-conformance props (seed 7)\" tests=\"2\" failures=\"0\""),
        "{junit}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_loopback_target_rejected() {
    let config = PropsConfig::new("https://scim.example.org/scim/directory/x", "key");

    let error = run(config)
        .await
        .expect_err("writes to a remote host need --allow-writes");

    assert!(error.to_string().contains("--allow-writes"), "{error}");
}

/// Replays a failure the properties once found in the mock: a group PATCH
/// that adds an id that is no user of the directory, then replaces the
/// members with an empty list. Adding an unknown member is 404 and a PATCH
/// is atomic, so the whole request must be 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_member_add_then_replace() {
    let server = MockServer::start().await;
    let client = ScimClient::new(&server.base_url(), &server.token(), Duration::from_secs(20)).expect("valid base URL");
    let naming = Naming::new("pt-regression-", "example.com").expect("valid naming");
    let target = Target {
        client,
        naming,
        user_limit: DEFAULT_USER_LIMIT,
        cancel: Cancel::new(),
    };
    let ops = [
        Op::CreateGroup {
            key: GroupKey(0),
            name: "eng",
            members: Vec::new(),
        },
        Op::PatchGroup {
            group: GroupRef::Live(GroupKey(0)),
            ops: vec![
                GroupPatch::AddMembers {
                    users: vec![UserRef::Unknown(0)],
                    entra: false,
                },
                GroupPatch::ReplaceMembers { users: Vec::new() },
            ],
            lowercase_key: false,
        },
    ];

    let outcome = run_case(&target, &ops, None, &TransitionStats::default()).await;

    if let Some(failure) = outcome.failure {
        panic!("{failure}");
    }
}

/// Returns the names in `collection` that start with `prefix`.
async fn names_with_prefix(client: &ScimClient, collection: &str, attribute: &str, prefix: &str) -> Vec<String> {
    let response = client
        .send(&ScimRequest::get(collection).query("count", "100"))
        .await
        .expect("the mock answers");
    response
        .json
        .as_ref()
        .and_then(|body| body["Resources"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|resource| resource[attribute].as_str())
        .filter(|name| name.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_cases_and_deletes_prefixed_resources() {
    const PREFIX: &str = "pt-cancel-";
    let server = MockServer::start().await;
    let client = ScimClient::new(&server.base_url(), &server.token(), Duration::from_secs(20)).expect("valid base URL");
    let mut config = config(server.base_url(), &server.token(), SEED, None);
    config.cases = 100_000;
    config.prefix = Some(PREFIX.to_owned());
    let cancel = config.cancel.clone();

    let running = tokio::spawn(run(config));
    // Ctrl-C arrives while a case has resources on the server.
    let mut seen = false;
    for _ in 0..10_000 {
        let users = names_with_prefix(&client, "/Users", "userName", PREFIX).await;
        let groups = names_with_prefix(&client, "/Groups", "displayName", PREFIX).await;
        if !users.is_empty() || !groups.is_empty() {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(seen, "a case created a resource");
    cancel.cancel();
    let report = running.await.expect("the run thread ends").expect("the run starts");

    assert!(report.interrupted, "{}", report.to_text());
    assert!(report.properties[0].interrupted);
    assert!(report.properties[0].cases_passed < 100_000);
    assert!(report.properties[0].failure.is_none(), "{}", report.to_text());
    let sweep = report.sweep.as_ref().expect("the run ends with a sweep");
    assert!(sweep.complete(), "{:?}", sweep.problems);
    assert!(names_with_prefix(&client, "/Users", "userName", PREFIX)
        .await
        .is_empty());
    assert!(names_with_prefix(&client, "/Groups", "displayName", PREFIX)
        .await
        .is_empty());
    assert!(
        report.to_text().contains("interrupted by Ctrl-C"),
        "{}",
        report.to_text()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_key_rejected_before_first_case() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().expect("a temp folder");
    let config = config(server.base_url(), "not-the-key", SEED, Some(dir.path().to_path_buf()));

    let error = run(config).await.expect_err("the key is rejected");

    assert!(
        matches!(error, PropsError::Preflight(PreflightError::KeyRejected { .. })),
        "{error}"
    );
    assert!(error.to_string().contains("the server rejected the key (40"), "{error}");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("the folder exists").count(),
        0,
        "no scenario file"
    );
}
