//! Create or edit an enterprise (office heads and the task force). The server checks everything
//! again; its field messages are shown next to the fields they concern.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;

use crate::api::{self, ApiFailure};
use crate::model::{Enterprise, EnterpriseInput, EnterpriseKind, Location, OperatingStatus, Role};
use crate::ui::{
    failure_details, require_login, use_i18n, use_session, FailureNotice, OfficeSelect,
};

/// The form's fields as typed, before they become an [`EnterpriseInput`].
#[derive(Clone, Copy)]
struct Fields {
    office_code: RwSignal<String>,
    name: RwSignal<String>,
    credit_code: RwSignal<String>,
    address: RwSignal<String>,
    kind: RwSignal<String>,
    licence_no: RwSignal<String>,
    licence_scope: RwSignal<String>,
    licence_expiry: RwSignal<String>,
    status: RwSignal<String>,
    lat: RwSignal<String>,
    lng: RwSignal<String>,
    notes: RwSignal<String>,
}

impl Fields {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        Fields {
            office_code: text(),
            name: text(),
            credit_code: text(),
            address: text(),
            kind: RwSignal::new(EnterpriseKind::SteelMaking.as_str().to_string()),
            licence_no: text(),
            licence_scope: text(),
            licence_expiry: text(),
            status: RwSignal::new(OperatingStatus::Operating.as_str().to_string()),
            lat: text(),
            lng: text(),
            notes: text(),
        }
    }

    fn fill(self, enterprise: &Enterprise) {
        let optional = |value: &Option<String>| value.clone().unwrap_or_default();
        self.office_code.set(enterprise.office_code.clone());
        self.name.set(enterprise.name.clone());
        self.credit_code.set(enterprise.credit_code.clone());
        self.address.set(enterprise.address.clone());
        self.kind.set(enterprise.kind.as_str().to_string());
        self.licence_no.set(optional(&enterprise.licence_no));
        self.licence_scope.set(optional(&enterprise.licence_scope));
        self.licence_expiry.set(
            enterprise
                .licence_expiry
                .map(|date| date.to_string())
                .unwrap_or_default(),
        );
        self.status.set(enterprise.status.as_str().to_string());
        self.lat.set(
            enterprise
                .location
                .map(|at| coordinate_text(at.lat))
                .unwrap_or_default(),
        );
        self.lng.set(
            enterprise
                .location
                .map(|at| coordinate_text(at.lng))
                .unwrap_or_default(),
        );
        self.notes.set(enterprise.notes.clone());
    }

    /// The input to send, or the key of what the browser can already tell is wrong.
    fn input(self) -> Result<EnterpriseInput, (&'static str, &'static str)> {
        let text = |signal: RwSignal<String>| signal.get_untracked().trim().to_string();
        let optional =
            |signal: RwSignal<String>| Some(text(signal)).filter(|value| !value.is_empty());
        let licence_expiry = optional(self.licence_expiry)
            .map(|date| {
                date.parse()
                    .map_err(|_| ("licence_expiry", "import.bad_date"))
            })
            .transpose()?;
        let location = match (optional(self.lat), optional(self.lng)) {
            (None, None) => None,
            (Some(lat), Some(lng)) => Some(Location {
                lat: lat
                    .parse()
                    .map_err(|_| ("location", "validation.location"))?,
                lng: lng
                    .parse()
                    .map_err(|_| ("location", "validation.location"))?,
            }),
            _ => return Err(("location", "validation.location_pair")),
        };
        Ok(EnterpriseInput {
            office_code: optional(self.office_code),
            name: text(self.name),
            credit_code: text(self.credit_code),
            address: text(self.address),
            kind: EnterpriseKind::parse(&text(self.kind)).unwrap_or(EnterpriseKind::SteelMaking),
            licence_no: optional(self.licence_no),
            licence_scope: optional(self.licence_scope),
            licence_expiry,
            status: OperatingStatus::parse(&text(self.status))
                .unwrap_or(OperatingStatus::Operating),
            location,
            notes: text(self.notes),
        })
    }
}

