//! The roster: search by name or credit code, filter by kind and status, page through results.
//! The search lives in the address, so back from a detail page returns to the same list.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api;
use crate::model::{Enterprise, EnterpriseKind, EnterprisePage, LicenceState, OperatingStatus};
use crate::ui::{require_login, today, use_i18n, use_session, FailureNotice, I18n};

const PER_PAGE: i64 = 30;
/// Typing pauses this long before the list is asked for again.
const SEARCH_DELAY: Duration = Duration::from_millis(300);

#[component]
pub fn RosterPage() -> impl IntoView {
    require_login();
    let i18n = use_i18n();
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let param = move |name: &str| query.with(|map| map.get(name).unwrap_or_default());

    let text = RwSignal::new(param("q"));
    let typing = RwSignal::new(0u32);
    let go = move |q: String, kind: String, status: String, page: i64| {
        let page = if page > 1 {
            page.to_string()
        } else {
            String::new()
        };
        let search = api::query(&[("q", q), ("kind", kind), ("status", status), ("page", page)]);
        navigate(
            &format!("/{search}"),
            NavigateOptions {
                replace: true,
                ..Default::default()
            },
        );
    };
    let go = StoredValue::new(go);
    let on_text = move |event: leptos::ev::Event| {
        text.set(event_target_value(&event));
        let ticket = typing.get_untracked() + 1;
        typing.set(ticket);
        set_timeout(
            move || {
                if typing.get_untracked() == ticket {
                    go.with_value(|go| go(text.get_untracked(), param("kind"), param("status"), 1));
                }
            },
            SEARCH_DELAY,
        );
    };
    let on_kind = move |event: leptos::ev::Event| {
        go.with_value(|go| go(param("q"), event_target_value(&event), param("status"), 1));
    };
    let on_status = move |event: leptos::ev::Event| {
        go.with_value(|go| go(param("q"), param("kind"), event_target_value(&event), 1));
    };
    let turn_page = move |page: i64| {
        go.with_value(|go| go(param("q"), param("kind"), param("status"), page));
    };

    let results = LocalResource::new(move || {
        let search = api::query(&[
            ("q", param("q")),
            ("kind", param("kind")),
            ("status", param("status")),
            ("page", param("page")),
            ("per_page", PER_PAGE.to_string()),
        ]);
        async move { api::get::<EnterprisePage>(&format!("/api/v1/enterprises{search}")).await }
    });
    let can_edit = move || session.me.get().is_some_and(|me| me.role.can_edit_roster());

    view! {
        <section class="stack">
            <div class="title-row">
                <h1>{move || i18n.t("roster.title")}</h1>
                <Show when=can_edit>
                    <div class="actions">
                        <a class="button" href="/enterprises/import">{move || i18n.t("roster.import")}</a>
                        <a class="button primary" href="/enterprises/new">{move || i18n.t("roster.new")}</a>
                    </div>
                </Show>
            </div>
            <div class="filters">
                <input
                    type="search"
                    name="q"
                    data-testid="roster-search"
                    placeholder=move || i18n.t("roster.search_placeholder")
                    prop:value=text
                    on:input=on_text
                />
                <select name="kind" on:change=on_kind prop:value=move || param("kind")>
                    <option value="">{move || i18n.t("roster.all_kinds")}</option>
                    {EnterpriseKind::ALL
                        .into_iter()
                        .map(|kind| view! { <option value=kind.as_str()>{move || i18n.t(kind.label_key())}</option> })
                        .collect_view()}
                </select>
                <select name="status" on:change=on_status prop:value=move || param("status")>
                    <option value="">{move || i18n.t("roster.all_statuses")}</option>
                    {OperatingStatus::ALL
                        .into_iter()
                        .map(|status| view! { <option value=status.as_str()>{move || i18n.t(status.label_key())}</option> })
                        .collect_view()}
                </select>
            </div>
            <Transition fallback=move || view! { <p class="muted">{i18n.t("common.loading")}</p> }>
                {move || {
                    results
                        .get()
                        .map(|result| match result {
                            Ok(page) => view! { <ResultList page turn_page/> }.into_any(),
                            Err(failure) => view! { <FailureNotice failure/> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn ResultList(
    page: EnterprisePage,
    turn_page: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let last_page = (page.total + page.per_page - 1) / page.per_page;
    let current = page.page;
    let today = today();
    view! {
        <p class="muted" data-testid="roster-total">
            {move || i18n.lang().format("roster.total", &[("count", page.total.to_string())])}
        </p>
        <ul class="enterprise-list">
            {page
                .items
                .into_iter()
                .map(|enterprise| view! { <EnterpriseCard enterprise today/> })
                .collect_view()}
        </ul>
        <Show when=move || { last_page > 1 }>
            <nav class="pager">
                <button disabled=current <= 1 on:click=move |_| turn_page(current - 1)>
                    {move || i18n.t("roster.previous")}
                </button>
                <span>{format!("{current} / {last_page}")}</span>
                <button disabled=current >= last_page on:click=move |_| turn_page(current + 1)>
                    {move || i18n.t("roster.next")}
                </button>
            </nav>
        </Show>
    }
}

#[component]
fn EnterpriseCard(enterprise: Enterprise, today: chrono::NaiveDate) -> impl IntoView {
    let i18n = use_i18n();
    let href = format!("/enterprises/{}", enterprise.id);
    let licence = enterprise.licence_state(today);
    let Enterprise {
        name,
        credit_code,
        kind,
        status,
        office_name,
        ..
    } = enterprise;
    view! {
        <li>
            <a class="enterprise-card" href=href>
                <strong class="name">{name}</strong>
                <span class="code">{credit_code}</span>
                <span class="meta">
                    {move || i18n.t(kind.label_key())} " · " {move || i18n.t(status.label_key())} " · "
                    {office_name}
                </span>
                <LicenceBadge state=licence i18n/>
            </a>
        </li>
    }
}

/// A warning for a licence that has expired or expires within 30 days; nothing otherwise.
#[component]
pub fn LicenceBadge(state: LicenceState, i18n: I18n) -> impl IntoView {
    let (class, key) = match state {
        LicenceState::Expired => ("badge danger", "licence.expired"),
        LicenceState::ExpiringSoon => ("badge warning", "licence.expiring"),
        LicenceState::Valid | LicenceState::None => return ().into_any(),
    };
    view! { <span class=class>{move || i18n.t(key)}</span> }.into_any()
}
