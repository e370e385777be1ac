//! Helpers shared by the `props_*` tests: a deliberately broken server (a
//! loopback proxy in front of the mock) and a property configuration with
//! test defaults.

#![allow(dead_code)]

pub mod proxy;

use std::path::PathBuf;
use std::time::Duration;

use scim_conformance::props::PropsConfig;

/// Returns a configuration for a loopback server with a fixed seed and a
/// scenario folder of its own under the system temp folder.
pub fn config(base_url: String, token: &str, seed: u64, scenario_dir: Option<PathBuf>) -> PropsConfig {
    let mut config = PropsConfig::new(base_url, token);
    config.seed = seed;
    config.cases = 48;
    config.max_steps = 30;
    config.race_cases = 6;
    config.max_clients = 4;
    config.max_shrink_iters = 400;
    config.scenario_dir = scenario_dir;
    config.request_timeout = Duration::from_secs(20);
    config
}
