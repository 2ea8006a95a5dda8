//! The views: each draws what its props say and sends messages up.

pub mod import_button;
pub mod side_by_side;
