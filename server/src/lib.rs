//! rma-server: the central service that merges every site's tickets.
//!
//! - [`store`]: every site's tickets, the feed agents pull, enrolled sites and their tokens;
//!   on sled (embedded, the default) or on PostgreSQL ([`pg`]).
//! - [`app`]: the routes put together; [`state`]: what every request shares; [`error`]: the
//!   API's one error path.
//! - [`api`]: the HTTP API (sync, tickets, sites); [`openapi`]: its description.
//! - [`admin`]: enrolment, the same through a running serve or on the store directly.
//! - [`archive`]: the archive (regulation 8): cards to find tickets by, applications and
//!   grants to read them, retention and disposal; [`audit`]: the append-only audit log.
//! - [`serve`]: the long-running server; [`transport`]: its listeners (plain or TLS) and the
//!   limits of connections and requests.
//! - [`settings`]: defaults, file, environment.
//! - [`office`]: the indexes the office's pages read; [`users`]: people, roles, sessions;
//!   [`web`]: the office's pages.
//! - [`notices`]: sends the outbox's notices to customers (e-mail, SMS).
//! - [`cli`]: the command line.

pub mod admin;
pub mod api;
pub mod app;
pub mod cli;
pub mod error;
pub mod notices;
pub mod openapi;
pub mod pg;
pub mod report;
pub mod serve;
pub mod settings;
pub mod state;
pub mod store;
pub mod transport;
pub mod users;
pub mod web;

/// The errors of the server a person may read, in `lang` (else those of its libraries): for
/// [`rma_shared::i18n::error_chain`].
pub fn localize(
    err: &(dyn std::error::Error + 'static),
    lang: rma_shared::i18n::Lang,
) -> Option<String> {
    use rma_shared::i18n::say;
    say::<admin::AdminError>(err, lang)
        .or_else(|| say::<store::ServerStoreError>(err, lang))
        .or_else(|| say::<transport::TlsError>(err, lang))
        .or_else(|| say::<notices::NoticeSetupError>(err, lang))
        .or_else(|| rma_store::localize(err, lang))
}

/// An error and its causes, in `lang`.
pub fn say(err: &(dyn std::error::Error + 'static), lang: rma_shared::i18n::Lang) -> String {
    rma_shared::i18n::error_chain(err, lang, localize)
}

/// What the in-process tests share.
#[cfg(test)]
pub(crate) mod test_support {
    use std::path::Path;

    use rma_shared::SiteCode;
    use rma_shared::automerge::ActorId;

    use crate::store::{Holds, Location, ServerStore};

    /// Where a test's store is: the data folder `dir` (sled), or, with
    /// `RMA_TEST_BACKEND=postgres`, a new database on the cluster at `RMA_TEST_DATABASE`
    /// (tests/run starts one and runs these tests on both).
    pub fn location(dir: &Path) -> Location {
        match std::env::var("RMA_TEST_BACKEND").as_deref() {
            Ok("postgres") => {
                let admin = std::env::var("RMA_TEST_DATABASE").expect(
                    "RMA_TEST_BACKEND=postgres needs RMA_TEST_DATABASE (tests/run sets both)",
                );
                let name = format!("rma_t_{}", rma_shared::TicketId::random());
                Location::Database(crate::pg::create_database(&admin, &name).unwrap())
            }
            _ => Location::Folder(dir.to_owned()),
        }
    }

    /// A new store for a test, on the backend the test run asks for.
    pub fn open(dir: &Path) -> ServerStore {
        ServerStore::open_at(&location(dir)).unwrap()
    }

    /// The Automerge actor of the test installation at WH1.
    pub fn wh1_actor() -> ActorId {
        actor_of("WH1")
    }

    /// The Automerge actor of the test installation at `site`.
    pub fn actor_of(site: &str) -> ActorId {
        ActorId::from(format!("{site}-test-installation").as_bytes())
    }

    /// Enrols WH1 (its own work) and WH2 (every ticket), each bound to its test installation;
    /// returns their tokens.
    pub fn enrol(store: &ServerStore) -> (String, String) {
        let now = chrono::Utc::now();
        // WH2 holds every site's tickets (a repair centre): it receives what WH1 pushes.
        let mut tokens = [("WH1", Holds::Own), ("WH2", Holds::All)].map(|(code, holds)| {
            let site = SiteCode::parse(code).unwrap();
            let token = store.add_site_holding(&site, holds, now).unwrap();
            store.bind_actor(&site, &actor_of(code)).unwrap();
            token
        });
        (
            std::mem::take(&mut tokens[0]),
            std::mem::take(&mut tokens[1]),
        )
    }
}
