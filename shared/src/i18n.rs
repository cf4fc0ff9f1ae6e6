//! The message catalogue: every text a person reads, in English and in Chinese, from one place
//! (Project Fluent files `shared/locales/en/rma.ftl` and `shared/locales/zh-CN/rma.ftl`,
//! compiled into the programs). Plurals and numbers are Fluent's, never string concatenation.
//!
//! Machine outputs (`--json`, the API, sync) keep their English keys and codes whatever the
//! language: only what a person reads goes through here.
//!
//! ```
//! use rma_shared::i18n::{Lang, tr};
//! assert_eq!(tr!(Lang::En, "units-count", count = 1), "1 unit");
//! assert_eq!(tr!(Lang::ZhCn, "units-count", count = 3), "3 台");
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

pub use fluent_bundle::FluentArgs;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentResource, FluentValue};
use serde::{Deserialize, Serialize};

/// A language the product speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

/// The catalogue files, as compiled in.
const SOURCES: [(Lang, &str); 2] = [
    (Lang::En, include_str!("../locales/en/rma.ftl")),
    (Lang::ZhCn, include_str!("../locales/zh-CN/rma.ftl")),
];

impl Lang {
    pub const ALL: [Self; 2] = [Self::En, Self::ZhCn];

    /// The code settings, `--lang` and the pages use: `en`, `zh-CN`.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhCn => "zh-CN",
        }
    }

    /// The language's own name, for a language switch.
    pub fn own_name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::ZhCn => "中文",
        }
    }

    /// Reads a language tag or a POSIX locale: `en`, `en-US`, `zh`, `zh-CN`, `zh_CN.UTF-8`,
    /// `zh-Hans`. `C` and `POSIX` are English.
    pub fn parse(text: &str) -> Option<Self> {
        let tag = text.trim().split(['.', '@']).next()?.replace('_', "-");
        let primary = tag.split('-').next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" | "c" | "posix" => Some(Self::En),
            "zh" => Some(Self::ZhCn),
            _ => None,
        }
    }

    /// The first language of an HTTP `Accept-Language` header this product speaks, by the
    /// weights the browser gave.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut offered: Vec<(f32, Self)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let lang = Self::parse(pieces.next()?)?;
                let weight = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (weight > 0.0).then_some((weight, lang))
            })
            .collect();
        // Stable: of equal weights, the first named wins.
        offered.sort_by(|a, b| b.0.total_cmp(&a.0));
        offered.first().map(|(_, lang)| *lang)
    }

    /// The language of the environment: `LC_ALL`, else `LC_MESSAGES`, else `LANG` (the first
    /// that is set and not empty), if this product speaks it. The `C` and `POSIX` locales of
    /// servers and containers say no preference.
    pub fn from_locale_env(var: impl Fn(&str) -> Option<String>) -> Option<Self> {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .find_map(|name| var(name).filter(|v| !v.trim().is_empty()))
            .filter(|value| {
                let base = value.split(['.', '@']).next().unwrap_or_default();
                !matches!(base, "C" | "POSIX")
            })
            .and_then(|value| Self::parse(&value))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Self::parse(text).ok_or_else(|| format!("{text:?} is not a language here: use en or zh-CN"))
    }
}

/// An error a person reads, said in their language. Its `Display` says it in English, for
/// logs; a front end says it in the asker's language with [`Localized::message`] (the language
/// is a value that travels with the request, never a setting of the process).
pub trait Localized {
    fn message(&self, lang: Lang) -> String;
}

/// Implements `Display` as the [`Localized`] message in English.
#[macro_export]
macro_rules! english_display {
    ($ty:ty) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&$crate::i18n::Localized::message(
                    self,
                    $crate::i18n::Lang::En,
                ))
            }
        }
    };
}

/// `err` in `lang`, if it is an `E`.
pub fn say<E: Localized + std::error::Error + 'static>(
    err: &(dyn std::error::Error + 'static),
    lang: Lang,
) -> Option<String> {
    err.downcast_ref::<E>().map(|e| e.message(lang))
}

