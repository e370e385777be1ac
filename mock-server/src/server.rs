//! [`MockServer`]: a running mock on a loopback port, and its builder.
//!
//! Each server owns its own state, listener and tokio task, so any number
//! of them can run in one test process without seeing each other. Dropping
//! the handle stops the server.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::RwLock;
use tokio::net::TcpListener;
use tokio::sync::watch;
use uuid::Uuid;

use crate::app::{App, Defaults, Initial, StateFile, Transport};
use crate::faults::{Fault, FaultConfig, FaultEngine, FaultFileError, RateLimit};
use crate::journal::Journal;
use crate::seed::{self, generate_key, Seed, SeedError};
use crate::settings::Behaviour;
use crate::state::StateFileError;
use crate::store::{Directory, Organisation, SiteGroup, Store, World};

/// The reasons a server can fail to start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("failed to bind {address}: {source}")]
    Bind { address: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Seed(#[from] SeedError),
    #[error(transparent)]
    Faults(#[from] FaultFileError),
    #[error(transparent)]
    State(#[from] StateFileError),
    #[error("cannot use state file {path}: its folder {folder} does not exist. Create the folder or pass a path in an existing one")]
    StateFolder { path: String, folder: String },
}

/// Requests the journal keeps by default before dropping the oldest.
pub const DEFAULT_JOURNAL_SIZE: usize = 1000;

/// Configures a [`MockServer`] before it starts.
///
/// Every setting has a default, so `MockServer::builder().start()` gives the
/// same server as [`MockServer::start`]: one organisation with the verified
/// domain `example.com`, one directory, generated keys, Atlassian's default
/// site groups, and a free port on 127.0.0.1.
#[derive(Debug, Clone)]
pub struct MockServerBuilder {
    host: IpAddr,
    port: u16,
    public_url: Option<String>,
    org_id: Option<Uuid>,
    org_token: Option<String>,
    directory_id: Option<Uuid>,
    token: Option<String>,
    verified_domains: Vec<String>,
    org_groups: Vec<String>,
    site_groups: Option<Vec<SiteGroup>>,
    behaviour: Behaviour,
    seed: Option<Seed>,
    seed_path: Option<PathBuf>,
    /// Rules, seed and rate limit set in Rust; they apply after the fault
    /// file's and override its seed and rate limit.
    faults: FaultConfig,
    faults_path: Option<PathBuf>,
    journal_size: usize,
    control_api: bool,
    control_token: Option<String>,
    state_file: Option<PathBuf>,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        MockServerBuilder {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            public_url: None,
            org_id: None,
            org_token: None,
            directory_id: None,
            token: None,
            verified_domains: vec!["example.com".to_owned()],
            org_groups: Vec::new(),
            site_groups: None,
            behaviour: Behaviour::default(),
            seed: None,
            seed_path: None,
            faults: FaultConfig::default(),
            faults_path: None,
            journal_size: DEFAULT_JOURNAL_SIZE,
            control_api: true,
            control_token: None,
            state_file: None,
        }
    }
}

impl MockServerBuilder {
    /// Sets the address to listen on (default 127.0.0.1).
    pub fn host(mut self, host: IpAddr) -> Self {
        self.host = host;
        self
    }

    /// Sets the port; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the URL clients use to reach the server, when it differs from
    /// the listening address (behind a proxy or port forward).
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Fixes the organisation id instead of generating one.
    pub fn org_id(mut self, id: Uuid) -> Self {
        self.org_id = Some(id);
        self
    }

    /// Fixes the org API key instead of generating one.
    pub fn org_token(mut self, token: impl Into<String>) -> Self {
        self.org_token = Some(token.into());
        self
    }

    /// Fixes the default directory's id instead of generating one.
    pub fn directory_id(mut self, id: Uuid) -> Self {
        self.directory_id = Some(id);
        self
    }

    /// Fixes the default directory's API key instead of generating one.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Replaces the verified domains (default `example.com`).
    pub fn verified_domains<I, S>(mut self, domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.verified_domains = domains.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a group name that exists in the organisation outside SCIM, so a
    /// SCIM group of that name gets 409.
    pub fn org_group(mut self, name: impl Into<String>) -> Self {
        self.org_groups.push(name.into());
        self
    }

    /// Replaces the default site groups with the given ones.
    pub fn site_groups(mut self, groups: Vec<SiteGroup>) -> Self {
        self.site_groups = Some(groups);
        self
    }

    /// Accepts users on unverified domains, as Atlassian does for
    /// organisations that allow external users.
    pub fn allow_external_users(mut self, allow: bool) -> Self {
        self.behaviour.allow_external_users = allow;
        self
    }

    /// Sets the SCIM users a directory may hold (default 20,000).
    pub fn user_limit(mut self, limit: usize) -> Self {
        self.behaviour.user_limit = limit;
        self
    }

    /// Replaces every behaviour switch at once.
    pub fn behaviour(mut self, behaviour: Behaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// Loads users, groups and organisations from a parsed seed.
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Loads a seed file at start; see `fixtures/seeds/README.md`.
    pub fn seed_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.seed_path = Some(path.into());
        self
    }

    /// Installs a fault rule at start, after those of the fault file.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.faults.push(fault);
        self
    }

    /// Loads fault rules, a seed and a rate limit from a JSON file at
    /// start; see `fixtures/faults/README.md`.
    pub fn faults_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.faults_path = Some(path.into());
        self
    }

    /// Seeds the draws of probability triggers and latency ranges, over
    /// the fault file's seed. Without any, a random seed is drawn and
    /// reported by [`MockServer::faults`].
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.faults.seed = Some(seed);
        self
    }

    /// Limits the requests per second of each API key, over the fault
    /// file's limit.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.faults.rate_limit = Some(limit);
        self
    }

    /// Sets how many requests the journal keeps (default 1,000); 0 keeps none.
    pub fn journal_size(mut self, size: usize) -> Self {
        self.journal_size = size;
        self
    }

    /// Turns the control API under `/_mock/` on (the default) or off.
    pub fn control_api(mut self, enabled: bool) -> Self {
        self.control_api = enabled;
        self
    }

    /// Fixes the control API's bearer token instead of generating one.
    pub fn control_token(mut self, token: impl Into<String>) -> Self {
        self.control_token = Some(token.into());
        self
    }

    /// Loads the state from this file at start when it exists, and saves it
    /// there on [`MockServer::shutdown`] and [`MockServer::save_state`].
    /// A loaded state replaces the seed and every id, key, domain and group
    /// setting, and its organisation settings (user limit, external users,
    /// page size) replace those of [`MockServerBuilder::behaviour`].
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Builds the initial state: from the state file when it exists, else
    /// the default organisation and directory, then the seed.
    pub(crate) fn build_world(&self) -> Result<(World, Defaults), StartError> {
        if let Some(path) = &self.state_file {
            if let Some(saved) = crate::state::load(path)? {
                let (world, defaults) = crate::state::import(&saved).map_err(|source| StateFileError::Invalid {
                    path: path.display().to_string(),
                    source,
                })?;
                tracing::info!(path = %path.display(), "state loaded; the seed and the id, key, domain and group settings are not used");
                return Ok((world, defaults));
            }
            // Checking the folder now, not at the first save, keeps a typo in
            // the path from costing the whole session's state at shutdown.
            let folder = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            };
            if !folder.is_dir() {
                return Err(StartError::StateFolder {
                    path: path.display().to_string(),
                    folder: folder.display().to_string(),
                });
            }
            tracing::info!(path = %path.display(), "state file does not exist yet; starting from the seed");
        }
        Ok(self.build_seeded_world()?)
    }

    fn build_seeded_world(&self) -> Result<(World, Defaults), SeedError> {
        let mut organisation = Organisation::new(
            self.org_id.unwrap_or_else(Uuid::new_v4),
            self.org_token.clone().unwrap_or_else(generate_key),
            self.behaviour.clone(),
        );
        for domain in &self.verified_domains {
            organisation.verify_domain(domain);
        }
        for name in &self.org_groups {
            organisation.add_org_group(name);
        }
        organisation.site_groups = self.site_groups.clone().unwrap_or_else(seed::default_site_groups);

        let directory = Directory::new(
            self.directory_id.unwrap_or_else(Uuid::new_v4),
            organisation.id,
            "Default".to_owned(),
            self.token.clone().unwrap_or_else(generate_key),
        );
        let defaults = Defaults {
            org_id: organisation.id,
            directory_id: directory.id,
        };

        let mut world = World::default();
        world.add_organisation(organisation);
        world.add_directory(directory);

        if let Some(path) = &self.seed_path {
            seed::load_file(&mut world, path, defaults.directory_id, &self.behaviour)?;
        }
        if let Some(seed) = &self.seed {
            seed::load(&mut world, seed, defaults.directory_id, &self.behaviour)?;
        }
        Ok((world, defaults))
    }

    /// Merges the fault file with the rules, seed and rate limit set in
    /// Rust, and fixes the seed so a reset replays the same draws.
    fn fault_config(&self) -> Result<FaultConfig, FaultFileError> {
        let mut config = match &self.faults_path {
            Some(path) => FaultConfig::from_file(path)?,
            None => FaultConfig::default(),
        };
        config.faults.extend(self.faults.faults.iter().cloned());
        // A drawn seed keeps 53 bits, so it survives JSON readers that store
        // numbers as doubles (JavaScript) when someone replays a run.
        let drawn = || rand::random::<u64>() >> 11;
        config.seed = Some(self.faults.seed.or(config.seed).unwrap_or_else(drawn));
        if self.faults.rate_limit.is_some() {
            config.rate_limit = self.faults.rate_limit;
        }
        Ok(config)
    }

    /// Binds the port, loads the state and starts serving in the background.
    pub async fn start(self) -> Result<MockServer, StartError> {
        let (world, defaults) = self.build_world()?;
        let faults = self.fault_config()?;

        let address = SocketAddr::new(self.host, self.port);
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| StartError::Bind { address, source })?;
        let local = listener.local_addr().map_err(|source| StartError::Bind { address, source })?;
        let public_url = self.public_url.clone().unwrap_or_else(|| match local.ip() {
            IpAddr::V6(ip) => format!("http://[{ip}]:{}", local.port()),
            IpAddr::V4(ip) => format!("http://{ip}:{}", local.port()),
        });

        let control_token = self.control_api.then(|| self.control_token.clone().unwrap_or_else(generate_key));
        if !faults.faults.is_empty() || faults.rate_limit.is_some() {
            tracing::info!(rules = faults.faults.len(), seed = faults.seed, "fault rules installed");
        }
        let app = Arc::new(App {
            store: Store::new(world),
            public_url,
            transport: Transport {
                max_body_bytes: self.behaviour.max_body_bytes,
                strict_content_type: self.behaviour.strict_content_type,
            },
            faults: FaultEngine::new(&faults, 0),
            journal: Journal::new(self.journal_size),
            control_token,
            defaults: RwLock::new(defaults),
            initial: Initial {
                world: std::sync::OnceLock::new(),
                defaults,
                faults,
            },
            state_file: self.state_file.clone().map(|path| StateFile {
                path,
                save_lock: tokio::sync::Mutex::new(()),
            }),
        });
        // The read lock is taken before the accept loop starts, so no write
        // can land before the snapshot that reset restores is taken.
        let start_state = app.store.read_arc();
        let snapshot_app = Arc::clone(&app);
        std::thread::spawn(move || {
            let snapshot = start_state.snapshot();
            drop(start_state);
            let _ = snapshot_app.initial.world.set(snapshot);
        });

        let (shutdown, shutdown_signal) = watch::channel(false);
        let task = tokio::spawn(crate::http::serve(listener, Arc::clone(&app), shutdown_signal));
        tracing::info!(address = %local, directory_id = %defaults.directory_id, "mock server listening");

        Ok(MockServer {
            app,
            address: local,
            shutdown,
            task: Some(task),
        })
    }
}

