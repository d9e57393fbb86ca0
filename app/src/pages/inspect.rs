//! One inspection on the phone: header, checklist answers, findings and measures, the site
//! representative's signature. Every change is saved to the phone at once; "submit" checks the
//! rules and moves the inspection to the outbox. The page is a shell the server renders without
//! user data (the draft's id is in the query), so the cached copy serves any draft offline.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::field::draft::{DraftView, DraftWriter, SaveState};
use crate::field::store::{self, StoreError};
use crate::field::sync::{use_sync, COLLEAGUES};
use crate::field::{evidence, now};
use crate::i18n::Lang;
use crate::model::account::Colleague;
use crate::model::checklist::{Checklist, ChecklistItem};
use crate::model::inspection::{
    Answer, DraftStatus, Finding, Inspection, Measure, PhotoInfo, Place, Problem, Severity,
};
use crate::model::OperatingStatus;
use crate::pages::item_photos::{photos_of, ItemPhotos, PhotoSink};
use crate::ui::{require_login, today, use_i18n};

/// The draft the form shows; `Copy`, so every handler can hold it. Work that goes on after an
/// await takes the `writer()` first, since the form may be gone when it resumes.
#[derive(Clone, Copy)]
struct Draft {
    inspection: RwSignal<Option<Inspection>>,
    state: RwSignal<SaveState>,
    writer: StoredValue<DraftWriter>,
}

impl Draft {
    fn new() -> Self {
        let view = DraftView::new();
        Draft {
            inspection: view.shown,
            state: view.state,
            writer: StoredValue::new(DraftWriter::default()),
        }
    }

    fn view(self) -> DraftView {
        DraftView {
            shown: self.inspection,
            state: self.state,
        }
    }

    fn writer(self) -> DraftWriter {
        self.writer.get_value()
    }

    fn change(self, edit: impl FnOnce(&mut Inspection)) {
        self.writer.with_value(|writer| writer.change(edit));
    }

    /// A change after which the draft no longer names the bytes `edit` returns.
    fn change_releasing(self, edit: impl FnOnce(&mut Inspection) -> Vec<String>) {
        self.writer
            .with_value(|writer| writer.change_releasing(edit));
    }

    /// Takes photos into the draft as they are stored, whether or not the form is still there.
    fn photo_sink(self) -> PhotoSink {
        let writer = self.writer();
        Arc::new(move |info: PhotoInfo| {
            writer.change(move |inspection| inspection.add_photo(info));
        })
    }

    /// Removes a photo from item `code`, and its bytes once no draft names them.
    fn remove_photo(self, code: &str, sha256: &str) {
        self.change_releasing(|inspection| inspection.remove_photo(code, sha256));
    }

    fn with<T>(self, read: impl FnOnce(&Inspection) -> T) -> Option<T> {
        self.inspection
            .with(|inspection| inspection.as_ref().map(read))
    }

    /// A text field's stored value. Its input is set again only when this value changes, not on
    /// every change to the draft: a photo that arrives while the inspector is typing would wipe
    /// what is typed but not yet saved (a text field saves when it is left).
    fn text(self, read: impl Fn(&Inspection) -> String + Send + Sync + 'static) -> Memo<String> {
        Memo::new(move |_| self.with(&read).unwrap_or_default())
    }
}

