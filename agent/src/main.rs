use std::process::ExitCode;

use clap::Parser;
use rma_agent::cli::Cli;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            // Automerge logs an error for a change whose dependencies are not loaded yet, which
            // incremental sync expects: not something for a person to read. The certificate
            // verifier logs what the agent reports itself, in plainer words.
            tracing_subscriber::EnvFilter::try_from_env("RMA_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(
                    "warn,automerge=off,rustls_platform_verifier=off",
                )
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match Cli::parse().run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let lang = rma_shared::i18n::current();
            eprintln!(
                "{} {}",
                rma_shared::tr!(lang, "error-prefix"),
                rma_agent::cli::error_text(&err, lang)
            );
            ExitCode::FAILURE
        }
    }
}