/// A running mock server. Dropping it stops the server.
#[derive(Debug)]
pub struct MockServer {
    app: Arc<App>,
    address: SocketAddr,
    /// Sending `true` stops the accept loop; dropping the sender does too.
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl MockServer {
    /// Starts a server with every default (see [`MockServerBuilder`]).
    ///
    /// # Panics
    /// When no loopback port can be bound, which in a test is fatal anyway.
    pub async fn start() -> MockServer {
        match MockServer::builder().start().await {
            Ok(server) => server,
            Err(error) => panic!("failed to start the SCIM mock server: {error}"),
        }
    }

    /// Returns a builder to configure a server before starting it.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// Returns the SCIM base URL of the default directory, such as
    /// `http://127.0.0.1:PORT/scim/directory/<id>`.
    pub fn base_url(&self) -> String {
        self.app.directory_base(self.app.defaults().directory_id)
    }

    /// Returns the scheme, host and port of the server, such as
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.app.public_url
    }

    /// Returns the socket address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Returns the default directory's current API key, which changes when
    /// the key is regenerated or a state is imported.
    pub fn token(&self) -> String {
        let directory_id = self.app.defaults().directory_id;
        let world = self.app.store.read();
        world
            .directories
            .get(&directory_id)
            .map(|directory| directory.api_key.clone())
            .unwrap_or_default()
    }

