//! One enterprise of the roster, with its licence and a link to edit it.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api;
use crate::model::Enterprise;
use crate::pages::roster::LicenceBadge;
use crate::ui::{
    decimal, local_date_time, require_login, today, use_i18n, use_session, FailureNotice,
};

#[component]
pub fn EnterprisePage() -> impl IntoView {
    require_login();
    let i18n = use_i18n();
    let params = use_params_map();
    let enterprise = LocalResource::new(move || {
        let id = params.with(|map| map.get("id").unwrap_or_default());
        async move { api::get::<Enterprise>(&format!("/api/v1/enterprises/{id}")).await }
    });
    view! {
        <Transition fallback=move || view! { <p class="muted">{i18n.t("common.loading")}</p> }>
            {move || {
                enterprise
                    .get()
                    .map(|result| match result {
                        Ok(enterprise) => view! { <EnterpriseDetail enterprise/> }.into_any(),
                        Err(failure) => view! { <FailureNotice failure/> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn EnterpriseDetail(enterprise: Enterprise) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let licence = enterprise.licence_state(today());
    let edit_href = format!("/enterprises/{}/edit", enterprise.id);
    let can_edit = move || session.me.get().is_some_and(|me| me.role.can_edit_roster());
    let Enterprise {
        name,
        credit_code,
        address,
        kind,
        status,
        office_name,
        licence_no,
        licence_scope,
        licence_expiry,
        location,
        notes,
        updated_at,
        ..
    } = enterprise;
    let text = |value: Option<String>| value.unwrap_or_else(|| "—".to_string());
    let rows: Vec<(&'static str, String)> = vec![
        ("column.credit_code", credit_code),
        ("column.address", address),
        ("column.office_code", office_name),
        ("column.licence_no", text(licence_no)),
        ("column.licence_scope", text(licence_scope)),
        (
            "column.licence_expiry",
            text(licence_expiry.map(|date| date.to_string())),
        ),
        (
            "column.location",
            text(location.map(|at| format!("{}, {}", decimal(at.lat, 6), decimal(at.lng, 6)))),
        ),
        (
            "column.notes",
            text(Some(notes).filter(|notes| !notes.is_empty())),
        ),
        ("column.updated_at", local_date_time(updated_at)),
    ];
    view! {
        <section class="card stack">
            <div class="title-row">
                <h1>{name}</h1>
                <Show when=can_edit>
                    <a class="button" href=edit_href.clone()>{move || i18n.t("common.edit")}</a>
                </Show>
            </div>
            <p>
                <span class="tag">{move || i18n.t(kind.label_key())}</span>
                " "
                <span class="tag">{move || i18n.t(status.label_key())}</span>
                " "
                <LicenceBadge state=licence i18n/>
            </p>
            <dl class="fields">
                {rows
                    .into_iter()
                    .map(|(key, value)| view! {
                        <dt>{move || i18n.t(key)}</dt>
                        <dd>{value}</dd>
                    })
                    .collect_view()}
            </dl>
            <a href="/">{move || i18n.t("common.back_to_roster")}</a>
        </section>
    }
}
