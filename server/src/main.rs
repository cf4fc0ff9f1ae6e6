use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lang =
        rma_shared::i18n::from_args_and_env(&args, |n| std::env::var(n).ok()).unwrap_or_default();
    rma_shared::i18n::set_current(lang);
    let command = rma_shared::i18n::localize_help(Cli::command(), lang);
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    match cli.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let lang = rma_shared::i18n::current();
            eprintln!("{} {err:#}", rma_shared::tr!(lang, "error-prefix"));
            ExitCode::FAILURE
        }
    }
}
