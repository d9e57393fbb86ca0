//! What every page shares: the language switch, the signed-in user, the header and small widgets.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::api::{self, ApiFailure};
use crate::field::sync::{use_sync, SyncState};
use crate::i18n::{Lang, LANG_COOKIE};
use crate::model::{FieldError, Me, Office};

/// The interface language, switchable at any time; pages read it through [`I18n::t`].
#[derive(Clone, Copy)]
pub struct I18n(pub RwSignal<Lang>);

impl I18n {
    pub fn provide() -> Self {
        let i18n = I18n(RwSignal::new(initial_lang()));
        provide_context(i18n);
        i18n
    }

    /// The sentence for `key` in the current language (reactive).
    pub fn t(self, key: &str) -> &'static str {
        self.0.get().t(key)
    }

    pub fn lang(self) -> Lang {
        self.0.get()
    }

    /// Switches and remembers the choice in a cookie, which the server reads for its messages.
    pub fn switch(self, lang: Lang) {
        self.0.set(lang);
        remember_lang(lang);
    }
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// The language the server rendered with: the switch's cookie, Chinese otherwise.
#[cfg(feature = "ssr")]
pub(crate) fn initial_lang() -> Lang {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get_all(http::header::COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .find_map(Lang::from_cookie_header)
        })
        .unwrap_or_default()
}

/// The same choice read back in the browser, so hydration sees what the server rendered.
#[cfg(not(feature = "ssr"))]
pub(crate) fn initial_lang() -> Lang {
    document_cookie()
        .and_then(|cookie| Lang::from_cookie_header(&cookie))
        .unwrap_or_default()
}

#[cfg(not(feature = "ssr"))]
fn document_cookie() -> Option<String> {
    use wasm_bindgen::JsCast;
    let document = web_sys::window()?.document()?;
    document
        .dyn_into::<web_sys::HtmlDocument>()
        .ok()?
        .cookie()
        .ok()
}

fn remember_lang(lang: Lang) {
    use wasm_bindgen::JsCast;
    let document = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.dyn_into::<web_sys::HtmlDocument>().ok());
    if let Some(document) = document {
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        );
        // A refused cookie only means the choice is not remembered across visits.
        let _ = document.set_cookie(&cookie);
    }
}

/// Who is signed in; `checked` turns true once the server (or the lack of one) has answered.
#[derive(Clone, Copy)]
pub struct Session {
    pub me: RwSignal<Option<Me>>,
    pub checked: RwSignal<bool>,
}

impl Session {
    pub fn provide() -> Self {
        let session = Session {
            me: RwSignal::new(None),
            checked: RwSignal::new(false),
        };
        provide_context(session);
        Effect::new(move |_| {
            spawn_local(async move {
                match api::get::<Me>("/api/v1/me").await {
                    Ok(me) => session.signed_in(me),
                    Err(failure) if failure.is_unauthenticated() => session.signed_out(),
                    // Offline, or the server failing: the inspector is still who they were when
                    // last online.
                    Err(_) => session.me.set(remembered_user()),
                }
                session.checked.set(true);
            });
        });
        session
    }

    /// Where "home" leads (reactively): the field for inspectors, the roster for the office and
    /// for anyone not signed in.
    pub fn home_page(self) -> &'static str {
        self.me
            .with(|me| me.as_ref().map_or("/", |me| me.role.home_page()))
    }

    pub fn signed_in(self, me: Me) {
        remember_user(Some(&me));
        self.me.set(Some(me));
    }

    pub fn signed_out(self) {
        remember_user(None);
        self.me.set(None);
    }
}

/// The signed-in user's profile is kept in the browser so the app knows them offline.
const USER_KEY: &str = "steelcheck.user";

pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn remember_user(me: Option<&Me>) {
    let Some(storage) = local_storage() else {
        return;
    };
    // Storage that refuses writes only costs the offline profile, never the session itself.
    let _ = match me.and_then(|me| serde_json::to_string(me).ok()) {
        Some(json) => storage.set_item(USER_KEY, &json),
        None => storage.remove_item(USER_KEY),
    };
}

