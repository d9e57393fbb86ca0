//! The photos of one checklist item: take or pick them, see thumbnails with their hash, open one
//! full screen, delete one (with confirmation).

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::field::evidence;
use crate::field::photo::{self, saved_size};
use crate::model::inspection::{Inspection, PhotoInfo};
use crate::ui::{local_date_time, use_i18n};

/// Where the photo `sha256` is shown from, released when the component that asked goes away.
fn stored_image(sha256: String) -> RwSignal<Option<String>> {
    let url = RwSignal::new(None::<String>);
    spawn_local(async move {
        // Made after the component went away, the address is nobody's to release but ours.
        if let Some(Some(address)) = url.try_set(evidence::image_address(&sha256).await) {
            let _ = web_sys::Url::revoke_object_url(&address);
        }
    });
    on_cleanup(move || {
        if let Some(address) = url.get_untracked() {
            // Releasing can only fail for an address that is already gone.
            let _ = web_sys::Url::revoke_object_url(&address);
        }
    });
    url
}

/// Where a stored photo goes. Not a `Callback`, which goes with the form: a photo still being
/// scaled when the inspector leaves the form must still reach the draft.
pub type PhotoSink = Arc<dyn Fn(PhotoInfo) + Send + Sync>;

#[component]
pub fn ItemPhotos(
    code: String,
    photos: Signal<Vec<PhotoInfo>>,
    on_added: PhotoSink,
    #[prop(into)] on_removed: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let busy = RwSignal::new(0usize);
    let problem = RwSignal::new(None::<&'static str>);
    let viewing = RwSignal::new(None::<PhotoInfo>);
    let on_files = move |event: leptos::ev::Event| {
        let Some(input) = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let files: Vec<web_sys::File> = input
            .files()
            .map(|list| {
                (0..list.length())
                    .filter_map(|index| list.get(index))
                    .collect()
            })
            .unwrap_or_default();
        input.set_value("");
        let code = code.clone();
        let on_added = on_added.clone();
        problem.set(None);
        spawn_local(async move {
            let size = saved_size();
            // One at a time: a phone decoding several 12-megapixel photos at once runs out of memory.
            for file in files {
                busy.update(|count| *count += 1);
                match photo::capture(file, &code, size).await {
                    Ok(info) => on_added(info),
                    Err(error) => problem.set(Some(error.message_key())),
                }
                busy.update(|count| *count -= 1);
            }
        });
    };
    let on_files_gallery = on_files.clone();
    view! {
        <div class="photos stack">
            <div class="thumbs">
                <For each=move || photos.get() key=|photo| photo.sha256.clone() let:photo>
                    <PhotoThumb photo on_open=move |chosen| viewing.set(Some(chosen))/>
                </For>
            </div>
            <div class="actions">
                <label class="button">
                    {move || i18n.t("photo.take")}
                    <input type="file" accept="image/*" capture="environment" multiple class="hidden-input" data-testid="take-photo" on:change=on_files/>
                </label>
                <label class="button">
                    {move || i18n.t("photo.pick")}
                    <input type="file" accept="image/*" multiple class="hidden-input" on:change=on_files_gallery/>
                </label>
            </div>
            <Show when=move || { busy.get() > 0 }>
                <p class="muted" role="status">{move || i18n.t("photo.processing")}</p>
            </Show>
            {move || problem.get().map(|key| view! { <p class="field-error" role="alert">{move || i18n.t(key)}</p> })}
            {move || viewing.get().map(|photo| view! { <PhotoViewer photo on_close=move || viewing.set(None) on_removed/> })}
        </div>
    }
    .into_any()
}

#[component]
fn PhotoThumb(photo: PhotoInfo, on_open: impl Fn(PhotoInfo) + 'static) -> impl IntoView {
    let url = stored_image(photo.sha256.clone());
    let short = photo.sha256.chars().take(8).collect::<String>();
    view! {
        <button class="thumb" data-testid="photo-thumb" data-sha256=photo.sha256.clone() on:click=move |_| on_open(photo.clone())>
            {move || url.get().map(|src| view! { <img src=src alt=""/> })}
            <span class="hash">{short}</span>
        </button>
    }
}

#[component]
fn PhotoViewer(
    photo: PhotoInfo,
    on_close: impl Fn() + Copy + 'static,
    on_removed: Callback<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let url = stored_image(photo.sha256.clone());
    let details = format!(
        "{}×{} · {} KB · {} · SHA-256 {}",
        photo.width,
        photo.height,
        photo.bytes / 1024,
        local_date_time(photo.taken_at),
        photo.sha256
    );
    let remove = move |_| {
        if window()
            .confirm_with_message(i18n.t("photo.confirm_delete"))
            .unwrap_or(false)
        {
            on_removed.run(photo.sha256.clone());
            on_close();
        }
    };
    view! {
        <div class="viewer" role="dialog" data-testid="photo-viewer">
            {move || url.get().map(|src| view! { <img src=src alt=""/> })}
            <p class="details">{details}</p>
            <div class="actions">
                <button on:click=move |_| on_close()>{move || i18n.t("photo.close")}</button>
                <button class="danger" on:click=remove>{move || i18n.t("photo.delete")}</button>
            </div>
        </div>
    }
}

/// The photos of an inspection's item, in the order taken.
pub fn photos_of(inspection: &Inspection, code: &str) -> Vec<PhotoInfo> {
    inspection
        .photos
        .iter()
        .filter(|photo| photo.item_code == code)
        .cloned()
        .collect()
}
