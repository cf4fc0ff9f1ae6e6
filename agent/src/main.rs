use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
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
    // The help in the person's language; the language of everything else is settled once the
    // command line is read (settings may name one).
    let lang =
        rma_shared::i18n::from_args_and_env(&args, |n| std::env::var(n).ok()).unwrap_or_default();
    rma_shared::i18n::set_current(lang);
    let command = rma_shared::i18n::localize_help(Cli::command(), lang);
    let cli = match Cli::from_arg_matches(&command.get_matches()) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    match cli.run(args) {
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
