//! The `scim-mock` command line: flags, environment variables and the
//! startup line scripts parse.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use uuid::Uuid;

use crate::faults::RateLimit;
use crate::seed::DEFAULT_SITE;
use crate::settings::Behaviour;
use crate::store::SiteGroup;
use crate::MockServerBuilder;

/// An in-memory fake of Atlassian Cloud's user provisioning API (SCIM 2.0).
#[derive(Debug, Parser)]
#[command(
    name = "scim-mock",
    version,
    after_help = "\
EXAMPLES:
    Run on port 8080 with a fixed key, then list users:
        scim-mock --port 8080 --token dev-token --directory-id 11111111-2222-4333-8444-555555555555
        curl -H 'Authorization: Bearer dev-token' \\
            http://127.0.0.1:8080/scim/directory/11111111-2222-4333-8444-555555555555/Users

    Load a seed file and allow users on any domain:
        scim-mock --seed fixtures/seeds/small.json --allow-external-users

    Write a seed of 20,000 users for load tests:
        scim-mock generate-seed --users 20000 --output /tmp/large.json

    Inject faults from a file and keep the state across restarts:
        scim-mock --faults fixtures/faults/flaky-creates.json --state-file /tmp/scim-state.json

On start, one line on standard output gives what a script needs:
    scim-mock ready base_url=URL directory_id=ID token=KEY org_id=ID org_token=KEY control_url=URL control_token=KEY
(control_url and control_token are left out with --no-control-api.)
Every flag can also be set through the environment variable in its help."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Subcommands besides serving.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a seed file of generated users and groups (JSON) and exit.
    GenerateSeed(GenerateSeedArgs),
}

/// Options of `generate-seed`.
#[derive(Debug, Args)]
pub struct GenerateSeedArgs {
    /// Number of users.
    #[arg(long, default_value_t = 20_000)]
    pub users: usize,
    /// Number of groups; users are spread over them round-robin.
    #[arg(long, default_value_t = 20)]
    pub groups: usize,
    /// Email domain of the users; it must be verified on the server that loads the seed.
    #[arg(long, default_value = "example.com")]
    pub domain: String,
    /// File to write; standard output when absent.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Format of the request log on standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Options of the server.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Use 0.0.0.0 only on a trusted network.
    #[arg(long, env = "SCIM_MOCK_HOST", default_value = "127.0.0.1")]
    pub host: IpAddr,

    /// Port to listen on; 0 picks a free one.
    #[arg(long, env = "SCIM_MOCK_PORT", default_value_t = 8080)]
    pub port: u16,

    /// Id (UUID) of the default directory; generated when absent.
    #[arg(long, env = "SCIM_MOCK_DIRECTORY_ID")]
    pub directory_id: Option<Uuid>,

    /// API key of the default directory; generated when absent.
    #[arg(long, env = "SCIM_MOCK_TOKEN")]
    pub token: Option<String>,

    /// Id (UUID) of the organisation; generated when absent.
    #[arg(long, env = "SCIM_MOCK_ORG_ID")]
    pub org_id: Option<Uuid>,

    /// Org API key for the admin endpoints; generated when absent.
    #[arg(long, env = "SCIM_MOCK_ORG_TOKEN")]
    pub org_token: Option<String>,

    /// A verified email domain; repeat for several.
    #[arg(long = "verified-domain", env = "SCIM_MOCK_VERIFIED_DOMAINS", value_delimiter = ',', default_value = "example.com")]
    pub verified_domains: Vec<String>,

    /// Accept users whose primary email is on an unverified domain.
    #[arg(long, env = "SCIM_MOCK_ALLOW_EXTERNAL_USERS")]
    pub allow_external_users: bool,

    /// SCIM users one directory may hold.
    #[arg(long, env = "SCIM_MOCK_USER_LIMIT", default_value_t = 20_000)]
    pub user_limit: usize,

    /// A product site group, as NAME or NAME@SITE; repeat for several.
    /// Replaces the default site groups (site-admins, confluence-users,
    /// jira-software-users and others) when given.
    #[arg(long = "site-group", env = "SCIM_MOCK_SITE_GROUPS", value_delimiter = ',')]
    pub site_groups: Vec<String>,