fn remembered_user() -> Option<Me> {
    let json = local_storage()?.get_item(USER_KEY).ok()??;
    serde_json::from_str(&json).ok()
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Sends a visitor who is not signed in to the login page, once the session check has answered.
pub fn require_login() {
    let session = use_session();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if session.checked.get() && session.me.get().is_none() {
            navigate("/login", NavigateOptions::default());
        }
    });
}

/// A failed call in words: the server's message, or that it could not be reached.
pub fn failure_text(i18n: I18n, failure: &ApiFailure) -> String {
    match failure {
        ApiFailure::Refused { body, .. } => body.message.clone(),
        ApiFailure::Unreachable => i18n.t("error.unreachable").to_string(),
    }
}

/// The per-field or per-row details behind a refusal.
pub fn failure_details(failure: &ApiFailure) -> Vec<FieldError> {
    match failure {
        ApiFailure::Refused { body, .. } => body.details.clone(),
        ApiFailure::Unreachable => Vec::new(),
    }
}

#[component]
pub fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let logout = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            // Even if the server cannot be reached the local sign-out must happen.
            let _ = api::post_empty("/api/v1/auth/logout").await;
            session.signed_out();
            navigate("/login", NavigateOptions::default());
        });
    };
    let user_line = move || {
        session.me.get().map(|me| {
            let office = me.office.map(|office| office.name).unwrap_or_default();
            format!("{} · {} {}", me.name, i18n.t(me.role.label_key()), office)
        })
    };
    view! {
        <header class="app-header">
            <a class="brand" href=move || session.home_page()>{move || i18n.t("app.name")}</a>
            <span class="user-line" data-testid="user-line">{user_line}</span>
            <nav class="app-nav">
                <a href="/">{move || i18n.t("nav.roster")}</a>
                <a href="/field">{move || i18n.t("nav.field")}</a>
            </nav>
            <div class="header-actions">
                <LangSwitch/>
                <Show when=move || session.me.get().is_some()>
                    <button class="link-button" on:click=logout.clone()>{move || i18n.t("auth.logout")}</button>
                </Show>
            </div>
            <SyncBar/>
        </header>
    }
}

/// "N not uploaded" and what the sync loop is doing, on every page: for the signed-in user,
/// and for anyone while inspections wait on this phone.
#[component]
fn SyncBar() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let waiting = move || sync.not_uploaded.get() > 0;
    let shown = move || session.me.with(Option::is_some) || waiting();
    let count = move || {
        i18n.lang().format(
            "field.not_uploaded",
            &[("count", sync.not_uploaded.get().to_string())],
        )
    };
    let status = move || match sync.state.get() {
        SyncState::Syncing => i18n.t("outbox.syncing").to_string(),
        SyncState::Waiting { retry_at } => i18n
            .lang()
            .format("outbox.waiting", &[("time", local_time(retry_at))]),
        SyncState::LoginNeeded => i18n.t("outbox.login_needed").to_string(),
        SyncState::Idle => match sync.last_synced.get() {
            Some(at) => i18n
                .lang()
                .format("outbox.synced_at", &[("time", local_time(at))]),
            None => i18n.t("outbox.never_synced").to_string(),
        },
    };
    view! {
        <Show when=shown>
            <div class="sync-bar">
                <Show when=move || sync.counted.get()>
                    <span class="badge" class:warning=waiting data-testid="not-uploaded">
                        {count}
                    </span>
                </Show>
                <span role="status" data-testid="sync-status" data-state=move || sync.state.get().name()>
                    {status}
                </span>
                <Show when=move || sync.state.get() == SyncState::LoginNeeded>
                    <a href="/login" data-testid="sync-login">{move || i18n.t("outbox.log_in")}</a>
                </Show>
            </div>
        </Show>
    }
}

