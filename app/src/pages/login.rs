//! Sign in with username and password.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use serde::Serialize;

use crate::api::{self, ApiFailure};
use crate::field::sync::use_sync;
use crate::model::Me;
use crate::ui::{use_i18n, use_session, FailureNotice};

#[derive(Serialize)]
struct Credentials {
    username: String,
    password: String,
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let failure = RwSignal::new(None::<ApiFailure>);
    let busy = RwSignal::new(false);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let navigate = navigate.clone();
        busy.set(true);
        let credentials = Credentials {
            username: username.get_untracked(),
            password: password.get_untracked(),
        };
        spawn_local(async move {
            match api::post::<_, Me>("/api/v1/auth/login", &credentials).await {
                Ok(me) => {
                    failure.set(None);
                    let home = me.role.home_page();
                    session.signed_in(me);
                    // Whatever waited for this login goes up now.
                    sync.run_now();
                    navigate(home, NavigateOptions::default());
                }
                Err(error) => failure.set(Some(error)),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="card narrow">
            <h1>{move || i18n.t("auth.title")}</h1>
            {move || failure.get().map(|failure| view! { <FailureNotice failure/> })}
            <form on:submit=submit class="stack">
                <label>
                    {move || i18n.t("auth.username")}
                    <input
                        name="username"
                        autocomplete="username"
                        required
                        prop:value=username
                        on:input=move |event| username.set(event_target_value(&event))
                    />
                </label>
                <label>
                    {move || i18n.t("auth.password")}
                    <input
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required
                        prop:value=password
                        on:input=move |event| password.set(event_target_value(&event))
                    />
                </label>
                <button type="submit" class="primary" disabled=busy>
                    {move || i18n.t("auth.submit")}
                </button>
            </form>
        </section>
    }
}
