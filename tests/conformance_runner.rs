//! The runner against a scripted fake server: cleanup after failures and
//! interruptions, automatic deletion of created resources, profile
//! overrides, query encoding, failure details and the loopback write guard.

mod conformance_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use scim_conformance::preflight::PreflightError;
use scim_conformance::report::console;
use scim_conformance::result::Outcome;
use scim_conformance::runner::{self, Cancel, RunError, Silent};
use scim_conformance::scenario::Profile;
use serde_json::json;

use conformance_support::{config, load_scenarios, FakeServer, Recorded, Reply};

const CREATE_THEN_FAIL: &str = r#"
[[scenario]]
name = "create-then-fail"
rule = "a rule"
profiles = ["atlassian", "rfc7644"]
fix = "the authored fix"

[[scenario.step]]
name = "create"
request.method = "POST"
request.path = "/Users"
request.json = '{"userName": "${run}-a", "password": "${run}"}'
expect.status = 201
capture.user_id = "$.id"

[[scenario.step]]
name = "read"
request.method = "GET"
request.path = "/Users/${user_id}"
expect.status = 200
expect.json."$.active" = true

[[scenario.cleanup]]
name = "delete"
request.method = "DELETE"
request.path = "/Users/${user_id}"
"#;

fn users_handler(request: &Recorded) -> Reply {
    match (request.method.as_str(), request.path()) {
        ("POST", "/scim/Users") => Reply::Json(201, json!({"id": "u-1"})),
        ("GET", "/scim/Users/u-1") => Reply::Json(200, json!({"id": "u-1", "active": "true"})),
        ("DELETE", _) => Reply::Empty(204),
        _ => Reply::Json(404, json!({"status": "404"})),
    }
}

fn deletes(server: &FakeServer) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|request| request.method == "DELETE")
        .map(|request| request.target)
        .collect()
}

#[tokio::test]
async fn cleanup_runs_after_failed_step() {
    let server = FakeServer::start(users_handler).await;
    let (_dir, scenarios) = load_scenarios(CREATE_THEN_FAIL);
    let config = config(server.base_url.clone(), "secret-key".into(), Profile::Atlassian);

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent).await.expect("the run starts");

    let result = &report.scenarios[0];
    assert_eq!(result.outcome, Outcome::Failed);
    assert_eq!(deletes(&server), vec!["/scim/Users/u-1"]);
    let step = result.failed_step().expect("a failed step");
    assert_eq!(step.name, "read");
    assert_eq!(step.failures[0].check, "$.active");
    assert!(step.failures[0].expected.contains("true (boolean)"), "{:?}", step.failures[0]);
    assert!(step.failures[0].actual.contains("\"true\""), "{:?}", step.failures[0]);
    assert!(!report.success());
}

#[tokio::test]
async fn failure_report_redacts_key_and_names_fix() {
    let server = FakeServer::start(users_handler).await;
    let (_dir, scenarios) = load_scenarios(CREATE_THEN_FAIL);
    let config = config(server.base_url.clone(), "secret-key".into(), Profile::Atlassian);

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent).await.expect("the run starts");
    let text = console::render_report(&report);

    assert!(!text.contains("secret-key"), "{text}");
    assert!(text.contains("Authorization: Bearer [redacted]"), "{text}");
    assert!(text.contains("GET http://127.0.0.1:"), "{text}");
    assert!(text.contains("$.active: expected true (boolean), got a value of type string"), "{text}");
    assert!(text.contains("likely fix: the authored fix"), "{text}");
    assert!(text.contains("Failures by likely cause:"), "{text}");
    assert!(text.contains("0 passed, 1 failed"), "{text}");
    let sent_key = server.requests()[0].header("authorization").map(str::to_owned);
    assert_eq!(sent_key.as_deref(), Some("Bearer secret-key"));
}

