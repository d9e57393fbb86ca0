//! Upload a roster file (CSV or XLSX). Every bad row is listed with its number and reason;
//! a good file creates or updates all its rows at once.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiFailure};
use crate::model::{ImportReport, Role};
use crate::ui::{
    detail_text, failure_details, failure_text, require_login, use_i18n, use_session, OfficeSelect,
};

#[component]
pub fn RosterImportPage() -> impl IntoView {
    require_login();
    let i18n = use_i18n();
    let session = use_session();
    let office = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<ImportReport, ApiFailure>>);
    let busy = RwSignal::new(false);
    let file_input = NodeRef::<leptos::html::Input>::new();
    let is_taskforce = move || {
        session
            .me
            .get()
            .is_some_and(|me| me.role == Role::Taskforce)
    };

    let upload = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let file = file_input
            .get()
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        let Some(file) = file else {
            outcome.set(Some(Err(ApiFailure::Refused {
                status: 400,
                body: crate::model::ApiErrorBody {
                    error: "no_file".into(),
                    message: i18n.t("import.pick_file").to_string(),
                    ..Default::default()
                },
            })));
            return;
        };
        busy.set(true);
        outcome.set(None);
        let path = format!(
            "/api/v1/enterprises/import{}",
            api::query(&[("office", office.get_untracked())])
        );
        spawn_local(async move {
            let result = api::post_file::<ImportReport>(&path, &file).await;
            outcome.set(Some(result));
            busy.set(false);
        });
    };

    view! {
        <section class="card stack">
            <h1>{move || i18n.t("import.title")}</h1>
            <p class="muted">{move || i18n.t("import.help")}</p>
            <form on:submit=upload class="stack">
                <Show when=is_taskforce>
                    <OfficeSelect name="office" selected=office error=Signal::derive(|| None::<String>)/>
                </Show>
                <label>
                    {move || i18n.t("import.file")}
                    <input
                        type="file"
                        name="file"
                        accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                        node_ref=file_input
                    />
                </label>
                <button type="submit" class="primary" disabled=busy>{move || i18n.t("import.submit")}</button>
            </form>
            {move || outcome.get().map(|outcome| match outcome {
                Ok(report) => view! {
                    <div class="notice success" role="status" data-testid="import-report">
                        {i18n.lang().format("import.done", &[
                            ("created", report.created.to_string()),
                            ("updated", report.updated.to_string()),
                        ])}
                    </div>
                }.into_any(),
                Err(failure) => {
                    let details = failure_details(&failure);
                    view! {
                        <div class="notice error" role="alert" data-testid="import-errors">
                            <p>{failure_text(i18n, &failure)}</p>
                            <ul class="details">
                                {details.iter().map(|detail| view! { <li>{detail_text(i18n, detail)}</li> }).collect_view()}
                            </ul>
                        </div>
                    }.into_any()
                }
            })}
        </section>
    }
}
