//! rma-labels: label layouts rendered to SVG, PNG, PDF, ZPL and TSPL, and printing.
//!
//! Not built yet: its issue (QR labels) follows the agent and the server. The crate exists so
//! the workspace has its final shape.
