//! Concurrent requests: each write is atomic, so racing creates of one
//! `userName` have one winner and racing member adds all land.

mod common;

use common::{assert_scim_error, group_ids, member_ids, start, user_body, Reply};
use serde_json::json;
use tokio::task::JoinSet;

const RACERS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_user_name_one_winner() {
    let (_server, scim) = start().await;

    let mut tasks = JoinSet::new();
    for index in 0..RACERS {
        let scim = scim.clone();
        tasks.spawn(async move {
            // Distinct emails, so only the userName can conflict.
            let body = json!({
                "userName": "ada@example.com",
                "emails": [{"value": format!("ada{index}@example.com"), "primary": true}]
            });
            scim.post("/Users", &body).await
        });
    }
    let replies: Vec<Reply> = tasks.join_all().await;

    let created = replies.iter().filter(|reply| reply.status == 201).count();
    assert_eq!(created, 1, "exactly one create must win");
    let conflicts: Vec<&Reply> = replies.iter().filter(|reply| reply.status != 201).collect();
    assert_eq!(conflicts.len(), RACERS - 1);
    for reply in conflicts {
        assert_scim_error(reply, 409, Some("uniqueness"));
    }
    let list = scim.get("/Users").await;
    assert_eq!(list.body["totalResults"], 1, "{}", list.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_email_one_winner() {
    let (_server, scim) = start().await;

    let mut tasks = JoinSet::new();
    for index in 0..RACERS {
        let scim = scim.clone();
        tasks.spawn(async move {
            let body = json!({
                "userName": format!("user{index}"),
                "emails": [{"value": "shared@example.com", "primary": true}]
            });
            scim.post("/Users", &body).await
        });
    }
    let replies: Vec<Reply> = tasks.join_all().await;

    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    assert_eq!(statuses.iter().filter(|status| **status == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|status| **status == 409).count(), RACERS - 1, "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn distinct_creates_all_land() {
    let (_server, scim) = start().await;

    let mut tasks = JoinSet::new();
    for index in 0..RACERS {
        let scim = scim.clone();
        tasks.spawn(async move { scim.post("/Users", &user_body(&format!("user{index}"))).await });
    }
    let replies: Vec<Reply> = tasks.join_all().await;

    for reply in &replies {
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    let list = scim.get("/Users").await;
    assert_eq!(list.body["totalResults"], RACERS, "{}", list.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn member_adds_all_land() {
    let (_server, scim) = start().await;
    let mut user_ids = Vec::new();
    for index in 0..RACERS {
        let user = scim.post_user(&format!("member{index}")).await;
        user_ids.push(user["id"].as_str().expect("id").to_owned());
    }
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id").to_owned();

    let mut tasks = JoinSet::new();
    for user_id in user_ids.clone() {
        let scim = scim.clone();
        let group_id = group_id.clone();
        tasks.spawn(async move { scim.add_members(&group_id, &[&user_id]).await });
    }
    let replies: Vec<Reply> = tasks.join_all().await;

    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let mut members = member_ids(&scim.get_group(&group_id).await);
    members.sort();
    let mut expected = user_ids.clone();
    expected.sort();
    assert_eq!(members, expected);
    for user_id in &user_ids {
        assert_eq!(group_ids(&scim.get_user(user_id).await), [group_id.as_str()], "user {user_id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn member_adds_and_removes_converge() {
    let (_server, scim) = start().await;
    let mut user_ids = Vec::new();
    for index in 0..20 {
        let user = scim.post_user(&format!("member{index}")).await;
        user_ids.push(user["id"].as_str().expect("id").to_owned());
    }
    let group = scim.post_group("Engineering").await;
    let group_id = group["id"].as_str().expect("id").to_owned();
    let id_refs: Vec<&str> = user_ids.iter().map(String::as_str).collect();
    assert_eq!(scim.add_members(&group_id, &id_refs[..10]).await.status, 200);

    // The first ten leave while the last ten join.
    let mut tasks = JoinSet::new();
    for (index, user_id) in user_ids.iter().cloned().enumerate() {
        let scim = scim.clone();
        let path = format!("/Groups/{group_id}");
        tasks.spawn(async move {
            let operation = if index < 10 {
                json!([{"op": "remove", "path": format!("members[value eq \"{user_id}\"]")}])
            } else {
                json!([{"op": "add", "path": "members", "value": [{"value": user_id}]}])
            };
            scim.patch_ops(&path, operation).await
        });
    }
    let replies: Vec<Reply> = tasks.join_all().await;

    for reply in &replies {
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let mut members = member_ids(&scim.get_group(&group_id).await);
    members.sort();
    let mut expected = user_ids[10..].to_vec();
    expected.sort();
    assert_eq!(members, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_group_name_one_winner() {
    let (_server, scim) = start().await;

    let mut tasks = JoinSet::new();
    for index in 0..RACERS {
        let scim = scim.clone();
        // Alternate the case: the names are equal ignoring case.
        let name = if index % 2 == 0 { "Engineering" } else { "ENGINEERING" };
        tasks.spawn(async move { scim.post("/Groups", &json!({"displayName": name})).await });
    }
    let replies: Vec<Reply> = tasks.join_all().await;

    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    assert_eq!(statuses.iter().filter(|status| **status == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|status| **status == 409).count(), RACERS - 1, "{statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delete_races_patch() {
    let (_server, scim) = start().await;
    let user = scim.post_user("ada").await;
    let path = format!("/Users/{}", user["id"].as_str().expect("id"));

    let mut tasks = JoinSet::new();
    for index in 0..RACERS {
        let scim = scim.clone();
        let path = path.clone();
        tasks.spawn(async move {
            if index == RACERS / 2 {
                scim.delete(&path).await
            } else {
                scim.patch_ops(&path, json!([{"op": "replace", "path": "title", "value": format!("t{index}")}])).await
            }
        });
    }
    let replies: Vec<Reply> = tasks.join_all().await;

    for reply in &replies {
        assert!(matches!(reply.status, 200 | 204 | 404), "{} {}", reply.status, reply.text);
    }
    assert_eq!(replies.iter().filter(|reply| reply.status == 204).count(), 1);
    assert_scim_error(&scim.get(&path).await, 404, None);
}