#[component]
pub fn InspectPage() -> impl IntoView {
    require_login();
    let i18n = use_i18n();
    let sync = use_sync();
    let query = use_query_map();
    let navigate = StoredValue::new(use_navigate());
    let draft = Draft::new();
    // Why no draft is shown (a translation key): none on this phone, or the phone's storage.
    let unopened = RwSignal::new(None::<&'static str>);
    let colleagues = RwSignal::new(Vec::<Colleague>::new());
    let show_problems = RwSignal::new(false);

    Effect::new(move |_| {
        let id = query.with(|map| map.get("id")).unwrap_or_default();
        spawn_local(async move {
            match open_draft(&id).await {
                // Kept before it is shown: the form's photo buttons take it as they appear.
                Ok(Some(writer)) => {
                    draft.writer.set_value(writer.clone());
                    writer.show_in(draft.view());
                }
                Ok(None) => unopened.set(Some("inspect.missing")),
                Err(error) => unopened.set(Some(error.message_key())),
            }
            if let Ok(Some(found)) = store::value::<Vec<Colleague>>(COLLEAGUES).await {
                colleagues.set(found);
            }
        });
    });

    let problems = Memo::new(move |_| {
        draft
            .with(|inspection| inspection.problems(Checklist::current(), today()))
            .unwrap_or_default()
    });
    let submit = move |_| {
        if !problems.with(Vec::is_empty) {
            show_problems.set(true);
            if let Some(first) =
                problems.with(|all| all.first().map(|problem| problem.place.anchor()))
            {
                jump_to(&first);
            }
            return;
        }
        draft.change(|inspection| {
            inspection.finished_at.get_or_insert_with(now);
            inspection.status = DraftStatus::Outbox;
            // A refusal or a reviewer's comment was about the copy before this one.
            inspection.server_message = None;
        });
        // Leave only once the outbox entry is on the phone; then it may go up at once.
        let writer = draft.writer();
        spawn_local(async move {
            if writer.saved().await.is_ok() {
                sync.changed();
                navigate.with_value(|navigate| navigate("/field", NavigateOptions::default()));
            }
        });
    };

    view! {
        {move || unopened.get().map(|key| view! {
            <section class="card" role="alert" data-testid="unopened"><p>{move || i18n.t(key)}</p><a href="/field">{move || i18n.t("nav.field")}</a></section>
        })}
        <Show when=move || draft.inspection.with(Option::is_some)>
            <InspectionForm draft colleagues problems show_problems submit/>
        </Show>
    }
}

/// The draft named by the page's query; `None` for a draft this phone does not hold.
async fn open_draft(id: &str) -> Result<Option<DraftWriter>, StoreError> {
    match id.parse() {
        Ok(id) => DraftWriter::open(id).await,
        Err(_) => Ok(None),
    }
}

/// The form of a loaded draft, top to bottom as the inspector works through it.
#[component]
fn InspectionForm(
    draft: Draft,
    colleagues: RwSignal<Vec<Colleague>>,
    problems: Memo<Vec<Problem>>,
    show_problems: RwSignal<bool>,
    submit: impl Fn(leptos::ev::MouseEvent) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let needs_checklist = move || draft.with(Inspection::needs_checklist).unwrap_or(true);
    let status = move || draft.with(|inspection| inspection.status);
    let sent = move || status() == Some(DraftStatus::Sent);
    let submittable = move || matches!(status(), Some(DraftStatus::Draft | DraftStatus::Refused));
    view! {
        <section class="stack inspect">
            <SaveMark draft/>
            <ServerMessage draft/>
            // A sent inspection is the server's now: shown, not changed.
            <fieldset class="form-lock stack" disabled=sent>
                <HeaderCard draft colleagues/>
                <Show when=needs_checklist>
                    <ChecklistCard draft/>
                </Show>
                <Show when=move || !needs_checklist()>
                    <p class="notice warning">{move || i18n.t("inspect.later_visit")}</p>
                </Show>
                <SignatureCard draft/>
            </fieldset>
            <Show when=move || show_problems.get() && !problems.with(Vec::is_empty)>
                <ProblemList problems=problems.get()/>
            </Show>
            <Show when=submittable>
                <button class="primary" data-testid="submit" on:click=submit>{move || i18n.t("inspect.submit")}</button>
            </Show>
        </section>
    }
    .into_any()
}

/// What the server said about this inspection: why it was refused, the reviewer's comment on a
/// returned one, or that it is uploaded and no longer changes.
#[component]
fn ServerMessage(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let notice = move || {
        let (status, message) =
            draft.with(|inspection| (inspection.status, inspection.server_message.clone()))?;
        let (class, text) = match (status, message) {
            (DraftStatus::Sent, _) => ("notice success", i18n.t("outbox.sent_locked").to_string()),
            (DraftStatus::Refused, message) => (
                "notice error",
                i18n.lang().format(
                    "outbox.refused",
                    &[("message", message.unwrap_or_default())],
                ),
            ),
            (_, Some(comment)) => (
                "notice warning",
                i18n.lang()
                    .format("outbox.returned", &[("comment", comment)]),
            ),
            (_, None) => return None,
        };
        Some(view! { <p class=class role="status" data-testid="server-message">{text}</p> })
    };
    view! { {notice} }
}

fn jump_to(anchor: &str) {
    if let Some(element) = document().get_element_by_id(anchor) {
        element.scroll_into_view();
    }
}

#[component]
fn SaveMark(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let text = move || match draft.state.get() {
        SaveState::Saved => i18n.t("inspect.saved").to_string(),
        SaveState::Saving => i18n.t("inspect.saving").to_string(),
        SaveState::Failed(error) => format!(
            "{} {}",
            i18n.t(error.message_key()),
            i18n.t("inspect.save_retrying")
        ),
    };
    let failed = move || matches!(draft.state.get(), SaveState::Failed(_));
    view! { <p class="save-mark" class:failed=failed data-testid="save-mark">{text}</p> }
}

#[component]
fn HeaderCard(draft: Draft, colleagues: RwSignal<Vec<Colleague>>) -> impl IntoView {
    let i18n = use_i18n();
    let name = move || {
        draft
            .with(|inspection| inspection.enterprise.name.clone())
            .unwrap_or_default()
    };
    let code = move || {
        draft
            .with(|inspection| inspection.enterprise.credit_code.clone())
            .unwrap_or_default()
    };
    let inspectors = move || {
        draft
            .with(|inspection| inspection.inspectors.clone())
            .unwrap_or_default()
    };
    let display_name = move |username: &str| {
        colleagues
            .with(|all| {
                all.iter()
                    .find(|c| c.username == username)
                    .map(|c| c.name.clone())
            })
            .unwrap_or_else(|| username.to_string())
    };
    let choices = move || {
        let chosen = inspectors();
        colleagues
            .get()
            .into_iter()
            .filter(|c| !chosen.contains(&c.username))
            .collect::<Vec<_>>()
    };
    view! {
        <div class="card stack" id="inspectors">
            <h1>{name}</h1>
            <p class="code">{code}</p>
            <label id="times">
                {move || i18n.t("inspect.site_state")}
                <select
                    name="site_state"
                    prop:value=move || draft.with(|inspection| inspection.site_state.as_str().to_string()).unwrap_or_default()
                    on:change=move |event| {
                        if let Some(state) = OperatingStatus::parse(&event_target_value(&event)) {
                            draft.change(|inspection| inspection.site_state = state);
                        }
                    }
                >
                    {OperatingStatus::ALL
                        .into_iter()
                        .map(|state| view! { <option value=state.as_str()>{move || i18n.t(state.label_key())}</option> })
                        .collect_view()}
                </select>
            </label>
            <div class="stack">
                <strong>{move || i18n.t("inspect.inspectors")}</strong>
                <ul class="plain">
                    {move || inspectors()
                        .into_iter()
                        .enumerate()
                        .map(|(index, username)| {
                            let shown = display_name(&username);
                            view! {
                                <li>
                                    {shown}
                                    <Show when=move || { index > 0 }>
                                        <button class="link-button" on:click={
                                            let username = username.clone();
                                            move |_| {
                                                let username = username.clone();
                                                draft.change(move |inspection| inspection.inspectors.retain(|u| *u != username));
                                            }
                                        }>{move || i18n.t("inspect.remove")}</button>
                                    </Show>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <select
                    name="add_inspector"
                    on:change=move |event| {
                        let username = event_target_value(&event);
                        if !username.is_empty() {
                            draft.change(move |inspection| inspection.inspectors.push(username));
                        }
                    }
                    prop:value=""
                >
                    <option value="">{move || i18n.t("inspect.add_inspector")}</option>
                    {move || choices()
                        .into_iter()
                        .map(|c| view! { <option value=c.username.clone()>{c.name}</option> })
                        .collect_view()}
                </select>
            </div>
        </div>
    }
    .into_any()
}

#[component]
fn ChecklistCard(draft: Draft) -> impl IntoView {
    let items = move || {
        draft
            .with(|inspection| {
                Checklist::current()
                    .items_for(
                        inspection.enterprise.kind,
                        inspection.enterprise.holds_licence,
                    )
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    view! {
        <div class="stack">
            <For each=items key=|item| item.code.clone() let:item>
                <ItemCard draft item/>
            </For>
        </div>
    }
    .into_any()
}

#[component]
fn ItemCard(draft: Draft, item: ChecklistItem) -> impl IntoView {
    let i18n = use_i18n();
    let code = item.code.clone();
    let answer = {
        let code = code.clone();
        Memo::new(move |_| {
            draft
                .with(|inspection| inspection.answers.get(&code).and_then(|a| a.answer))
                .flatten()
        })
    };
    let note = {
        let code = code.clone();
        draft.text(move |inspection| {
            inspection
                .answers
                .get(&code)
                .map(|a| a.note.clone())
                .unwrap_or_default()
        })
    };
    // A memo: the finding's editor is made again only when its place changes, not on every
    // change to the draft, which would wipe a description being typed.
    let finding_index = {
        let code = code.clone();
        Memo::new(move |_| {
            draft
                .with(|inspection| inspection.findings.iter().position(|f| f.item_code == code))
                .flatten()
        })
    };
    let choose = {
        let code = code.clone();
        move |chosen: Answer| {
            let code = code.clone();
            draft.change(move |inspection| {
                inspection.answers.entry(code.clone()).or_default().answer = Some(chosen);
                let has_finding = inspection.findings.iter().any(|f| f.item_code == code);
                if chosen == Answer::DoesNotComply && !has_finding {
                    inspection.findings.push(Finding {
                        item_code: code,
                        ..Finding::default()
                    });
                }
            });
        }
    };
    let answers = [
        (Answer::Complies, "answer.complies"),
        (Answer::DoesNotComply, "answer.does_not_comply"),
        (Answer::NotApplicable, "answer.not_applicable"),
    ];
    let text_zh = item.zh.clone();
    let text_en = item.en.clone();
    view! {
        <div class="card stack checklist-item" id=format!("item-{code}") data-code=code.clone()>
            <p class="item-text">
                <span class="tag">{code.clone()}</span>
                " "
                {move || if i18n.lang() == Lang::Zh { text_zh.clone() } else { text_en.clone() }}
                {item.photo_expected.then(|| view! { <span class="muted">" · " {move || i18n.t("inspect.photo_expected")}</span> })}
            </p>
            <div class="answer-buttons" role="group">
                {answers
                    .into_iter()
                    .map(|(value, key)| {
                        let choose = choose.clone();
                        view! {
                            <button
                                class="answer"
                                class:chosen=move || answer.get() == Some(value)
                                aria-pressed=move || (answer.get() == Some(value)).to_string()
                                on:click=move |_| choose(value)
                            >
                                {move || i18n.t(key)}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <input
                class="note"
                placeholder=move || i18n.t("inspect.note")
                prop:value=note
                on:change={
                    let code = code.clone();
                    move |event| {
                        let text = event_target_value(&event);
                        let code = code.clone();
                        draft.change(move |inspection| inspection.answers.entry(code).or_default().note = text);
                    }
                }
            />
            <ItemPhotos
                code=code.clone()
                photos=Signal::derive({
                    let code = code.clone();
                    move || draft.with(|inspection| photos_of(inspection, &code)).unwrap_or_default()
                })
                on_added=draft.photo_sink()
                on_removed={
                    let code = code.clone();
                    move |sha256: String| draft.remove_photo(&code, &sha256)
                }
            />
            {move || finding_index.get().map(|index| view! { <FindingEditor draft index/> })}
        </div>
    }
    .into_any()
}

#[component]
fn FindingEditor(draft: Draft, index: usize) -> impl IntoView {
    let i18n = use_i18n();
    let finding = move || {
        draft
            .with(|inspection| inspection.findings.get(index).cloned())
            .flatten()
            .unwrap_or_default()
    };
    let edit = move |change: Box<dyn FnOnce(&mut Finding)>| {
        draft.change(move |inspection| {
            if let Some(finding) = inspection.findings.get_mut(index) {
                change(finding);
            }
        });
    };
    let needs_deadline = move || {
        finding()
            .measures
            .iter()
            .any(|measure| measure.needs_deadline())
    };
    view! {
        <div class="finding stack" id=format!("finding-{index}")>
            <strong>{move || i18n.t("inspect.finding")}</strong>
            <textarea
                name="description"
                placeholder=move || i18n.t("inspect.finding_description")
                prop:value=draft.text(move |inspection| {
                    inspection.findings.get(index).map(|f| f.description.clone()).unwrap_or_default()
                })
                on:change=move |event| {
                    let text = event_target_value(&event);
                    edit(Box::new(move |finding| finding.description = text));
                }
            ></textarea>
            <label class="inline">
                <input
                    type="checkbox"
                    name="serious"
                    prop:checked=move || finding().severity == Severity::Serious
                    on:change=move |event| {
                        let serious = event_target_checked(&event);
                        edit(Box::new(move |finding| {
                            finding.severity = if serious { Severity::Serious } else { Severity::Ordinary };
                        }));
                    }
                />
                {move || i18n.t("inspect.serious")}
            </label>
            <fieldset class="measures">
                <legend>{move || i18n.t("inspect.measures")}</legend>
                {Measure::ALL
                    .into_iter()
                    .map(|measure| view! {
                        <label class="inline">
                            <input
                                type="checkbox"
                                name="measure"
                                value=measure.label_key()
                                prop:checked=move || finding().measures.contains(&measure)
                                on:change=move |event| {
                                    let on = event_target_checked(&event);
                                    edit(Box::new(move |finding| {
                                        finding.measures.retain(|m| *m != measure);
                                        if on {
                                            finding.measures.push(measure);
                                        }
                                    }));
                                }
                            />
                            {move || i18n.t(measure.label_key())}
                        </label>
                    })
                    .collect_view()}
            </fieldset>
            <Show when=needs_deadline>
                <label>
                    {move || i18n.t("inspect.deadline")}
                    <input
                        type="date"
                        name="deadline"
                        prop:value=draft.text(move |inspection| {
                            inspection.findings.get(index).and_then(|f| f.deadline).map(|date| date.to_string()).unwrap_or_default()
                        })
                        on:change=move |event| {
                            let date = event_target_value(&event).parse().ok();
                            edit(Box::new(move |finding| finding.deadline = date));
                        }
                    />
                </label>
            </Show>
        </div>
    }
    .into_any()
}

#[component]
fn SignatureCard(draft: Draft) -> impl IntoView {
    let i18n = use_i18n();
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let drawing = RwSignal::new(false);
    let drawn = RwSignal::new(false);
    let shown = RwSignal::new(None::<String>);

    // Show the stored signature of a resumed draft, read again only when it changes.
    let signature = Memo::new(move |_| {
        draft
            .with(|inspection| inspection.signature.clone())
            .flatten()
    });
    Effect::new(move |_| {
        let Some(hash) = signature.get() else {
            shown.set(None);
            return;
        };
        spawn_local(async move { shown.set(evidence::image_address(&hash).await) });
    });

    let point = move |event: &leptos::ev::PointerEvent| -> Option<(web_sys::CanvasRenderingContext2d, f64, f64)> {
        let element = canvas.get()?;
        let rect = element.get_bounding_client_rect();
        let scale = f64::from(element.width()) / rect.width();
        let x = (f64::from(event.client_x()) - rect.left()) * scale;
        let y = (f64::from(event.client_y()) - rect.top()) * scale;
        Some((evidence::context_2d(&element)?, x, y))
    };
    let down = move |event: leptos::ev::PointerEvent| {
        if let Some((context, x, y)) = point(&event) {
            context.set_line_width(3.0);
            context.set_line_cap("round");
            context.begin_path();
            context.move_to(x, y);
            drawing.set(true);
        }
    };
    let moved = move |event: leptos::ev::PointerEvent| {
        if !drawing.get_untracked() {
            return;
        }
        if let Some((context, x, y)) = point(&event) {
            context.line_to(x, y);
            context.stroke();
            drawn.set(true);
        }
    };
    let up = move |_| drawing.set(false);
    let clear = move |_| {
        if let Some(element) = canvas.get() {
            if let Some(context) = evidence::context_2d(&element) {
                context.clear_rect(
                    0.0,
                    0.0,
                    f64::from(element.width()),
                    f64::from(element.height()),
                );
            }
        }
        drawn.set(false);
        draft.change_releasing(|inspection| inspection.signature.take().into_iter().collect());
    };
    let keep = move |_| {
        let Some(bytes) = canvas
            .get()
            .and_then(|element| evidence::canvas_png(&element))
        else {
            return;
        };
        let writer = draft.writer();
        spawn_local(async move {
            let Some(hash) = evidence::sha256_hex(&bytes).await else {
                // Without its seal the signature is not kept; the inspector must hear of it.
                writer.show_failure(StoreError::Failed("SHA-256".into()));
                return;
            };
            match store::save_blob(&hash, &bytes, "image/png").await {
                Ok(()) => writer.change_releasing(move |inspection| {
                    inspection.signature.replace(hash).into_iter().collect()
                }),
                Err(error) => writer.show_failure(error),
            }
        });
    };

    view! {
        <div class="card stack" id="representative">
            <h2>{move || i18n.t("inspect.representative")}</h2>
            <DraftText
                draft
                name="representative_name"
                label_key="inspect.representative_name"
                read=|inspection| inspection.representative.name.clone()
                write=|inspection, name| inspection.representative.name = name
            />
            <DraftText
                draft
                name="representative_role"
                label_key="inspect.representative_role"
                read=|inspection| inspection.representative.role.clone()
                write=|inspection, role| inspection.representative.role = role
            />
            <div id="signature" class="stack">
                <strong>{move || i18n.t("inspect.signature")}</strong>
                {move || match shown.get() {
                    Some(url) => view! { <img class="signature" src=url alt="signature" data-testid="signature-image"/> }.into_any(),
                    None => view! {
                        <canvas
                            class="signature-pad"
                            width="600"
                            height="240"
                            node_ref=canvas
                            data-testid="signature-pad"
                            on:pointerdown=down
                            on:pointermove=moved
                            on:pointerup=up
                            on:pointerleave=up
                        ></canvas>
                    }.into_any(),
                }}
                <div class="actions">
                    <button on:click=clear>{move || i18n.t("inspect.signature_clear")}</button>
                    <Show when=move || shown.get().is_none()>
                        <button class="primary" disabled=move || !drawn.get() on:click=keep>{move || i18n.t("inspect.signature_keep")}</button>
                    </Show>
                </div>
                <DraftText
                    draft
                    name="signature_refused_reason"
                    label_key="inspect.signature_refused"
                    read=|inspection| inspection.signature_refused_reason.clone()
                    write=|inspection, reason| inspection.signature_refused_reason = reason
                />
            </div>
        </div>
    }
    .into_any()
}

/// A text field of the draft, saved when the inspector leaves it.
#[component]
fn DraftText(
    draft: Draft,
    name: &'static str,
    label_key: &'static str,
    read: fn(&Inspection) -> String,
    write: fn(&mut Inspection, String),
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label>
            {move || i18n.t(label_key)}
            <input
                name=name
                prop:value=draft.text(read)
                on:change=move |event| {
                    let text = event_target_value(&event);
                    draft.change(move |inspection| write(inspection, text));
                }
            />
        </label>
    }
}

#[component]
fn ProblemList(problems: Vec<Problem>) -> impl IntoView {
    let i18n = use_i18n();
    let count = problems.len().to_string();
    view! {
        <div class="notice error" role="alert" data-testid="problems">
            <p>{move || i18n.lang().format("inspect.problems", &[("count", count.clone())])}</p>
            <ul class="details">
                {problems
                    .iter()
                    .map(|problem| {
                        let anchor = problem.place.anchor();
                        let key = problem.key;
                        view! {
                            <li><button class="link-button" on:click=move |_| jump_to(&anchor)>{problem_prefix(problem)} {move || i18n.t(key)}</button></li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}

/// The item a problem is on, before its sentence.
fn problem_prefix(problem: &Problem) -> String {
    match &problem.place {
        Place::Item(code) => format!("{code}: "),
        _ => String::new(),
    }
}
