//! Any address the app does not know.

use leptos::prelude::*;

use crate::ui::use_i18n;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card">
            <h1>{move || i18n.t("not_found.title")}</h1>
            <a href="/">{move || i18n.t("not_found.back")}</a>
        </section>
    }
}