#[component]
fn LangSwitch() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="lang-switch" role="group" aria-label="language">
            {Lang::ALL
                .into_iter()
                .map(|lang| {
                    view! {
                        <button
                            class="link-button"
                            class:active=move || i18n.lang() == lang
                            on:click=move |_| i18n.switch(lang)
                        >
                            {lang.t("lang.self")}
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// A problem shown above a form or list, with its details as a list.
#[component]
pub fn FailureNotice(failure: ApiFailure) -> impl IntoView {
    let i18n = use_i18n();
    let message = failure_text(i18n, &failure);
    let details = failure_details(&failure);
    view! {
        <div class="notice error" role="alert">
            <p>{message}</p>
            <Show when={
                let empty = details.is_empty();
                move || !empty
            }>
                <ul class="details">
                    {details
                        .clone()
                        .into_iter()
                        .map(|detail| view! { <li>{detail_text(i18n, &detail)}</li> })
                        .collect_view()}
                </ul>
            </Show>
        </div>
    }
}

/// The task force's choice of office, from the offices the server lets them pick.
#[component]
pub fn OfficeSelect(
    name: &'static str,
    selected: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let offices = LocalResource::new(|| async { api::get::<Vec<Office>>("/api/v1/offices").await });
    view! {
        <label>
            {move || i18n.t("column.office_code")}
            <select name=name prop:value=selected on:change=move |event| selected.set(event_target_value(&event))>
                <option value="">{move || i18n.t("form.pick_office")}</option>
                {move || {
                    offices
                        .get()
                        .and_then(Result::ok)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|office| view! { <option value=office.code.clone()>{office.name}</option> })
                        .collect_view()
                }}
            </select>
            {move || error.get().map(|message| view! { <span class="field-error">{message}</span> })}
        </label>
    }
}

/// "Row 3 · Credit code: …" in the current language.
pub fn detail_text(i18n: I18n, detail: &FieldError) -> String {
    let field = i18n.t(&format!("column.{}", detail.field));
    match detail.row {
        Some(row) => format!(
            "{} · {}: {}",
            i18n.lang()
                .format("import.row", &[("row", row.to_string())]),
            field,
            detail.message
        ),
        None => format!("{field}: {}", detail.message),
    }
}

/// "14:05": a moment as the phone's clock shows it (in its own time zone).
pub fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    let date = phone_date(at);
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// "2026-11-28 14:05": a moment as the phone's clock shows it, with its date.
pub fn local_date_time(at: chrono::DateTime<chrono::Utc>) -> String {
    let date = phone_date(at);
    format!(
        "{}-{:02}-{:02} {}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        local_time(at)
    )
}

fn phone_date(at: chrono::DateTime<chrono::Utc>) -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ))
}

/// `value` rounded to `places` decimals ("12.3"). Integer arithmetic on purpose: Rust's float
/// formatting (`{:.1}`) would add its own code and tables to the browser build.
pub fn decimal(value: f64, places: u32) -> String {
    let scale = 10_u64.pow(places);
    let scaled = (value * scale as f64).round() as i64;
    let sign = if scaled < 0 { "-" } else { "" };
    let (whole, fraction) = (scaled.unsigned_abs() / scale, scaled.unsigned_abs() % scale);
    match places {
        0 => format!("{sign}{whole}"),
        _ => format!("{sign}{whole}.{fraction:0width$}", width = places as usize),
    }
}

/// Today in the user's time zone, for licence warnings.
pub fn today() -> chrono::NaiveDate {
    let now = js_sys::Date::new_0();
    chrono::NaiveDate::from_ymd_opt(
        now.get_full_year() as i32,
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimal_rounds_to_its_places() {
        assert_eq!(decimal(12.34, 1), "12.3");
        assert_eq!(decimal(0.05, 1), "0.1");
        assert_eq!(decimal(3.0, 1), "3.0");
        assert_eq!(decimal(116.397128, 6), "116.397128");
        assert_eq!(decimal(39.9, 6), "39.900000");
        assert_eq!(decimal(-0.000001, 6), "-0.000001");
        assert_eq!(decimal(-12.5, 1), "-12.5");
        assert_eq!(decimal(171.6, 0), "172");
    }
}
