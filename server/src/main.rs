use std::process::ExitCode;

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
    let cli: Cli = rma_shared::i18n::parse_command_line(&rma_shared::i18n::arguments());
    match cli.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{}", rma_shared::i18n::error_line(&err));
            ExitCode::FAILURE
        }
    }
}
