//! The `scim-mock` binary: parses flags, starts a [`scim_mock::MockServer`],
//! prints where it listens, and stops on SIGINT or SIGTERM.

use std::io::Write;

use anyhow::Context;
use clap::Parser;
use scim_mock::cli::{Cli, Command, GenerateSeedArgs, LogFormat, ServeArgs};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::GenerateSeed(args)) => generate_seed(&args),
        None => serve(cli.serve).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(&args)?;

    let builder = args.builder().map_err(anyhow::Error::msg)?;
    let server = builder.start().await.context("failed to start scim-mock")?;
    // Listening before the ready line is printed means a script that sends
    // SIGTERM as soon as it has read the line still gets a graceful stop
    // (and a saved state file) instead of the default action, death.
    let signals = ShutdownSignals::install()?;
    let mut stdout = std::io::stdout().lock();
    write!(
        stdout,
        "scim-mock ready base_url={} directory_id={} token={} org_id={} org_token={}",
        server.base_url(),
        server.directory_id(),
        server.token(),
        server.org_id(),
        server.org_token(),
    )?;
    if let (Some(url), Some(token)) = (server.control_url(), server.control_token()) {
        write!(stdout, " control_url={url} control_token={token}")?;
    }
    writeln!(stdout)?;
    for (directory_id, token) in server.directories().into_iter().skip(1) {
        writeln!(stdout, "scim-mock directory base_url={}/scim/directory/{directory_id} directory_id={directory_id} token={token}", server.url())?;
    }
    stdout.flush()?;
    drop(stdout);

    signals.wait().await?;
    tracing::info!("shutting down");
    server.shutdown_and_save().await.context("failed to save the state on shutdown")?;
    Ok(())
}

/// Listeners for SIGINT (Ctrl-C) and SIGTERM, registered when created.
#[cfg(unix)]
struct ShutdownSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl ShutdownSignals {
    fn install() -> anyhow::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(ShutdownSignals {
            interrupt: signal(SignalKind::interrupt()).context("failed to listen for SIGINT")?,
            terminate: signal(SignalKind::terminate()).context("failed to listen for SIGTERM")?,
        })
    }

    /// Waits for either signal.
    async fn wait(mut self) -> anyhow::Result<()> {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        Ok(())
    }
}

/// Waits for Ctrl-C, the only shutdown signal outside Unix.
#[cfg(not(unix))]
struct ShutdownSignals;

#[cfg(not(unix))]
impl ShutdownSignals {
    fn install() -> anyhow::Result<Self> {
        Ok(ShutdownSignals)
    }

    // NOTE: tokio registers the Ctrl-C handler on the first poll, so a
    // Ctrl-C right after the ready line can still end the process at once.
    async fn wait(self) -> anyhow::Result<()> {
        tokio::signal::ctrl_c().await.context("failed to listen for Ctrl-C")
    }
}

fn init_logging(args: &ServeArgs) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .with_context(|| format!("invalid --log filter {:?}", args.log))?;
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour);
    match args.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}

fn generate_seed(args: &GenerateSeedArgs) -> anyhow::Result<()> {
    let seed = scim_mock::seed::generate(args.users, args.groups, &args.domain);
    let text = serde_json::to_string(&seed)?;
    match &args.output {
        Some(path) => std::fs::write(path, text).with_context(|| format!("failed to write {}", path.display()))?,
        None => println!("{text}"),
    }
    Ok(())
}
