//! Any address the app does not know.

use leptos::prelude::*;

use crate::ui::{use_i18n, use_session};

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    view! {
        <section class="card">
            <h1>{move || i18n.t("not_found.title")}</h1>
            <a href=move || session.home_page()>{move || i18n.t("not_found.back")}</a>
        </section>
    }
}
