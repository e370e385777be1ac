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

    let server = args.builder().start().await.context("failed to start scim-mock")?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "scim-mock ready base_url={} directory_id={} token={} org_id={} org_token={}",
        server.base_url(),
        server.directory_id(),
        server.token(),
        server.org_id(),
        server.org_token(),
    )?;
    for (directory_id, token) in server.directories().into_iter().skip(1) {
        writeln!(stdout, "scim-mock directory base_url={}/scim/directory/{directory_id} directory_id={directory_id} token={token}", server.url())?;
    }
    stdout.flush()?;
    drop(stdout);

    wait_for_signal().await?;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

/// Waits for Ctrl-C or, on Unix, SIGTERM.
async fn wait_for_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("failed to listen for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("failed to listen for Ctrl-C")?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await.context("failed to listen for Ctrl-C")?;
    Ok(())
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