    /// A group name that exists in the organisation outside SCIM; repeat for several.
    #[arg(long = "org-group", env = "SCIM_MOCK_ORG_GROUPS", value_delimiter = ',')]
    pub org_groups: Vec<String>,

    /// URL clients reach the server at, when it differs from the listening
    /// address; used in meta.location and Location headers.
    #[arg(long, env = "SCIM_MOCK_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// JSON seed file of organisations, directories, users and groups to
    /// load at start (format: fixtures/seeds/README.md).
    #[arg(long, env = "SCIM_MOCK_SEED")]
    pub seed: Option<PathBuf>,

    /// Largest count of one list page, published as filter.maxResults.
    #[arg(long, env = "SCIM_MOCK_PAGE_SIZE", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub page_size: u64,

    /// Largest request body in bytes; larger bodies get 413.
    #[arg(long, env = "SCIM_MOCK_MAX_BODY_BYTES", default_value_t = 1024 * 1024, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body_bytes: u64,

    /// Accept request bodies of any Content-Type instead of rejecting them with 415.
    #[arg(long, env = "SCIM_MOCK_LENIENT_CONTENT_TYPE")]
    pub lenient_content_type: bool,

    /// JSON file of fault rules, a fault seed and a rate limit to load at
    /// start (format: fixtures/faults/README.md).
    #[arg(long, env = "SCIM_MOCK_FAULTS")]
    pub faults: Option<PathBuf>,

    /// Seed of the random draws of fault rules (probability triggers and
    /// latency ranges); overrides the fault file's seed. Random when absent.
    #[arg(long, env = "SCIM_MOCK_FAULT_SEED")]
    pub fault_seed: Option<u64>,

    /// Requests per second each API key may send before getting 429 with
    /// Retry-After; overrides the fault file's rate limit. Off when absent.
    #[arg(long, env = "SCIM_MOCK_RATE_LIMIT")]
    pub rate_limit: Option<f64>,

    /// Requests an API key may send at once under --rate-limit; defaults to
    /// the rate rounded up.
    #[arg(long, env = "SCIM_MOCK_RATE_LIMIT_BURST", requires = "rate_limit")]
    pub rate_limit_burst: Option<u32>,

    /// Bearer token of the control API under /_mock/; generated and printed
    /// at start when absent.
    #[arg(long, env = "SCIM_MOCK_CONTROL_TOKEN")]
    pub control_token: Option<String>,

    /// Turn the control API off; /_mock/ paths then get 404 like any
    /// unknown path.
    #[arg(long, env = "SCIM_MOCK_NO_CONTROL_API", conflicts_with = "control_token")]
    pub no_control_api: bool,

    /// Requests the journal keeps (GET /_mock/requests) before dropping the
    /// oldest; 0 keeps none.
    #[arg(long, env = "SCIM_MOCK_JOURNAL_SIZE", default_value_t = crate::DEFAULT_JOURNAL_SIZE)]
    pub journal_size: usize,

    /// JSON file the state is loaded from at start if it exists, and saved
    /// to atomically on SIGINT, SIGTERM and POST /_mock/state/save. A loaded
    /// state replaces --seed, the id, key, domain and group flags, and
    /// --user-limit, --allow-external-users and --page-size.
    #[arg(long, env = "SCIM_MOCK_STATE_FILE")]
    pub state_file: Option<PathBuf>,

    /// Format of the request log on standard error.
    #[arg(long, env = "SCIM_MOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Log filter in tracing's syntax, such as info or scim_mock=debug.
    #[arg(long, env = "SCIM_MOCK_LOG", default_value = "info")]
    pub log: String,
}

