use std::process::ExitCode;

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
    let args = rma_shared::i18n::arguments();
    let cli: Cli = rma_shared::i18n::parse_command_line(&args);
    match cli.run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{}", rma_shared::i18n::error_line(&err));
            ExitCode::FAILURE
        }
    }
}
