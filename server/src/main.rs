use std::process::ExitCode;

use rma_server::cli::Cli;
use rma_shared::i18n;

/// jemalloc: a sync allocates and frees many small buffers on several threads at once, where
/// glibc's allocator spent about a quarter of a push's CPU (BENCHMARKS.md, issue 28).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RMA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let asked = i18n::from_args_and_env(&args, |name| std::env::var(name).ok()).unwrap_or_default();
    let cli: Cli = match i18n::parse_command_line("rma-server", &args, asked) {
        Ok(cli) => cli,
        Err(err) => match i18n::command_line_error(&err, asked, rma_server::localize) {
            Some(line) => {
                eprintln!("{line}");
                return ExitCode::from(2);
            }
            None => err.exit(),
        },
    };
    let lang = cli.language();
    match cli.run(lang) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let said = rma_server::say(err.as_ref(), lang);
            eprintln!("{}", i18n::error_line(lang, &said));
            ExitCode::FAILURE
        }
    }
}