impl ServeArgs {
    /// Turns the flags into a server builder, or explains the invalid one.
    pub fn builder(&self) -> Result<MockServerBuilder, String> {
        let behaviour = Behaviour {
            allow_external_users: self.allow_external_users,
            user_limit: self.user_limit,
            max_page_size: usize::try_from(self.page_size).unwrap_or(usize::MAX),
            max_body_bytes: usize::try_from(self.max_body_bytes).unwrap_or(usize::MAX),
            strict_content_type: !self.lenient_content_type,
            ..Behaviour::default()
        };

        let mut builder = MockServerBuilder::default()
            .host(self.host)
            .port(self.port)
            .behaviour(behaviour)
            .verified_domains(self.verified_domains.iter().map(|domain| domain.trim().to_owned()))
            .journal_size(self.journal_size)
            .control_api(!self.no_control_api);
        if let Some(id) = self.directory_id {
            builder = builder.directory_id(id);
        }
        if let Some(token) = &self.token {
            builder = builder.token(token.clone());
        }
        if let Some(id) = self.org_id {
            builder = builder.org_id(id);
        }
        if let Some(token) = &self.org_token {
            builder = builder.org_token(token.clone());
        }
        if let Some(url) = &self.public_url {
            builder = builder.public_url(url.clone());
        }
        if let Some(path) = &self.seed {
            builder = builder.seed_file(path.clone());
        }
        for name in &self.org_groups {
            builder = builder.org_group(name.clone());
        }
        if !self.site_groups.is_empty() {
            builder = builder.site_groups(self.site_groups.iter().map(|text| parse_site_group(text)).collect());
        }
        if let Some(path) = &self.faults {
            builder = builder.faults_file(path.clone());
        }
        if let Some(seed) = self.fault_seed {
            builder = builder.fault_seed(seed);
        }
        if let Some(rate) = self.rate_limit {
            builder = builder.rate_limit(rate_limit(rate, self.rate_limit_burst)?);
        }
        if let Some(token) = &self.control_token {
            if token.trim().is_empty() || token.contains(char::is_whitespace) {
                return Err("invalid --control-token: it must be non-empty and without spaces".to_owned());
            }
            builder = builder.control_token(token.clone());
        }
        if let Some(path) = &self.state_file {
            builder = builder.state_file(path.clone());
        }
        Ok(builder)
    }
}

/// Checks `--rate-limit` and `--rate-limit-burst`.
fn rate_limit(rate: f64, burst: Option<u32>) -> Result<RateLimit, String> {
    let spec = match burst {
        Some(burst) => serde_json::json!({"requestsPerSecond": rate, "burst": burst}),
        None => serde_json::json!({"requestsPerSecond": rate}),
    };
    serde_json::from_value(spec).map_err(|error| format!("invalid --rate-limit or --rate-limit-burst: {error}"))
}

/// Parses `NAME` or `NAME@SITE`.
fn parse_site_group(text: &str) -> SiteGroup {
    match text.rsplit_once('@') {
        Some((name, site)) if !name.is_empty() && !site.is_empty() => SiteGroup {
            name: name.trim().to_owned(),
            site: site.trim().to_owned(),
        },
        _ => SiteGroup {
            name: text.trim().to_owned(),
            site: DEFAULT_SITE.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_group_with_site() {
        let group = parse_site_group("confluence-users@acme.atlassian.net");
        assert_eq!(group.name, "confluence-users");
        assert_eq!(group.site, "acme.atlassian.net");
    }

    #[test]
    fn site_group_default_site() {
        assert_eq!(parse_site_group("site-admins").site, DEFAULT_SITE);
    }

    #[test]
    fn rate_limit_flags_checked() {
        assert!(rate_limit(5.0, None).is_ok());
        assert!(rate_limit(0.0, None).expect_err("the flag is invalid").contains("--rate-limit"));
        assert!(rate_limit(5.0, Some(0)).expect_err("the flag is invalid").contains("burst"));
    }

    #[test]
    fn blank_control_token_rejected() {
        let cli = Cli::try_parse_from(["scim-mock", "--control-token", " "]).expect("the flags parse");
        assert!(cli.serve.builder().expect_err("a blank token is rejected").contains("--control-token"));
    }

    #[test]
    fn no_control_api_conflicts_with_token() {
        assert!(Cli::try_parse_from(["scim-mock", "--no-control-api", "--control-token", "x"]).is_err());
    }

    #[test]
    fn cli_definition_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
