//! The properties against deliberately broken servers. A loopback proxy in
//! front of the mock breaks one rule. The properties must fail, name that
//! rule and shrink the failure to a short sequence. The scenario file they
//! write must load in the scripted suite, fail against the broken server and
//! pass against the mock.

mod props_support;

use std::path::Path;

use clap::Parser as _;
use scim_conformance::cli::{execute, Cli};
use scim_conformance::props::{run, PropsReport};
use scim_conformance::runner::{self, Cancel, RunConfig, Silent};
use scim_conformance::scenario::{self, Profile};
use scim_mock::MockServer;

use props_support::config;
use props_support::proxy::{Fault, FaultyProxy};

/// Runs the properties through a proxy with `fault` and returns the report.
async fn run_with_fault(
    server: &MockServer,
    fault: Fault,
    seed: u64,
    scenario_dir: &Path,
) -> (FaultyProxy, PropsReport) {
    let proxy = FaultyProxy::start(&server.base_url(), fault).await;
    let config = config(
        proxy.base_url(),
        &server.token(),
        seed,
        Some(scenario_dir.to_path_buf()),
    );
    let report = run(config).await.expect("the run starts");
    println!("{}", report.to_text());
    (proxy, report)
}

/// Replays one scenario file with the scripted suite and returns whether it passed.
async fn replay(file: &Path, base_url: String, token: &str) -> bool {
    let text = std::fs::read_to_string(file).expect("the scenario file exists");
    let scenarios = scenario::load_file(file, &text).expect("the written scenario loads");
    let config = RunConfig {
        base_url,
        token: token.to_owned(),
        profile: Profile::Atlassian,
        domain: "example.com".to_owned(),
        jobs: 1,
        timeout: std::time::Duration::from_secs(20),
        snapshots: None,
        allow_writes: false,
        run_prefix: runner::new_run_prefix(),
    };
    runner::run(&scenarios, &config, &Cancel::new(), &Silent)
        .await
        .expect("the replay starts")
        .success()
}

/// Checks the sequential property's failure and its scenario file.
async fn assert_caught(server: &MockServer, proxy: &FaultyProxy, report: &PropsReport, rule: &str, max_steps: usize) {
    let sequential = &report.properties[0];
    let failure = sequential.failure.as_ref().expect("the state-machine property fails");
    assert_eq!(failure.rule, rule, "{}", failure.message);
    assert!(
        failure.minimal_sequence.len() <= max_steps,
        "shrunk to {} steps, expected at most {max_steps}: {:#?}",
        failure.minimal_sequence.len(),
        failure.minimal_sequence
    );
    assert!(failure.message.contains("likely fix:"), "{}", failure.message);

    let file = failure.scenario_file.as_ref().expect("a scenario file was written");
    let file = Path::new(file);
    println!(
        "{}",
        std::fs::read_to_string(file).expect("the scenario file is readable")
    );
    assert!(
        !replay(file, proxy.base_url(), &server.token()).await,
        "the scenario fails against the broken server"
    );
    assert!(
        replay(file, server.base_url(), &server.token()).await,
        "the scenario passes against the mock"
    );

    let text = std::fs::read_to_string(file).expect("the scenario file is readable");
    assert!(text.contains("# - the directory's user limit is 20000 users"), "{text}");
    let command = failure.replay_command.as_deref().expect("a replay command");
    assert_replay_command_passes(command, &proxy.base_url(), server).await;
}

/// Runs the printed replay command, pointed at the mock instead of the
/// broken proxy, and checks that it exits 0.
async fn assert_replay_command_passes(command: &str, broken_url: &str, server: &MockServer) {
    assert!(
        command.contains(&format!("--base-url {broken_url} --token KEY")),
        "{command}"
    );
    let token = server.token();
    let base_url = server.base_url();
    let words: Vec<&str> = command
        .split_whitespace()
        .map(|word| match word {
            "KEY" => token.as_str(),
            word if word == broken_url => base_url.as_str(),
            word => word,
        })
        .collect();
    let cli = Cli::try_parse_from(&words).expect("the replay command parses");
    let code = execute(cli).await.expect("the replay runs");
    assert_eq!(
        format!("{code:?}"),
        format!("{:?}", std::process::ExitCode::SUCCESS),
        "{command}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_sensitive_filter_caught() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().expect("a temp folder");

    let (proxy, report) = run_with_fault(&server, Fault::CaseSensitiveUserNameFilter, 11, dir.path()).await;

    assert_caught(&server, &proxy, &report, "user-findable", 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_user_accepted_caught() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().expect("a temp folder");

    let (proxy, report) = run_with_fault(&server, Fault::DuplicateUserAccepted, 12, dir.path()).await;

    assert_caught(&server, &proxy, &report, "user-uniqueness", 3).await;
    let race = report.properties[1]
        .failure
        .as_ref()
        .expect("the race property fails too");
    assert_eq!(race.rule, "race-one-winner", "{}", race.message);
    assert!(
        race.minimal_sequence[0].starts_with("2 concurrent clients:"),
        "shrunk to two clients: {:?}",
        race.minimal_sequence
    );
    assert!(race.scenario_file.is_none());
    let reason = race.no_scenario_reason.as_deref().unwrap_or_default();
    assert!(reason.contains("cannot replay a race"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_member_add_caught() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().expect("a temp folder");

    let (proxy, report) = run_with_fault(&server, Fault::DropSecondMemberAdd, 13, dir.path()).await;

    assert_caught(&server, &proxy, &report, "group-members", 6).await;
    let race = report.properties[1]
        .failure
        .as_ref()
        .expect("the race property fails too");
    assert_eq!(race.rule, "race-all-members-land", "{}", race.message);
}