/// An error and its causes, `outer: cause: cause`, each said in `lang` by `localize` where it
/// knows the error, else as the error displays itself. A cause whose words the error before
/// it already says is not said twice.
pub fn error_chain(
    err: &(dyn std::error::Error + 'static),
    lang: Lang,
    localize: impl Fn(&(dyn std::error::Error + 'static), Lang) -> Option<String>,
) -> String {
    let mut said: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(err) = next {
        let text = localize(err, lang).unwrap_or_else(|| err.to_string());
        if !said.iter().any(|before| before.contains(&text)) {
            said.push(text);
        }
        next = err.source();
    }
    said.join(": ")
}

type Bundle = FluentBundle<FluentResource>;

/// A language's catalogue, read message by message: a command says a handful of messages,
/// so it parses those, not the whole file (parsing all of it took longer than the rest of a
/// command's own work). Messages stand alone (the catalogue has no terms, references or
/// attributes; the catalogue test keeps it so), so each parses and formats by itself.
struct Catalogue {
    /// Formats patterns with the language's plural rules; holds no messages itself.
    bundle: Bundle,
    /// Each message's source text, and the message parsed the first time it is said.
    messages: HashMap<&'static str, (&'static str, OnceLock<FluentResource>)>,
}

impl Catalogue {
    fn new(lang: Lang, source: &'static str) -> Self {
        let id: unic_langid::LanguageIdentifier =
            lang.code().parse().expect("the language codes are valid");
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // No Unicode isolation marks: terminals, CSV files and labels would show them.
        bundle.set_use_isolating(false);
        let messages = entries(source)
            .into_iter()
            .map(|(id, text)| (id, (text, OnceLock::new())))
            .collect();
        Self { bundle, messages }
    }

    /// The message `id` parsed, if the catalogue has it.
    fn pattern(&self, id: &str) -> Option<&fluent_syntax::ast::Pattern<&str>> {
        let (text, parsed) = self.messages.get(id)?;
        let resource = parsed.get_or_init(|| {
            FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(_, errors)| {
                panic!("the catalogue's message {id} does not parse: {errors:?}")
            })
        });
        resource.entries().find_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(message) => message.value.as_ref(),
            _ => None,
        })
    }
}

/// The entries of a Fluent file: each message's id and its text, from its first line to the
/// next line that starts another entry (an id, a term or a comment in the first column). A
/// message's further lines are indented, or close a placeable (`}`).
fn entries(source: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut starts: Vec<usize> = Vec::new();
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        if line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '-' || c == '#') {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts.push(source.len());
    starts
        .windows(2)
        .filter_map(|pair| {
            let text = &source[pair[0]..pair[1]];
            let (id, _) = text.split_once('=')?;
            let id = id.trim();
            let is_id = id.starts_with(|c: char| c.is_ascii_alphabetic())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            is_id.then_some((id, text))
        })
        .collect()
}

/// A language's catalogue, indexed the first time it is needed.
fn catalogue(lang: Lang) -> &'static Catalogue {
    static CATALOGUES: [OnceLock<Catalogue>; 2] = [OnceLock::new(), OnceLock::new()];
    let index = lang as usize;
    debug_assert_eq!(SOURCES[index].0, lang, "SOURCES is in the order of Lang");
    CATALOGUES[index].get_or_init(|| Catalogue::new(lang, SOURCES[index].1))
}

/// The message `id` in `lang` with `args`; falls back to English, then to the id itself (the
/// catalogue test keeps both from happening).
pub fn message(lang: Lang, id: &str, args: Option<&FluentArgs<'_>>) -> String {
    for lang in [lang, Lang::En] {
        let catalogue = catalogue(lang);
        if let Some(pattern) = catalogue.pattern(id) {
            let mut errors = Vec::new();
            let text: Cow<'_, str> = catalogue.bundle.format_pattern(pattern, args, &mut errors);
            return text.into_owned();
        }
    }
    id.to_owned()
}

/// Whether `lang`'s catalogue has the message `id`.
pub fn has(lang: Lang, id: &str) -> bool {
    catalogue(lang).messages.contains_key(id)
}

/// An argument of a message: text or a number (numbers choose plural forms).
pub fn arg<'a>(value: impl Into<FluentValue<'a>>) -> FluentValue<'a> {
    value.into()
}

