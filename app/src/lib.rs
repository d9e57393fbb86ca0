//! SteelCheck's app: shared domain types, translations, and the pages, rendered on the server
//! (`ssr`) and hydrated in the browser (`hydrate`).

pub mod api;
mod app;
pub mod field;
pub mod i18n;
pub mod model;
mod pages;
mod ui;

pub use app::{shell, App};
#[cfg(feature = "ssr")]
pub use pages::split::OFFICE_PART;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    let path = web_sys::window()
        .and_then(|window| window.location().pathname().ok())
        .unwrap_or_default();
    wasm_bindgen_futures::spawn_local(async move {
        match pages::split::load_page_code(&path).await {
            Ok(()) => leptos::mount::hydrate_body(App),
            // The page's code could not be fetched (no network, and this phone never kept it):
            // its server-rendered markup cannot hydrate, so the app renders the page anew, which
            // then says that it needs the network.
            Err(_) => {
                if let Some(body) = leptos::prelude::document().body() {
                    body.set_inner_html("");
                }
                leptos::mount::mount_to_body(App);
            }
        }
        mark_hydrated();
        register_service_worker();
    });
}

/// `<html data-hydrated>`: the page now answers input (what the end-to-end tests wait for).
#[cfg(feature = "hydrate")]
fn mark_hydrated() {
    if let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("data-hydrated", "");
    }
}

/// The service worker keeps the app shell for use with no network (see `/sw.js`).
#[cfg(feature = "hydrate")]
fn register_service_worker() {
    if let Some(window) = web_sys::window() {
        // A browser that refuses (private mode, old engine) still runs the app online.
        let _ = window.navigator().service_worker().register("/sw.js");
    }
}
