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