/// `tr!(lang, "id")` or `tr!(lang, "id", name = value, ...)`: a message of the catalogue.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $id:expr) => {
        $crate::i18n::message($lang, $id, None)
    };
    ($lang:expr, $id:expr, $($name:ident = $value:expr),+ $(,)?) => {{
        let mut args = $crate::i18n::FluentArgs::new();
        $( args.set(stringify!($name), $crate::i18n::arg($value)); )+
        $crate::i18n::message($lang, $id, Some(&args))
    }};
}
pub use crate::tr;

/// Every message id of `lang`'s catalogue with the names of its arguments (variables), for
/// the test that keeps the catalogues whole.
pub fn inventory(lang: Lang) -> Vec<(String, Vec<String>)> {
    use fluent_bundle::FluentResource;
    use fluent_syntax::ast;
    let source = SOURCES
        .iter()
        .find(|(l, _)| *l == lang)
        .expect("every language has a source")
        .1;
    let resource = FluentResource::try_new(source.to_owned()).expect("the catalogue parses");
    let mut out = Vec::new();
    for entry in resource.entries() {
        if let ast::Entry::Message(message) = entry {
            let mut vars = Vec::new();
            if let Some(pattern) = &message.value {
                variables(pattern, &mut vars);
            }
            vars.sort();
            vars.dedup();
            out.push((message.id.name.to_owned(), vars));
        }
    }
    out
}

fn variables(pattern: &fluent_syntax::ast::Pattern<&str>, out: &mut Vec<String>) {
    use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
    fn inline(expression: &InlineExpression<&str>, out: &mut Vec<String>) {
        match expression {
            InlineExpression::VariableReference { id } => out.push(id.name.to_owned()),
            InlineExpression::FunctionReference { arguments, .. } => {
                for argument in &arguments.positional {
                    inline(argument, out);
                }
            }
            InlineExpression::Placeable { expression } => expr(expression, out),
            _ => {}
        }
    }
    fn expr(expression: &Expression<&str>, out: &mut Vec<String>) {
        match expression {
            Expression::Inline(e) => inline(e, out),
            Expression::Select { selector, variants } => {
                inline(selector, out);
                for variant in variants {
                    variables(&variant.value, out);
                }
            }
        }
    }
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expr(expression, out);
        }
    }
}

/// A command line's help in `lang`: its description, each subcommand's (catalogue ids
/// `help-PROGRAM`, `help-PROGRAM-SUB`, `help-PROGRAM-SUB-SUBSUB`), the examples
/// (`help-PROGRAM-examples`, when the catalogue has them) and the headings. The options' own
/// help stays as the code writes it.
#[cfg(feature = "cli")]
pub fn localize_help(cmd: clap::Command, lang: Lang) -> clap::Command {
    fn walk(cmd: clap::Command, lang: Lang, id: &str, program: &str) -> clap::Command {
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        let mut cmd = cmd;
        if cmd.get_version().is_some() {
            cmd = cmd.disable_version_flag(true).arg(
                clap::Arg::new("version")
                    .short('V')
                    .long("version")
                    .action(clap::ArgAction::Version)
                    .help(message(lang, "help-version", None)),
            );
        }
        cmd = cmd
            .about(message(lang, id, None))
            .subcommand_help_heading(message(lang, "help-commands", None))
            .help_template(format!(
                "{{about-with-newline}}\n{} {{usage}}\n\n{{all-args}}{{after-help}}",
                message(lang, "help-usage", None)
            ))
            .disable_help_flag(true)
            .arg(
                clap::Arg::new("help")
                    .short('h')
                    .long("help")
                    .action(clap::ArgAction::Help)
                    .help(message(lang, "help-help", None)),
            )
            .mut_args(|arg| {
                // An option's help from the catalogue where it has one (`help-PROGRAM-SUB--ID`,
                // else `help-opt-PROGRAM-ID`, else `help-opt-ID`).
                let ids = [
                    format!("{id}--{}", arg.get_id()),
                    format!("help-opt-{program}-{}", arg.get_id()),
                    format!("help-opt-{}", arg.get_id()),
                ];
                let heading = if arg.is_positional() {
                    "help-arguments"
                } else {
                    "help-options"
                };
                let arg = arg.help_heading(message(lang, heading, None));
                match ids.iter().find(|id| has(lang, id)) {
                    Some(id) => arg.help(message(lang, id, None)),
                    None => arg,
                }
            });
        if lang != Lang::En {
            cmd = cmd.disable_help_subcommand(true);
        }
        let examples = format!("{id}-examples");
        if has(lang, &examples) {
            cmd = cmd.after_help(message(lang, &examples, None));
        } else if let Some(text) = cmd.get_after_help().map(ToString::to_string) {
            // A subcommand's examples are command lines: only their heading is words.
            let text = text
                .replacen("Examples:", &message(lang, "help-examples", None), 1)
                .replacen("Example:", &message(lang, "help-example", None), 1);
            cmd = cmd.after_help(text);
        }
        if lang != Lang::En {
            // The longer English description would follow the translated one.
            cmd = cmd.long_about(None);
        }
        for name in names {
            let sub_id = format!("{id}-{name}");
            cmd = cmd.mut_subcommand(&name, |sub| walk(sub, lang, &sub_id, program));
        }
        cmd
    }
    let program = cmd.get_name().to_owned();
    let id = format!("help-{program}");
    walk(cmd, lang, &id, &program)
}

