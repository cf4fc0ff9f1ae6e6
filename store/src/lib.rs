//! rma-store: what agent and server both keep on disk, and how.
//!
//! - [`kv`]: the narrow key/value seam over sled; durability is in the names (`commit`
//!   flushes, `apply_unflushed` does not).
//! - [`tickets`]: ticket documents with their summaries and the indexes listings, overdue
//!   counts, digests and the repair of sync read.
//! - [`blobs`]: the bytes of photos and documents, named by their hash, received in pieces.
//! - [`files`]: settings read from TOML, and the private files that announce a running
//!   server and its secret.
//! - [`people`]: accounts, sessions and sign-in limits (the server's directory, an agent's copy).
//! - [`prompt`]: a new account's password, read at the terminal or from a pipe.
//! - [`backup`]: a consistent copy of a whole store in one file, restored into an empty one;
//!   and a store copied whole to another engine.
//!
//! Each binary wraps these errors in its own, with advice from its own world.

pub mod backup;
pub mod blobs;
pub mod files;
pub mod kv;
pub mod people;
pub mod prompt;
pub mod tickets;

/// The errors of this crate a person may read, in `lang` (else those of `rma_shared`): for a
/// front end's [`rma_shared::i18n::error_chain`].
pub fn localize(
    err: &(dyn std::error::Error + 'static),
    lang: rma_shared::i18n::Lang,
) -> Option<String> {
    use rma_shared::i18n::say;
    say::<kv::KvError>(err, lang)
        .or_else(|| say::<tickets::TicketsError>(err, lang))
        .or_else(|| say::<people::PeopleError>(err, lang))
        .or_else(|| say::<backup::BackupError>(err, lang))
        .or_else(|| say::<blobs::BlobError>(err, lang))
        .or_else(|| say::<files::SettingsError>(err, lang))
        .or_else(|| say::<prompt::PromptError>(err, lang))
        .or_else(|| rma_shared::localize(err, lang))
}
