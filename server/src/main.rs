use std::process::ExitCode;

use clap::Parser;
use rma_server::cli::Cli;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            // Automerge logs an error for a change whose dependencies are not loaded yet, which
            // incremental sync expects: not something for a person to read.
            tracing_subscriber::EnvFilter::try_from_env("RMA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,automerge=off")),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let lang = rma_shared::i18n::current();
            eprintln!("{} {err:#}", rma_shared::tr!(lang, "error-prefix"));
            ExitCode::FAILURE
        }
    }
}