/// The commands of `cmd` (itself included) whose description some catalogue lacks, as
/// `LANG ID`: what [`localize_help`] would show as a bare id.
#[cfg(feature = "cli")]
pub fn undescribed(cmd: &clap::Command) -> Vec<String> {
    fn ids(cmd: &clap::Command, id: String, out: &mut Vec<String>) {
        for sub in cmd.get_subcommands() {
            ids(sub, format!("{id}-{}", sub.get_name()), out);
        }
        out.push(id);
    }
    let mut wanted = Vec::new();
    ids(cmd, format!("help-{}", cmd.get_name()), &mut wanted);
    Lang::ALL
        .into_iter()
        .flat_map(|lang| {
            wanted
                .iter()
                .filter(move |id| !has(lang, id))
                .map(move |id| format!("{lang} {id}"))
        })
        .collect()
}

/// Reads the command line `args` of `program` in `lang` (see [`from_args_and_env`]): help,
/// a version or a mistake come back as clap's error, with help and usage in `lang`; a value
/// one of the readers refused is said in `lang` by [`command_line_error`].
#[cfg(feature = "cli")]
pub fn parse_command_line<C: clap::CommandFactory + clap::FromArgMatches>(
    program: &str,
    args: &[String],
    lang: Lang,
) -> Result<C, clap::Error> {
    let argv = || std::iter::once(program.to_owned()).chain(args.iter().cloned());
    // Most command lines parse: only help, a version or a mistake needs the translated
    // command tree, which is built then.
    match C::command().try_get_matches_from(argv()) {
        Ok(matches) => C::from_arg_matches(&matches),
        Err(err) if lang == Lang::En => Err(err),
        Err(_) => {
            let matches = localize_help(C::command(), lang).try_get_matches_from(argv())?;
            C::from_arg_matches(&matches)
        }
    }
}

