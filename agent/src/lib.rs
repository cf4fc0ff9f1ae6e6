//! rma-agent: the offline agent on each warehouse / repair-bench PC.
//!
//! - [`kv`]: the narrow key/value layer over sled; nothing else names sled.
//! - [`tickets`]: tickets with their summaries and indexes, over [`kv`]; shared with the server.
//! - [`store`]: the agent's store: tickets, the per-site number counter, storage areas.
//! - [`settings`]: deadlines and other settings (defaults, file, environment).
//! - [`cli`]: the command line, one module per subcommand.
//! - [`output`]: text for people.
//! - [`serve`]: the long-running agent that holds the store and answers commands over
//!   loopback; [`remote`]: the command line's side of it.
//! - [`sync_client`]: one sync round with the server.

pub mod cli;
pub mod kv;
pub mod output;
pub mod remote;
pub mod serve;
pub mod settings;
pub mod store;
pub mod sync_client;
pub mod tickets;
