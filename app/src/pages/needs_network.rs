//! What a page shows when its code is not on the phone yet and cannot be fetched: a roster page
//! opened with no network before anyone opened one online here.

use leptos::prelude::*;

use crate::ui::use_i18n;

#[component]
pub fn NeedsNetworkPage() -> impl IntoView {
    let i18n = use_i18n();
    // Loading the page anew fetches its code again; a later connection is all it needs.
    let retry = move |_| {
        let _ = window().location().reload();
    };
    view! {
        <section class="card" data-testid="needs-network">
            <h1>{move || i18n.t("needs_network.title")}</h1>
            <p>{move || i18n.t("needs_network.detail")}</p>
            <div class="actions">
                <button type="button" class="primary" on:click=retry>
                    {move || i18n.t("needs_network.retry")}
                </button>
                <a class="button" href="/field">{move || i18n.t("needs_network.field")}</a>
            </div>
        </section>
    }
}
