//! rma-agent: the offline agent on each warehouse / repair-bench PC.
//!
//! - [`store`]: the agent's store: tickets (over [`rma_store`], shared with the server), the
//!   per-site number counter, storage areas, and what sync keeps.
//! - [`settings`]: deadlines and other settings (defaults, file, environment).
//! - [`cli`]: the command line, one module per subcommand.
//! - [`output`]: text for people.
//! - [`serve`]: the long-running agent that holds the store and answers commands over
//!   loopback; [`remote`]: the command line's side of it.
//! - [`sync_client`]: one sync round with the server.

mod bench;
pub mod cli;
pub mod http;
pub mod output;
pub mod remote;
pub mod serve;
pub mod settings;
pub mod store;
pub mod sync_client;