#[tokio::test]
async fn created_resources_deleted_without_cleanup_steps() {
    let server = FakeServer::start(users_handler).await;
    let (_dir, scenarios) = load_scenarios(
        r#"
[[scenario]]
name = "leaves-a-user"
rule = "a rule"
profiles = ["atlassian"]

[[scenario.step]]
name = "create"
request.method = "POST"
request.path = "/Users"
request.json = '{"userName": "${run}-b"}'
expect.status = 201
"#,
    );
    let config = config(server.base_url.clone(), "k".into(), Profile::Atlassian);

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent).await.expect("the run starts");

    assert_eq!(report.scenarios[0].outcome, Outcome::Passed);
    assert_eq!(deletes(&server), vec!["/scim/Users/u-1"]);
}

#[tokio::test]
async fn deleted_resources_not_deleted_again() {
    let server = FakeServer::start(users_handler).await;
    let (_dir, scenarios) = load_scenarios(
        r#"
[[scenario]]
name = "deletes-its-user"
rule = "a rule"
profiles = ["atlassian"]

[[scenario.step]]
name = "create"
request.method = "POST"
request.path = "/Users"
request.json = '{"userName": "${run}-c"}'
expect.status = 201
capture.user_id = "$.id"

[[scenario.step]]
name = "delete"
request.method = "DELETE"
request.path = "/Users/${user_id}"
expect.status = 204
"#,
    );
    let config = config(server.base_url.clone(), "k".into(), Profile::Atlassian);

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent).await.expect("the run starts");

    assert_eq!(report.scenarios[0].outcome, Outcome::Passed);
    assert_eq!(deletes(&server).len(), 1, "only the step's DELETE is sent");
}

#[tokio::test]
async fn cleanup_skipped_when_capture_missing() {
    let server = FakeServer::start(|_| Reply::Json(500, json!({"detail": "boom"}))).await;
    let (_dir, scenarios) = load_scenarios(CREATE_THEN_FAIL);
    let config = config(server.base_url.clone(), "k".into(), Profile::Atlassian);

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent).await.expect("the run starts");

    assert_eq!(report.scenarios[0].outcome, Outcome::Failed);
    assert!(deletes(&server).is_empty(), "no DELETE with an unresolved ${{user_id}}");
    assert!(report.scenarios[0].cleanup_problems.is_empty());
    let text = console::render_report(&report);
    assert!(text.contains("status 500 from POST /Users"), "{text}");
}

#[tokio::test]
async fn profile_overrides_change_expectations() {
    // The run's key "k" passes the check before the run; every other key gets 401.
    let server = FakeServer::start(|request| match request.header("authorization") {
        Some("Bearer k") => Reply::Json(200, json!({"totalResults": 0, "Resources": []})),
        _ => Reply::Json(401, json!({"detail": "no"})),
    })
    .await;
    let (_dir, scenarios) = load_scenarios(
        r#"
[[scenario]]
name = "wrong-key"
rule = "a rule"
profiles = ["atlassian", "rfc7644"]

[[scenario.step]]
name = "list with a wrong key"
request.method = "GET"
request.path = "/Users"
request.auth = "wrong_key"
expect.status = 403
expect.rfc7644.status = 401

[[scenario]]
name = "atlassian-only"
rule = "a rule"
profiles = ["atlassian"]

[[scenario.step]]
name = "read"
request.method = "GET"
request.path = "/ServiceProviderConfig"
"#,
    );

    let atlassian = config(server.base_url.clone(), "k".into(), Profile::Atlassian);
    let report = runner::run(&scenarios, &atlassian, &Cancel::new(), &Silent).await.expect("the run starts");
    assert_eq!(report.scenarios[0].outcome, Outcome::Failed);
    assert_eq!(report.scenarios.len(), 2);

    let rfc = config(server.base_url.clone(), "k".into(), Profile::Rfc7644);
    let report = runner::run(&scenarios, &rfc, &Cancel::new(), &Silent).await.expect("the run starts");
    assert_eq!(report.scenarios.len(), 1);
    assert_eq!(report.scenarios[0].outcome, Outcome::Passed);
    assert_eq!(report.not_applicable, vec!["atlassian-only"]);

    let wrong_key = server
        .requests()
        .into_iter()
        .find(|request| request.header("authorization") != Some("Bearer k"))
        .and_then(|request| request.header("authorization").map(str::to_owned));
    assert!(wrong_key.is_some_and(|value| value.starts_with("Bearer ") && value != "Bearer k"));
}