/// A value of a command line that its reader refused, said in `lang`: the option, what was
/// given and what is wrong (`localize` knows the readers' errors). Other mistakes, help and
/// versions are clap's to print (None).
#[cfg(feature = "cli")]
pub fn command_line_error(
    err: &clap::Error,
    lang: Lang,
    localize: impl Fn(&(dyn std::error::Error + 'static), Lang) -> Option<String>,
) -> Option<String> {
    use clap::error::{ContextKind, ContextValue};
    if err.kind() != clap::error::ErrorKind::ValueValidation {
        return None;
    }
    let source = std::error::Error::source(err)?;
    let why = localize(source, lang)?;
    let context = |kind| match err.get(kind) {
        Some(ContextValue::String(text)) => text.clone(),
        _ => String::new(),
    };
    let said = tr!(
        lang,
        "arg-invalid",
        arg = context(ContextKind::InvalidArg),
        value = context(ContextKind::InvalidValue),
        why = why
    );
    Some(error_line(lang, &said))
}

/// An error as a command line shows it: `error:` and what is wrong, in `lang`.
pub fn error_line(lang: Lang, said: &str) -> String {
    format!("{} {said}", message(lang, "error-prefix", None))
}

/// The language a command line asks for before it is parsed: `--lang X` (or `--lang=X`)
/// among `args`, else `RMA_LANG`, else the locale.
pub fn from_args_and_env(args: &[String], var: impl Fn(&str) -> Option<String>) -> Option<Lang> {
    args.iter()
        .enumerate()
        .find_map(|(i, arg)| match arg.strip_prefix("--lang") {
            Some("") => args.get(i + 1).and_then(|v| Lang::parse(v)),
            Some(rest) => rest.strip_prefix('=').and_then(Lang::parse),
            None => None,
        })
        .or_else(|| var("RMA_LANG").and_then(|v| Lang::parse(&v)))
        .or_else(|| Lang::from_locale_env(var))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_in_every_language_with_the_same_arguments() {
        let english = inventory(Lang::En);
        assert!(english.len() > 50, "{}", english.len());
        for lang in Lang::ALL {
            let other = inventory(lang);
            let ids: Vec<&String> = other.iter().map(|(id, _)| id).collect();
            for (id, vars) in &english {
                let found = other.iter().find(|(o, _)| o == id);
                let Some((_, theirs)) = found else {
                    panic!("{id} is missing in {lang}");
                };
                assert_eq!(theirs, vars, "{id} takes other arguments in {lang}");
            }
            assert_eq!(ids.len(), english.len(), "{lang} has ids English lacks");
        }
    }

    /// Messages are parsed one by one as they are said: each must read alone exactly as the
    /// whole file reads it, and say itself with no other message or term.
    #[test]
    fn every_message_reads_alone_as_in_the_whole_file() {
        use fluent_syntax::ast::Entry;
        for (lang, source) in SOURCES {
            let whole = FluentResource::try_new(source.to_owned()).expect("the catalogue parses");
            let catalogue = catalogue(lang);
            let mut messages = 0;
            for entry in whole.entries() {
                let message = match entry {
                    Entry::Message(message) => message,
                    Entry::Comment(_) | Entry::GroupComment(_) | Entry::ResourceComment(_) => {
                        continue;
                    }
                    other => panic!("{lang}: only messages and comments, not {other:?}"),
                };
                let id = message.id.name;
                assert!(message.attributes.is_empty(), "{lang}: {id} has attributes");
                assert_eq!(
                    catalogue.pattern(id),
                    message.value.as_ref(),
                    "{lang}: {id} reads otherwise alone"
                );
                messages += 1;
            }
            assert_eq!(
                catalogue.messages.len(),
                messages,
                "{lang}: ids found twice"
            );
            for (id, vars) in inventory(lang) {
                let mut args = FluentArgs::new();
                for var in &vars {
                    args.set(var.as_str(), arg(1));
                }
                let mut errors = Vec::new();
                let pattern = catalogue.pattern(&id).expect("every id is indexed");
                catalogue
                    .bundle
                    .format_pattern(pattern, Some(&args), &mut errors);
                assert!(errors.is_empty(), "{lang}: {id} needs more: {errors:?}");
            }
        }
    }

    #[test]
    fn languages_are_read_from_tags_locales_and_browsers() {
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("zh-Hans"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("en_GB"), Some(Lang::En));
        assert_eq!(Lang::parse("C"), Some(Lang::En));
        assert_eq!(Lang::parse("de_DE"), None);
        assert_eq!(
            Lang::from_accept_language("de-DE,zh-CN;q=0.9,en;q=0.8"),
            Some(Lang::ZhCn)
        );
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,zh;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("fr"), None);
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Lang::from_locale_env(env(&[("LANG", "zh_CN.UTF-8")])),
            Some(Lang::ZhCn)
        );
        assert_eq!(
            Lang::from_locale_env(env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "zh_CN.UTF-8")])),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_locale_env(env(&[("LC_ALL", ""), ("LANG", "zh_CN.UTF-8")])),
            Some(Lang::ZhCn)
        );
        assert_eq!(Lang::from_locale_env(env(&[("LANG", "C.UTF-8")])), None);
    }

    #[test]
    fn plurals_follow_each_language() {
        assert_eq!(tr!(Lang::En, "units-count", count = 1), "1 unit");
        assert_eq!(tr!(Lang::En, "units-count", count = 2), "2 units");
        assert_eq!(tr!(Lang::ZhCn, "units-count", count = 1), "1 台");
    }
}