/// A coordinate as it was stored, every digit kept (JavaScript's number formatting: Rust's
/// would add its float formatting code to the browser build).
fn coordinate_text(value: f64) -> String {
    js_sys::Number::from(value)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

#[component]
pub fn EnterpriseFormPage() -> impl IntoView {
    require_login();
    let i18n = use_i18n();
    let session = use_session();
    let params = use_params_map();
    let navigate = use_navigate();
    let editing_id = move || params.with(|map| map.get("id"));
    let fields = Fields::new();
    let failure = RwSignal::new(None::<ApiFailure>);
    let local_problem = RwSignal::new(None::<(&'static str, &'static str)>);
    let busy = RwSignal::new(false);

    let existing = LocalResource::new(move || {
        let id = editing_id();
        async move {
            match id {
                Some(id) => api::get::<Enterprise>(&format!("/api/v1/enterprises/{id}"))
                    .await
                    .map(Some),
                None => Ok(None),
            }
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(Some(enterprise))) = existing.get() {
            fields.fill(&enterprise);
        }
    });
    let is_taskforce = move || {
        session
            .me
            .get()
            .is_some_and(|me| me.role == Role::Taskforce)
    };

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let input = match fields.input() {
            Ok(input) => input,
            Err(problem) => {
                local_problem.set(Some(problem));
                return;
            }
        };
        local_problem.set(None);
        busy.set(true);
        let navigate = navigate.clone();
        let id = editing_id();
        spawn_local(async move {
            let saved = match &id {
                Some(id) => {
                    api::put::<_, Enterprise>(&format!("/api/v1/enterprises/{id}"), &input).await
                }
                None => api::post::<_, Enterprise>("/api/v1/enterprises", &input).await,
            };
            busy.set(false);
            match saved {
                Ok(enterprise) => navigate(
                    &format!("/enterprises/{}", enterprise.id),
                    NavigateOptions::default(),
                ),
                Err(error) => failure.set(Some(error)),
            }
        });
    };

    let error_for = move |field: &'static str| {
        let from_server = failure.with(|failure| {
            failure.as_ref().and_then(|failure| {
                failure_details(failure)
                    .into_iter()
                    .find(|detail| detail.field == field)
                    .map(|detail| detail.message)
            })
        });
        let from_browser = local_problem
            .get()
            .filter(|(problem_field, _)| *problem_field == field)
            .map(|(_, key)| i18n.t(key).to_string());
        from_browser.or(from_server)
    };
    let text_field = move |field: &'static str,
                           signal: RwSignal<String>,
                           input_type: &'static str| {
        view! {
            <label>
                {move || i18n.t(&format!("column.{field}"))}
                <input
                    name=field
                    type=input_type
                    prop:value=signal
                    on:input=move |event| signal.set(event_target_value(&event))
                />
                {move || error_for(field).map(|message| view! { <span class="field-error">{message}</span> })}
            </label>
        }
    };

    view! {
        <section class="card stack">
            <h1>{move || i18n.t(if editing_id().is_some() { "form.edit_title" } else { "form.new_title" })}</h1>
            {move || failure.get().map(|failure| view! { <FailureNotice failure/> })}
            <form on:submit=submit class="stack">
                <Show when=is_taskforce>
                    <OfficeSelect name="office_code" selected=fields.office_code error=Signal::derive(move || error_for("office_code"))/>
                </Show>
                {text_field("name", fields.name, "text")}
                {text_field("credit_code", fields.credit_code, "text")}
                {text_field("address", fields.address, "text")}
                <label>
                    {move || i18n.t("column.kind")}
                    <select name="kind" prop:value=fields.kind on:change=move |event| fields.kind.set(event_target_value(&event))>
                        {EnterpriseKind::ALL
                            .into_iter()
                            .map(|kind| view! { <option value=kind.as_str()>{move || i18n.t(kind.label_key())}</option> })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    {move || i18n.t("column.status")}
                    <select name="status" prop:value=fields.status on:change=move |event| fields.status.set(event_target_value(&event))>
                        {OperatingStatus::ALL
                            .into_iter()
                            .map(|status| view! { <option value=status.as_str()>{move || i18n.t(status.label_key())}</option> })
                            .collect_view()}
                    </select>
                </label>
                {text_field("licence_no", fields.licence_no, "text")}
                {text_field("licence_scope", fields.licence_scope, "text")}
                {text_field("licence_expiry", fields.licence_expiry, "date")}
                <div class="pair">
                    {text_field("lat", fields.lat, "text")}
                    {text_field("lng", fields.lng, "text")}
                </div>
                {move || error_for("location").map(|message| view! { <span class="field-error">{message}</span> })}
                {text_field("notes", fields.notes, "text")}
                <button type="submit" class="primary" disabled=busy>{move || i18n.t("common.save")}</button>
            </form>
        </section>
    }
}
