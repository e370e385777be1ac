//! "Applied but the response was lost": the create takes effect, the
//! client sees a failure, retries naively, and gets 409 for its own user,
//! the classic cause of duplicate-create conflicts. The journal shows both
//! requests.

mod common;

use std::time::Duration;

use common::{start_with, user_body, users_filter, Scim};
use scim_mock::faults::{Disconnect, Effect, Fault, Match, Resource};
use scim_mock::journal::{Ending, JournalFilter};
use scim_mock::MockServer;
use serde_json::Value;

/// What a naive client saw for each attempt: a status, or a transport error.
#[derive(Debug, PartialEq)]
enum Attempt {
    Status(u16, Value),
    TransportError,
}

/// Creates a user, retrying once on a 5xx or a transport error with the
/// same body, as a client without idempotency handling does.
async fn naive_create(scim: &Scim, body: &Value) -> Vec<Attempt> {
    // A new connection per attempt, as after a failure a client reconnects.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(60))
        .build()
        .expect("the HTTP client builds");
    let mut attempts = Vec::new();
    for _ in 0..2 {
        let sent = http
            .post(scim.url("/Users"))
            .bearer_auth(&scim.token)
            .header("content-type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await;
        let attempt = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.json().await.unwrap_or(Value::Null);
                Attempt::Status(status, body)
            }
            Err(_) => Attempt::TransportError,
        };
        let retry = matches!(&attempt, Attempt::TransportError) || matches!(&attempt, Attempt::Status(status, _) if *status >= 500);
        attempts.push(attempt);
        if !retry {
            break;
        }
    }
    attempts
}

#[tokio::test]
async fn lost_504_leads_retry_to_409() {
    let fault = Fault::when(Match::create(Resource::Users)).first(1).respond_with(Effect::response_lost(504));
    let (server, scim) = start_with(MockServer::builder().fault(fault)).await;
    let body = user_body("ada");

    let attempts = naive_create(&scim, &body).await;

    assert_eq!(attempts.len(), 2, "the client retried once: {attempts:?}");
    assert!(matches!(&attempts[0], Attempt::Status(504, _)), "{:?}", attempts[0]);
    let Attempt::Status(status, conflict) = &attempts[1] else {
        panic!("the retry got no response: {:?}", attempts[1]);
    };
    assert_eq!(*status, 409);
    assert_eq!(conflict["scimType"], "uniqueness");
    assert_eq!(conflict["detail"], "Resource [USER]: with userName[ada@example.com] already exists.");

    let listed = scim.get(&users_filter("userName eq \"ada@example.com\"")).await;
    assert_eq!(listed.body["totalResults"], 1, "the first attempt created the user once");

    let posts = server.received_requests_matching(&JournalFilter {
        method: Some("POST".to_owned()),
        path_contains: Some("/Users".to_owned()),
        status: None,
    });
    assert_eq!(posts.len(), 2, "the journal shows both attempts");
    assert_eq!(posts[0].status, Some(504));
    assert_eq!(posts[0].faults.len(), 1);
    assert_eq!(posts[0].faults[0].effect, "responseLost");
    assert_eq!(posts[1].status, Some(409));
    assert!(posts[1].faults.is_empty(), "the retry met no fault, only the real conflict");
    assert_eq!(posts[0].body_json(), Some(body.clone()));
    assert_eq!(posts[1].body_json(), Some(body));
    assert!(posts[0].sequence < posts[1].sequence);
}

#[tokio::test]
async fn lost_connection_leads_retry_to_409() {
    let fault = Fault::when(Match::create(Resource::Users)).first(1).respond_with(Effect::response_lost_by(Disconnect::Close));
    let (server, scim) = start_with(MockServer::builder().fault(fault)).await;

    let attempts = naive_create(&scim, &user_body("grace")).await;

    assert_eq!(attempts[0], Attempt::TransportError);
    assert!(matches!(&attempts[1], Attempt::Status(409, _)), "{:?}", attempts[1]);

    let journal = server.received_requests();
    let endings: Vec<(Option<u16>, Ending)> = journal.iter().map(|entry| (entry.status, entry.ending)).collect();
    assert_eq!(endings, [(None, Ending::Closed), (Some(409), Ending::Responded)]);
}

#[tokio::test]
async fn idempotent_client_recovers_by_lookup() {
    // The remedy the scenario teaches: on a 409 after a lost response,
    // look the user up by userName and carry on with the existing id.
    let fault = Fault::when(Match::create(Resource::Users)).first(1).respond_with(Effect::response_lost(502));
    let (_server, scim) = start_with(MockServer::builder().fault(fault)).await;

    let attempts = naive_create(&scim, &user_body("linus")).await;
    assert!(matches!(&attempts[1], Attempt::Status(409, _)));

    let found = scim.get(&users_filter("userName eq \"linus@example.com\"")).await;
    assert_eq!(found.status, 200);
    assert_eq!(found.body["Resources"][0]["userName"], "linus@example.com");
}