    /// Returns the default directory's id.
    pub fn directory_id(&self) -> Uuid {
        self.app.defaults().directory_id
    }

    /// Returns the organisation's id.
    pub fn org_id(&self) -> Uuid {
        self.app.defaults().org_id
    }

    /// Returns the org API key, which opens the admin endpoints.
    pub fn org_token(&self) -> String {
        let org_id = self.app.defaults().org_id;
        let world = self.app.store.read();
        world
            .organisations
            .get(&org_id)
            .map(|organisation| organisation.api_key.clone())
            .unwrap_or_default()
    }

    /// Returns the audit log of the default organisation, oldest first.
    pub fn audit_events(&self) -> Vec<crate::model::AuditEvent> {
        crate::control::audit_events(&self.app, self.app.defaults().org_id)
    }

    /// Returns every directory of the server with its key, the default first.
    pub fn directories(&self) -> Vec<(Uuid, String)> {
        let world = self.app.store.read();
        let mut directories: Vec<(Uuid, String)> = world
            .directories
            .values()
            .map(|directory| (directory.id, directory.api_key.clone()))
            .collect();
        let default_id = self.app.defaults().directory_id;
        directories.sort_by_key(|(id, _)| *id != default_id);
        directories
    }

    pub(crate) fn app(&self) -> &App {
        &self.app
    }

    /// Stops accepting connections, waits for requests in flight, then
    /// saves the state file if one is configured, logging a failure.
    pub async fn shutdown(self) {
        if let Err(error) = self.shutdown_and_save().await {
            tracing::error!(%error, "failed to save the state file on shutdown");
        }
    }

    /// Like [`MockServer::shutdown`], but returns a failure to save the
    /// state file instead of logging it. Without a state file it only stops.
    pub async fn shutdown_and_save(mut self) -> Result<(), StateFileError> {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        // Saving after the drain keeps the writes of the last requests.
        if self.app.state_file.is_some() {
            crate::control::save_state(&self.app).await?;
        }
        Ok(())
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // The accept loop receives the change and stops; connections still open
        // are drained in the background by the same task.
        let _ = self.shutdown.send(true);
    }
}
