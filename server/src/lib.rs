//! rma-server: the central service that merges every site's tickets.
//!
//! Not built yet: its issue (server and sync) follows the agent. The crate exists so the
//! workspace has its final shape.
