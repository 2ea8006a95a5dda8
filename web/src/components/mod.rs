//! The views: each draws what its props say and sends messages up (by the dispatcher in
//! context). The root reads their props from the model (`page.rs`).

pub mod button;
pub mod charts;
pub mod client_form;
pub mod epoch_colour;
pub mod event_groups;
pub mod event_log;
pub mod explorer;
pub mod import_button;
pub mod keep_producing;
pub mod legend;
pub mod logs_panel;
pub mod metadata_panel;
pub mod narration;
pub mod presets;
pub mod replica_logs;
pub mod scenario_picker;
pub mod selection_menu;
pub mod settings_panel;
pub mod side_by_side;
pub mod stage;
pub mod time_controls;
pub mod violations;
pub mod why_kraft;
