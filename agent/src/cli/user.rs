use anyhow::Result;
use rma_shared::people::Role;

use super::Context;
use crate::local::{AddUser, RemoveUser, Users};

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

pub fn run(ctx: &Context, command: Command) -> Result<()> {
    match command {
        Command::Add { name, role } => {
            // The password is read here, where the person typed the command.
            let password = rma_store::prompt::read_password("rma-agent", &name, ctx.lang)?;
            let account = ctx.ask(AddUser {
                name,
                role,
                password,
            })?;
            if ctx.json {
                return ctx
                    .json(&serde_json::json!({ "name": account.name, "role": account.role }));
            }
            let line = rma_shared::tr!(
                ctx.lang,
                "done-user-added",
                name = account.name.as_str(),
                role = account.role.label(ctx.lang)
            );
            say!(ctx, "{line}");
        }
        Command::Remove { name } => {
            let name = ctx.ask(RemoveUser { name })?;
            let line = rma_shared::tr!(ctx.lang, "done-user-removed", name = name.as_str());
            say!(ctx, "{line}");
        }
        Command::List => {
            let accounts = ctx.ask(Users)?;
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
