//! rma-agent: the offline agent on each warehouse / repair-bench PC.
//!
//! - [`desk`]: the one core: a typed request applied to the store in a person's name, with a
//!   typed answer or refusal ([`desk::steps`], [`desk::scan`], [`desk::queries`]).
//! - [`store`]: the agent's store: tickets (over [`rma_store`], shared with the server), the
//!   per-site number counter, storage areas, and what sync keeps.
//! - [`settings`]: deadlines and other settings (defaults, file, environment).
//! - [`cli`]: the command line, one module per subcommand: parses into requests, says the
//!   answers in the person's language ([`output`]: text for people).
//! - [`local`]: what a command and `rma-agent serve` say to each other.
//! - [`serve`]: the long-running agent that holds the store ([`holder`]), answers commands
//!   over loopback and serves the bench page (`bench`).
//! - [`photos`]: a photo or document made safe to keep (upright, no location, a thumbnail).
//! - [`printing`]: labels made from the store's data, written out or printed.
//! - [`sync_client`]: one sync round with the server; [`http`]: its clients.

mod bench;
pub mod cli;
pub mod desk;
pub mod holder;
pub mod http;
pub mod local;
pub mod output;
pub mod photos;
pub mod printing;
pub mod serve;
pub mod settings;
pub mod store;
pub mod sync_client;
