//! Fault presets (isolate the leader, split the controllers, heal everything), appending to the
//! metadata log, creating a topic, and the clients under them.

use super::button::button;
use super::client_form::ClientForm;
use crate::i18n::{t, Lang};
use crate::state::{use_dispatch, Msg};
use kraft_core::sim::{Action, NewTopic, SteadyLoad};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PresetsProps {
    pub lang: Lang,
    /// A KRaft cluster: the quorum's presets (its leader, its controllers, its metadata log) have
    /// nothing to act on in ZooKeeper mode.
    pub kraft: bool,
    /// The committed topics and their partition counts.
    pub topics: Vec<(String, u32)>,
    /// The steady load running, if any.
    pub steady_load: Option<SteadyLoad>,
}

#[function_component(Presets)]
pub fn presets(p: &PresetsProps) -> Html {
    let on = use_dispatch();
    let (lang, kraft) = (p.lang, p.kraft);
    let on2 = on.clone();
    let create_topic = Callback::from(move |_| {
        on2.emit(Msg::Act(Action::CreateTopic(NewTopic {
            name: format!("topic-{}", js_sys::Math::random().to_bits() % 1000),
            partitions: 3,
            replication_factor: 2,
            ..Default::default()
        })))
    });
    html! {
        <div class="menu presets">
            <div class="buttons">
                if kraft {
                    { button(t(lang, "isolate-leader"), "isolate-leader", &on, Msg::IsolateLeader, false) }
                    { button(t(lang, "split"), "split", &on, Msg::Split, false) }
                }
                { button(t(lang, "heal-all"), "heal-all", &on, Msg::Act(Action::HealAll), false) }
                if kraft {
                    { button(t(lang, "append"), "append", &on, Msg::Act(Action::Append(5)), false) }
                }
                <button data-action="create-topic" onclick={create_topic}>{ t(lang, "create-topic") }</button>
            </div>
            <ClientForm lang={lang} topics={p.topics.clone()} steady_load={p.steady_load.clone()} />
        </div>
    }
}