#[tokio::test]
async fn query_values_percent_encoded_and_captured() {
    let server = FakeServer::start(|request| match request.path() {
        "/scim/Groups" => Reply::Json(200, json!({"totalResults": 7})),
        _ => Reply::Json(200, json!({})),
    })
    .await;
    let (_dir, scenarios) = load_scenarios(
        r#"
[[scenario]]
name = "encoding"
rule = "a rule"
profiles = ["atlassian"]

[[scenario.step]]
name = "count"
request.method = "GET"
request.path = "/Groups"
request.query.count = "0"
capture.total = "$.totalResults"

[[scenario.step]]
name = "filter"
request.method = "GET"
request.path = "/Users"
request.query = { filter = 'userName eq "${run} a+b&c"', startIndex = "${total-2}" }
"#,
    );
    let config = config(server.base_url.clone(), "k".into(), Profile::Atlassian);

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent).await.expect("the run starts");

    assert!(report.success(), "{}", console::render_report(&report));
    let target = server
        .requests()
        .into_iter()
        .find(|request| request.target.contains("filter="))
        .map(|request| request.target)
        .expect("the filter request was sent");
    let run = format!("{}-001", report.run_prefix);
    assert_eq!(
        target,
        format!("/scim/Users?filter=userName%20eq%20%22{run}%20a%2Bb%26c%22&startIndex=5")
    );
}

#[tokio::test]
async fn cancel_stops_new_scenarios_and_runs_cleanup() {
    let posts = Arc::new(AtomicUsize::new(0));
    let counter = posts.clone();
    let server = FakeServer::start(move |request| match (request.method.as_str(), request.path()) {
        ("POST", _) => {
            counter.fetch_add(1, Ordering::SeqCst);
            Reply::Json(201, json!({"id": "u-1"}))
        }
        ("GET", "/scim/Users" | "/scim/Groups") => Reply::Json(200, json!({"totalResults": 0, "Resources": []})),
        ("GET", _) => Reply::Hold,
        _ => Reply::Empty(204),
    })
    .await;
    let text = format!("{CREATE_THEN_FAIL}{}", CREATE_THEN_FAIL.replace("create-then-fail", "second"));
    let (_dir, scenarios) = load_scenarios(&text);
    let mut config = config(server.base_url.clone(), "k".into(), Profile::Atlassian);
    config.jobs = 1;
    let cancel = Cancel::new();

    let run = runner::run(&scenarios, &config, &cancel, &Silent);
    let interrupt = async {
        while !server.requests().iter().any(|request| request.path() == "/scim/Users/u-1") {
            server.next_request().await;
        }
        cancel.cancel();
    };
    let (report, ()) = tokio::join!(run, interrupt);
    let report = report.expect("the run starts");

    assert!(report.interrupted);
    assert_eq!(report.scenarios[0].outcome, Outcome::Interrupted);
    assert_eq!(report.scenarios[1].outcome, Outcome::Interrupted);
    assert!(report.scenarios[1].steps.is_empty(), "the second scenario never started");
    assert_eq!(posts.load(Ordering::SeqCst), 1);
    assert_eq!(deletes(&server), vec!["/scim/Users/u-1"]);
    assert!(!report.success());
    assert!(report.sweep.is_some(), "the sweep runs after Ctrl-C too");
    let listed = server
        .requests()
        .iter()
        .any(|request| request.target == "/scim/Groups?startIndex=1&count=100");
    assert!(listed, "the sweep listed the groups");
}

