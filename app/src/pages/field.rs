//! The inspector's start page in the field: pick an enterprise from the phone's copy of the
//! roster (it works with no signal), and see the inspections kept on the phone and how far each
//! is on its way to the server.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use crate::field::draft::DraftWriter;
use crate::field::photo::{self, PhotoSize};
use crate::field::store::{self, StoreError};
use crate::field::sync::{self, use_sync, Progress, SyncState};
use crate::field::{new_id, now};
use crate::model::inspection::{DraftStatus, EnterpriseSnapshot, Inspection};
use crate::model::sync::FollowUp;
use crate::model::Enterprise;
use crate::ui::{decimal, local_date_time, require_login, today, use_i18n, use_session, I18n};

/// At most this many roster matches are listed; typing narrows them down.
const MATCHES_SHOWN: usize = 20;

#[component]
pub fn FieldPage() -> impl IntoView {
    require_login();
    let i18n = use_i18n();
    let session = use_session();
    let sync = use_sync();
    let navigate = use_navigate();
    let roster = RwSignal::new(Vec::<Enterprise>::new());
    let drafts = RwSignal::new(Vec::<Inspection>::new());
    let search = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<String>);
    let storage = RwSignal::new(None::<String>);
    // The setting lives in the browser; the server renders the default.
    let photo_size = RwSignal::new(PhotoSize::default());
    Effect::new(move |_| photo_size.set(photo::saved_size()));

    // The sync loop brings roster changes; each finished pass may have stored some.
    Effect::new(move |_| {
        sync.last_synced.track();
        spawn_local(async move {
            match store::roster().await {
                Ok(mut enterprises) => {
                    enterprises.sort_by(|a, b| a.name.cmp(&b.name));
                    roster.set(enterprises);
                }
                Err(error) => notice.set(Some(store_problem(i18n, &error))),
            }
        });
    });
    Effect::new(move |_| {
        sync.inspections_changed.track();
        spawn_local(async move {
            match store::drafts().await {
                Ok(mut found) => {
                    found.sort_by_key(|draft| std::cmp::Reverse(draft.started_at));
                    drafts.set(found);
                }
                // Not "no drafts": what the phone holds could not be read, which is not the same.
                Err(error) => notice.set(Some(store_problem(i18n, &error))),
            }
        });
    });
    Effect::new(move |_| {
        spawn_local(async move { storage.set(storage_text(i18n).await) });
    });
    let offline = move || matches!(sync.state.get(), SyncState::Waiting { .. });

    let matches = Memo::new(move |_| {
        let text = search.get().trim().to_ascii_lowercase();
        roster.with(|enterprises| {
            enterprises
                .iter()
                .filter(|e| {
                    text.is_empty()
                        || e.name.to_ascii_lowercase().contains(&text)
                        || e.credit_code.to_ascii_lowercase().contains(&text)
                })
                .take(MATCHES_SHOWN)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let start = move |enterprise: Enterprise| {
        let Some(me) = session.me.get_untracked() else {
            return;
        };
        let navigate = navigate.clone();
        let snapshot = EnterpriseSnapshot {
            id: enterprise.id,
            holds_licence: enterprise.licence_no.is_some(),
            name: enterprise.name,
            credit_code: enterprise.credit_code,
            office_code: enterprise.office_code,
            kind: enterprise.kind,
        };
        let inspection = Inspection::start(new_id(), snapshot, &me.username, now());
        spawn_local(async move {
            match store::save_draft(&inspection).await {
                Ok(()) => navigate(
                    &format!("/inspect?id={}", inspection.id),
                    NavigateOptions::default(),
                ),
                Err(error) => notice.set(Some(store_problem(i18n, &error))),
            }
        });
    };
    let remove = move |id: String| {
        let confirmed = window()
            .confirm_with_message(i18n.t("field.confirm_delete"))
            .unwrap_or(false);
        if confirmed {
            let evidence: Vec<String> = drafts.with_untracked(|all| {
                all.iter()
                    .filter(|draft| draft.id.to_string() == id)
                    .flat_map(Inspection::evidence)
                    .collect()
            });
            if let Ok(id) = id.parse() {
                DraftWriter::discard(id);
            }
            spawn_local(async move {
                let deleted = match store::delete_draft(&id).await {
                    Ok(()) => {
                        let unsaved = DraftWriter::copies_being_written();
                        store::delete_unreferenced_blobs(evidence, &unsaved).await
                    }
                    Err(error) => Err(error),
                };
                if let Err(error) = deleted {
                    notice.set(Some(store_problem(i18n, &error)));
                }
                sync.changed();
            });
        }
    };

    view! {
        <section class="stack">
            <div class="title-row">
                <h1>{move || i18n.t("field.title")}</h1>
                <button
                    class="primary"
                    data-testid="sync-now"
                    disabled=move || sync.state.get() == SyncState::Syncing
                    on:click=move |_| sync.run_now()
                >
                    {move || i18n.t("outbox.sync_now")}
                </button>
            </div>
            {move || notice.get().map(|text| view! { <p class="notice warning" role="status">{text}</p> })}
            <Show when=offline>
                <p class="notice warning" role="status">{move || i18n.t("field.offline_copy")}</p>
            </Show>
            <div class="card stack">
                <h2>{move || i18n.t("field.start")}</h2>
                <input
                    type="search"
                    data-testid="field-search"
                    placeholder=move || i18n.t("roster.search_placeholder")
                    prop:value=search
                    on:input=move |event| search.set(event_target_value(&event))
                />
                <ul class="enterprise-list">
                    <For each=move || matches.get() key=|enterprise| enterprise.id let:enterprise>
                        {
                            let start = start.clone();
                            let chosen = enterprise.clone();
                            view! {
                                <li>
                                    <button class="enterprise-card" on:click=move |_| start(chosen.clone())>
                                        <strong class="name">{enterprise.name}</strong>
                                        <span class="code">{enterprise.credit_code}</span>
                                    </button>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </div>
            <div class="card stack">
                <h2>{move || i18n.t("field.drafts")}</h2>
                <Show when=move || drafts.with(Vec::is_empty)>
                    <p class="muted">{move || i18n.t("field.no_drafts")}</p>
                </Show>
                <ul class="enterprise-list" data-testid="drafts">
                    <For each=move || drafts.get() key=|draft| (draft.id, draft.revision, draft.status) let:draft>
                        <DraftRow draft remove/>
                    </For>
                </ul>
            </div>
            <label class="card">
                {move || i18n.t("photo.size")}
                <select
                    name="photo_size"
                    prop:value=move || photo_size.get().as_str()
                    on:change=move |event| {
                        if let Some(size) = PhotoSize::parse(&event_target_value(&event)) {
                            photo::save_size(size);
                            photo_size.set(size);
                        }
                    }
                >
                    {PhotoSize::ALL
                        .into_iter()
                        .map(|size| view! { <option value=size.as_str()>{move || i18n.t(size.label_key())}</option> })
                        .collect_view()}
                </select>
            </label>
            <FollowUpList/>
            <KeepSentSetting/>
            {move || storage.get().map(|text| view! { <p class="muted" data-testid="storage">{text}</p> })}
        </section>
    }
}

/// The office's rectification deadlines and follow-up visits, soonest first, as of the last
/// pull: where the inspector is due next, with no network.
#[component]
fn FollowUpList() -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let follow_ups = RwSignal::new(Vec::<FollowUp>::new());
    Effect::new(move |_| {
        sync.last_synced.track();
        spawn_local(async move {
            if let Ok(found) = sync::follow_ups().await {
                follow_ups.set(found);
            }
        });
    });
    let row = move |follow_up: FollowUp| {
        let overdue = follow_up.deadline < today();
        let measures = follow_up
            .measures
            .iter()
            .map(|measure| i18n.t(measure.label_key()).to_string())
            .collect::<Vec<_>>()
            .join(" · ");
        view! {
            <li class="enterprise-card" class:overdue=overdue>
                <strong class="name">{follow_up.enterprise_name}</strong>
                <span class="meta">{follow_up.item_code} " · " {follow_up.deadline.to_string()}</span>
                <span class="meta">{measures}</span>
            </li>
        }
    };
    view! {
        <Show when=move || follow_ups.with(|all| !all.is_empty())>
            <div class="card stack">
                <h2>{move || i18n.t("field.follow_ups")}</h2>
                <ul class="enterprise-list" data-testid="follow-ups">
                    {move || follow_ups.get().into_iter().map(row).collect_view()}
                </ul>
            </div>
        </Show>
    }
    .into_any()
}

/// How long uploaded inspections and their photos stay on the phone after the server has them.
#[component]
fn KeepSentSetting() -> impl IntoView {
    let i18n = use_i18n();
    let days = RwSignal::new(None::<u32>);
    Effect::new(move |_| {
        spawn_local(async move { days.set(sync::keep_sent_days().await.ok()) });
    });
    let choose = move |event| {
        if let Ok(chosen) = event_target_value(&event).parse::<u32>() {
            days.set(Some(chosen));
            // The choice only shows again after a reload if it could not be stored.
            spawn_local(async move {
                let _ = sync::set_keep_sent_days(chosen).await;
            });
        }
    };
    view! {
        <label class="card">
            {move || i18n.t("outbox.keep_sent")}
            <select name="keep_sent_days" prop:value=move || days.get().map(|d| d.to_string()).unwrap_or_default() on:change=choose>
                {sync::KEEP_SENT_DAYS_CHOICES
                    .into_iter()
                    .map(|choice| {
                        let label = move || i18n.lang().format("outbox.keep_days", &[("days", choice.to_string())]);
                        view! { <option value=choice.to_string()>{label}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
    .into_any()
}

/// One inspection on the phone: where it stands with the server, live while it uploads.
#[component]
fn DraftRow(
    draft: Inspection,
    remove: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let sync = use_sync();
    let id = draft.id.to_string();
    let stored = Progress::of(&draft);
    let progress = Memo::new(move |_| {
        sync.progress
            .with(|all| all.get(&draft.id).cloned())
            .unwrap_or_else(|| stored.clone())
    });
    let started = local_date_time(draft.started_at);
    // Sent ones belong to the server now; a reviewer may still return them for correction.
    let editable = draft.status != DraftStatus::Sent;
    let comment = draft
        .server_message
        .clone()
        .filter(|_| draft.status == DraftStatus::Draft);
    view! {
        <li class="enterprise-card">
            <strong class="name">{draft.enterprise.name.clone()}</strong>
            <span class="meta">{started}</span>
            <span class="badge sync-state" data-testid="sync-state" data-state=move || progress.with(Progress::name)>
                {move || i18n.t(progress.with(Progress::label_key))}
            </span>
            {move || match progress.get() {
                Progress::Uploading { sent, total } => Some(view! {
                    <progress data-testid="upload-progress" max=total.max(1) value=sent></progress>
                    <span class="meta">
                        {move || i18n.lang().format("outbox.uploaded_bytes", &[("sent", megabytes(sent as f64)), ("total", megabytes(total as f64))])}
                    </span>
                }.into_any()),
                Progress::Refused(message) => Some(view! {
                    <p class="notice error">{move || i18n.lang().format("outbox.refused", &[("message", message.clone())])}</p>
                }.into_any()),
                _ => None,
            }}
            {comment.map(|comment| view! {
                <p class="notice warning">{move || i18n.lang().format("outbox.returned", &[("comment", comment.clone())])}</p>
            })}
            <div class="actions">
                <Show when=move || editable>
                    <a class="button" href=format!("/inspect?id={id}")>{move || i18n.t("field.resume")}</a>
                </Show>
                <button on:click={
                    let id = draft.id.to_string();
                    move |_| remove(id.clone())
                }>{move || i18n.t("field.delete")}</button>
            </div>
        </li>
    }
    .into_any()
}

fn store_problem(i18n: I18n, error: &StoreError) -> String {
    i18n.t(error.message_key()).to_string()
}

/// Asks the browser to keep this site's data (drafts, photos) under storage pressure, and says
/// how much storage is used and left.
async fn storage_text(i18n: I18n) -> Option<String> {
    use wasm_bindgen_futures::JsFuture;
    let manager = window().navigator().storage();
    if let Ok(promise) = manager.persist() {
        // A refusal only means the browser may evict data under pressure; nothing to show for it.
        let _ = JsFuture::from(promise).await;
    }
    let estimate: web_sys::StorageEstimate =
        JsFuture::from(manager.estimate().ok()?).await.ok()?.into();
    let used = estimate.get_usage().unwrap_or(0.0);
    let quota = estimate.get_quota();
    let left = quota.map_or(0.0, |quota| quota - used);
    Some(i18n.lang().format(
        "field.storage",
        &[("used", megabytes(used)), ("left", megabytes(left))],
    ))
}

/// Bytes as megabytes with one decimal, as the storage line and the upload progress show them.
fn megabytes(bytes: f64) -> String {
    decimal(bytes / 1_048_576.0, 1)
}
