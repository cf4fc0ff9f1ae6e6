//! rma-server: the central service that merges every site's tickets.
//!
//! - [`store`]: every site's tickets, the feed agents pull, enrolled sites and their tokens.
//! - [`api`]: the HTTP API (sync, tickets, sites) and its errors.
//! - [`admin`]: enrolment, the same through a running serve or on the store directly.
//! - [`serve`]: the long-running server.
//! - [`settings`]: defaults, file, environment.
//! - [`office`]: the indexes the office's pages read; [`users`]: people, roles, sessions;
//!   [`web`]: the office's pages.
//! - [`cli`]: the command line; [`demo`]: the whole loop with no set-up.

pub mod admin;
pub mod api;
pub mod cli;
pub mod demo;
pub mod office;
pub mod serve;
pub mod settings;
pub mod store;
pub mod users;
pub mod web;

/// What the in-process tests share.
#[cfg(test)]
pub(crate) mod test_support {
    use rma_shared::SiteCode;
    use rma_shared::automerge::ActorId;

    use crate::store::ServerStore;

    /// The Automerge actor of the test installation at WH1.
    pub fn wh1_actor() -> ActorId {
        ActorId::from(&b"wh1-test-installation"[..])
    }

    /// Enrols WH1 (bound to [`wh1_actor`]) and WH2; returns their tokens.
    pub fn enrol(store: &ServerStore) -> (String, String) {
        let now = chrono::Utc::now();
        let wh1 = SiteCode::parse("WH1").unwrap();
        let token = store.add_site(&wh1, now).unwrap();
        store.bind_actor(&wh1, &wh1_actor()).unwrap();
        let other = store
            .add_site(&SiteCode::parse("WH2").unwrap(), now)
            .unwrap();
        (token, other)
    }
}