#[tokio::test]
async fn writes_refused_off_loopback() {
    let (_dir, scenarios) = load_scenarios(CREATE_THEN_FAIL);
    // 0.0.0.0 is not loopback, and if the guard failed the connection would
    // still stay on this machine.
    let config = config("http://0.0.0.0:9/scim".into(), "k".into(), Profile::Atlassian);

    let error = runner::run(&scenarios, &config, &Cancel::new(), &Silent)
        .await
        .expect_err("writes are refused");

    let RunError::WritesRefused(message) = error else {
        panic!("expected a refusal, got {error}");
    };
    assert!(message.contains("create-then-fail"), "{message}");
    assert!(message.contains("--allow-writes"), "{message}");
}

#[tokio::test]
async fn unreachable_server_is_diagnosed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port is free");
    let address = listener.local_addr().expect("the listener has an address");
    drop(listener);
    let (_dir, scenarios) = load_scenarios(CREATE_THEN_FAIL);
    let config = config(format!("http://{address}/scim"), "k".into(), Profile::Atlassian);

    let error = runner::run(&scenarios, &config, &Cancel::new(), &Silent)
        .await
        .expect_err("the check before the run fails");

    assert!(matches!(error, RunError::Preflight(PreflightError::Unreachable(_))), "{error}");
    let message = error.to_string();
    assert!(message.contains("the server did not respond"), "{message}");
    assert!(message.contains("Check --base-url"), "{message}");
}

const CREATE_WITH_CHECKS: &str = r#"
[[scenario]]
name = "create-with-checks"
rule = "a rule"
profiles = ["atlassian"]

[[scenario.step]]
name = "create"
request.method = "POST"
request.path = "/Users"
request.json = '{"userName": "${run}-lost"}'
expect.status = 201
expect.headers.Location = { regex = "/Users/" }
expect.json."$.id" = { type = "string" }
expect.json."$.userName" = "${run}-lost"
expect.json."$.active" = true
expect.json."$.meta.resourceType" = "User"
capture.user_id = "$.id"
"#;

#[tokio::test]
async fn wrong_status_reports_one_line() {
    let server = FakeServer::start(|request| match (request.method.as_str(), request.path()) {
        ("POST", _) => Reply::Json(503, json!({"detail": "unavailable"})),
        _ => Reply::Json(200, json!({"totalResults": 0, "Resources": []})),
    })
    .await;
    let (_dir, scenarios) = load_scenarios(CREATE_WITH_CHECKS);
    let config = config(server.base_url.clone(), "k".into(), Profile::Atlassian);

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent).await.expect("the run starts");

    let step = report.scenarios[0].failed_step().expect("a failed step");
    assert_eq!(step.failures.len(), 1, "{:#?}", step.failures);
    assert_eq!(step.failures[0].check, "status");
    assert_eq!(
        step.not_checked,
        vec!["$.id", "$.userName", "$.active", "$.meta.resourceType", "header Location", "capture user_id"]
    );
    assert_eq!(step.endpoint.as_deref(), Some("POST /Users"));
    let text = console::render_report(&report);
    assert!(text.contains("status: expected 201, got 503"), "{text}");
    assert!(
        text.contains("not checked, because the status differed: $.id, $.userName, $.active, $.meta.resourceType, header Location, capture user_id\n"),
        "{text}"
    );
    assert!(text.contains("status 503 from POST /Users (1 scenario(s)): the server failed on this request"), "{text}");
}

