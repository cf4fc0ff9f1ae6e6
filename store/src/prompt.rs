//! Reading a new account's password on the command line: typed at the terminal (not shown),
//! or one line piped in. Both `rma-server user add` and `rma-agent user add` use it.

use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;

/// A password could not be read, or none was given.
#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    Unreadable(#[source] std::io::Error),
    Empty { program: &'static str, name: String },
}

impl Localized for PromptError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Unreadable(err) => {
                tr!(lang, "password-unreadable", reason = err.to_string())
            }
            Self::Empty { program, name } => tr!(
                lang,
                "password-none",
                program = *program,
                name = name.as_str()
            ),
        }
    }
}
rma_shared::english_display!(PromptError);

/// The password for the new account `name` of `program` (`rma-agent`, `rma-server`).
pub fn read_password(program: &'static str, name: &str, lang: Lang) -> Result<String, PromptError> {
    use std::io::{BufRead as _, IsTerminal as _};
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("{} ", tr!(lang, "password-prompt", name = name)))
            .map_err(PromptError::Unreadable)?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(PromptError::Unreadable)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        return Err(PromptError::Empty {
            program,
            name: name.to_owned(),
        });
    }
    Ok(password)
}
