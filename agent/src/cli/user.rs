use anyhow::{Result, bail};
use rma_shared::people::Role;

use super::Context;

/// The people who sign in at this site's bench page. An enrolled agent takes them from the
/// server's directory with every sync (`rma-server user add`); an agent without a server
/// keeps its own.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Add a person (no server only). The password (8 characters or more) is read from
    /// standard input: typed, or piped.
    #[command(
        after_help = "Examples:\n  rma-agent user add li.wei --role after_sales\n  echo 'bench pass 1' | rma-agent user add bob --role production"
    )]
    Add {
        /// The name the person signs in with.
        name: String,
        /// Their department (REGULATION.md section 1), or head.
        #[arg(long, value_enum)]
        role: Role,
    },
    /// Remove a person (no server only); their sessions end at once.
    Remove {
        /// The person's sign-in name.
        name: String,
    },
    /// List the people and their roles.
    List,
}

impl Command {
    /// The account whose password the command line must read before the command runs.
    pub fn new_account(&self) -> Option<&str> {
        match self {
            Self::Add { name, .. } => Some(name),
            _ => None,
        }
    }
}

pub fn run(ctx: &Context, command: Command) -> Result<()> {
    let store = ctx.store()?;
    let people = store.people();
    if !matches!(command, Command::List) && store.server()?.is_some() {
        bail!("{}", rma_shared::tr!(ctx.lang, "user-from-directory"));
    }
    match command {
        Command::Add { name, role } => {
            let Some(password) = ctx.input.clone() else {
                bail!("{}", rma_shared::tr!(ctx.lang, "user-no-password"));
            };
            let account = people.add(&name, role, &password, ctx.now)?;
            if ctx.json {
                return ctx
                    .json(&serde_json::json!({ "name": account.name, "role": account.role }));
            }
            say!(
                ctx,
                "{}",
                rma_shared::tr!(
                    ctx.lang,
                    "done-user-added",
                    name = account.name.as_str(),
                    role = account.role.label(ctx.lang)
                )
            );
        }
        Command::Remove { name } => {
            people.remove(&name)?;
            say!(
                ctx,
                "{}",
                rma_shared::tr!(ctx.lang, "done-user-removed", name = name.as_str())
            );
        }
        Command::List => {
            let accounts = people.list()?;
            if ctx.json {
                let list: Vec<_> = accounts
                    .iter()
                    .map(|a| serde_json::json!({ "name": a.name, "role": a.role, "added_at": a.added_at }))
                    .collect();
                return ctx.json(&list);
            }
            if accounts.is_empty() {
                say!(ctx, "{}", rma_shared::tr!(ctx.lang, "user-none"));
            }
            for account in accounts {
                say!(ctx, "{:<20} {}", account.name, account.role.label(ctx.lang));
            }
        }
    }
    Ok(())
}