#[tokio::test]
async fn sweep_deletes_leftovers_with_the_run_prefix() {
    let prefix = runner::new_run_prefix();
    let listed = {
        let prefix = prefix.clone();
        move |request: &Recorded| match (request.method.as_str(), request.path()) {
            // The create is applied, but its response is lost.
            ("POST", _) => Reply::Json(504, json!({"detail": "gateway timeout"})),
            ("GET", "/scim/Users") => Reply::Json(
                200,
                json!({"totalResults": 3, "Resources": [
                    {"id": "lost", "userName": format!("{prefix}-001-lost")},
                    {"id": "foreign", "userName": "someone-else"},
                    {"id": "other-run", "userName": format!("{prefix}0-001-lost")},
                ]}),
            ),
            ("GET", "/scim/Groups") => Reply::Json(200, json!({"totalResults": 0, "Resources": []})),
            ("DELETE", _) => Reply::Empty(204),
            _ => Reply::Json(404, json!({"status": "404"})),
        }
    };
    let server = FakeServer::start(listed).await;
    let (_dir, scenarios) = load_scenarios(CREATE_WITH_CHECKS);
    let mut config = config(server.base_url.clone(), "k".into(), Profile::Atlassian);
    config.run_prefix = prefix.clone();

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent).await.expect("the run starts");

    assert_eq!(deletes(&server), vec!["/scim/Users/lost"]);
    let sweep = report.sweep.as_ref().expect("a writing run ends with a sweep");
    assert_eq!(sweep.prefix, format!("{prefix}-"));
    assert_eq!(sweep.deleted, 1);
    assert!(sweep.complete(), "{:?}", sweep.problems);
    let text = console::render_report(&report);
    assert!(text.contains(&format!("sweep: deleted 1 leftover user(s) and group(s) named {prefix}-…")), "{text}");
}

#[tokio::test]
async fn failed_sweep_is_a_warning() {
    let server = FakeServer::start(|request| match (request.method.as_str(), request.path()) {
        ("POST", _) => Reply::Json(201, json!({"id": "u-1", "userName": "x"})),
        ("GET", "/scim/Groups") => Reply::Json(500, json!({"detail": "boom"})),
        ("DELETE", _) => Reply::Empty(204),
        _ => Reply::Json(200, json!({"totalResults": 0, "Resources": []})),
    })
    .await;
    let (_dir, scenarios) = load_scenarios(CREATE_WITH_CHECKS);
    let config = config(server.base_url.clone(), "k".into(), Profile::Atlassian);

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent).await.expect("the run starts");

    let sweep = report.sweep.as_ref().expect("a writing run ends with a sweep");
    assert_eq!(sweep.problems.len(), 1, "{:?}", sweep.problems);
    assert!(sweep.problems[0].contains("GET /Groups?startIndex=1&count=100 returned 500"), "{:?}", sweep.problems);
    let text = console::render_report(&report);
    assert!(text.contains("warning: the sweep for leftovers failed"), "{text}");
}

#[tokio::test]
async fn read_only_run_does_not_sweep() {
    let server = FakeServer::start(|_| Reply::Json(200, json!({"totalResults": 0, "Resources": []}))).await;
    let (_dir, scenarios) = load_scenarios(
        r#"
[[scenario]]
name = "reads"
rule = "a rule"
profiles = ["atlassian"]

[[scenario.step]]
name = "read"
request.method = "GET"
request.path = "/ServiceProviderConfig"
"#,
    );
    let config = config(server.base_url.clone(), "k".into(), Profile::Atlassian);

    let report = runner::run(&scenarios, &config, &Cancel::new(), &Silent).await.expect("the run starts");

    assert!(report.success());
    assert_eq!(report.sweep, None);
    let paths: Vec<String> = server.requests().into_iter().map(|request| request.target).collect();
    assert_eq!(paths, vec!["/scim/Users?startIndex=1&count=1", "/scim/ServiceProviderConfig"]);
}

#[tokio::test]
async fn cancel_during_preflight_starts_nothing() {
    let server = FakeServer::start(|_| Reply::Hold).await;
    let (_dir, scenarios) = load_scenarios(CREATE_THEN_FAIL);
    let config = config(server.base_url.clone(), "k".into(), Profile::Atlassian);
    let cancel = Cancel::new();

    let run = runner::run(&scenarios, &config, &cancel, &Silent);
    let interrupt = async {
        while server.requests().is_empty() {
            server.next_request().await;
        }
        cancel.cancel();
    };
    let (report, ()) = tokio::join!(run, interrupt);
    let report = report.expect("an interrupted check is not an error");

    assert!(report.interrupted);
    assert_eq!(report.scenarios[0].outcome, Outcome::Interrupted);
    assert_eq!(report.sweep, None);
    assert_eq!(server.requests().len(), 1, "only the check was sent");
}
