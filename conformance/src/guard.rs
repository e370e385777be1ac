//! The write guard: scenarios that change data run against loopback hosts
//! only, unless the operator passes `--allow-writes`.
//!
//! The host is judged from the URL alone, without a DNS lookup, so a name
//! that merely resolves to 127.0.0.1 still counts as remote. Only
//! 127.0.0.0/8, `::1`, IPv4-mapped 127.0.0.0/8 addresses and the exact name
//! `localhost` count as loopback. `localhost.` (with the root dot) and
//! subdomains such as `api.localhost` do not, because many resolvers send
//! them to DNS, which may answer with any address.

use std::net::{IpAddr, Ipv6Addr};

/// Reports whether a base URL points at this machine's loopback interface.
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = parsed.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(address)) => address.is_loopback(),
        Ok(IpAddr::V6(address)) => is_loopback_ipv6(address),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

fn is_loopback_ipv6(address: Ipv6Addr) -> bool {
    address.is_loopback()
        || address
            .to_ipv4_mapped()
            .is_some_and(|mapped| IpAddr::V4(mapped).is_loopback())
}

/// Explains why writing scenarios were rejected and how to go on.
pub fn refusal_message(base_url: &str, writing: &[&str]) -> String {
    let shown: Vec<&str> = writing.iter().take(5).copied().collect();
    let more = if writing.len() > shown.len() {
        format!(" and {} more", writing.len() - shown.len())
    } else {
        String::new()
    };
    format!(
        "refusing to run {count} scenario(s) that write (POST, PUT, PATCH or DELETE) against {base_url}, \
         which is not a loopback address: {names}{more}.\n\
         These scenarios create, change and delete users and groups in that directory.\n\
         If it is a directory kept for testing, pass --allow-writes. \
         To run only the scenarios that read, pass --skip-tag writes.",
        count = writing.len(),
        names = shown.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_recognised() {
        for url in [
            "http://127.0.0.1:8080/scim/v2",
            "http://127.10.0.3/",
            "http://localhost:1/",
            "https://LOCALHOST/x",
            "http://[::1]:9000/scim",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(is_loopback_url(url), "{url} is loopback");
        }
    }

    #[test]
    fn other_hosts_are_remote() {
        for url in [
            "https://api.atlassian.com/scim/directory/1",
            "http://10.0.0.1/",
            "http://192.168.1.2/",
            "http://[::2]/",
            "http://[::ffff:10.0.0.1]/",
            "http://localhost.example.com/",
            "http://localhost./",
            "https://LOCALHOST./x",
            "http://api.localhost/",
            "localhost:8080/scim",
            "http://127.0.0.1.nip.io/",
            "http://0.0.0.0/",
            "not a url",
        ] {
            assert!(!is_loopback_url(url), "{url} is not loopback");
        }
    }

    #[test]
    fn refusal_names_the_fix() {
        let message = refusal_message("https://api.atlassian.com/x", &["a", "b", "c", "d", "e", "f", "g"]);
        assert!(message.contains("refusing to run 7 scenario(s)"), "{message}");
        assert!(message.contains("a, b, c, d, e and 2 more"), "{message}");
        assert!(message.contains("--allow-writes"), "{message}");
        assert!(message.contains("--skip-tag writes"), "{message}");
    }
}
