//! The pages behind the sign-in, split off the main wasm (`cargo leptos build --split`) in two
//! parts, each loaded when one of its pages is first opened (the server names its files in the
//! page's head):
//! - the field part, the field list and the inspection form: an inspector needs it with no
//!   network, so the service worker keeps it from the first visit on;
//! - the office part, the roster and its forms: they read the server's API and are of no use
//!   offline, so a phone downloads it only when someone opens one of them, and keeps it then.
//!
//! A part that cannot be fetched (no network, never opened online) leaves its page saying so,
//! not a dead app. The README gives the sizes of each layout.
//!
//! A split point is an extern function that the split tool links; that is the unsafe code the
//! `wasm_split` macro writes here.
#![allow(unsafe_code)]

use leptos::prelude::*;
use leptos::wasm_split::{wasm_split, SplitLoaderError};
use leptos_router::LazyRoute;

use super::enterprise::EnterprisePage;
use super::enterprise_form::EnterpriseFormPage;
use super::field::FieldPage;
use super::inspect::InspectPage;
use super::needs_network::NeedsNetworkPage;
use super::roster::RosterPage;
use super::roster_import::RosterImportPage;

/// The field part's name in the split manifest (the first argument of its `wasm_split`).
#[cfg(feature = "ssr")]
const FIELD_PART: &str = "field_pages";
/// The office part's name in the split manifest: the service worker does not keep it ahead.
#[cfg(feature = "ssr")]
pub const OFFICE_PART: &str = "office_pages";

/// Which page of the field part to render.
#[repr(u8)]
pub enum FieldPart {
    Field,
    Inspect,
}

/// Which page of the office part to render.
#[repr(u8)]
pub enum OfficePart {
    Roster,
    Enterprise,
    EnterpriseForm,
    RosterImport,
}

#[wasm_split(field_pages, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_field_part))]
fn field_pages(page: FieldPart) -> Result<AnyView, SplitLoaderError> {
    Ok(match page {
        FieldPart::Field => view! { <FieldPage/> }.into_any(),
        FieldPart::Inspect => view! { <InspectPage/> }.into_any(),
    })
}

#[wasm_split(office_pages, wasm_split_path = ::leptos::wasm_split, fallible, preload(load_office_part))]
fn office_pages(page: OfficePart) -> Result<AnyView, SplitLoaderError> {
    Ok(match page {
        OfficePart::Roster => view! { <RosterPage/> }.into_any(),
        OfficePart::Enterprise => view! { <EnterprisePage/> }.into_any(),
        OfficePart::EnterpriseForm => view! { <EnterpriseFormPage/> }.into_any(),
        OfficePart::RosterImport => view! { <RosterImportPage/> }.into_any(),
    })
}

/// Routes of `App` whose pages are in a split part, one invocation per part (its pages function,
/// its page enum, its name in the manifest, its loader); they have no data to load ahead of their
/// code, as every page reads the phone's store or the API itself.
macro_rules! split_routes {
    ($pages:ident, $part:ident, $name:expr, $load:ident: $($route:ident => $page:ident),+) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_route: Self) -> AnyView {
                // The server names the part's files in the page's head.
                #[cfg(feature = "ssr")]
                leptos::prefetch_lazy_fn_on_server($name);
                $pages($part::$page)
                    .await
                    .unwrap_or_else(|_| view! { <NeedsNetworkPage/> }.into_any())
            }

            async fn preload() {
                // A part that cannot be fetched now is said so when its page opens (`view`).
                let _ = $load().await;
            }
        }
    )+};
}

split_routes!(field_pages, FieldPart, FIELD_PART, load_field_part:
    FieldRoute => Field,
    InspectRoute => Inspect
);
split_routes!(office_pages, OfficePart, OFFICE_PART, load_office_part:
    RosterRoute => Roster,
    EnterpriseRoute => Enterprise,
    EnterpriseFormRoute => EnterpriseForm,
    RosterImportRoute => RosterImport
);

/// Loads the split code of the page at `path`, so that the page hydrates with the rest of the app
/// in one turn. (With `hydrate_lazy`, the app's own effects, like the session check, would change
/// what the page renders while its code loads, and its hydration would then fail.) Every split
/// route's path of `App` must be matched here: `hydrate_body` refuses a route whose code is not
/// loaded.
#[cfg(feature = "hydrate")]
pub async fn load_page_code(path: &str) -> Result<(), SplitLoaderError> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["field"] | ["inspect"] => load_field_part().await,
        [""] | ["enterprises", ..] => load_office_part().await,
        _ => Ok(()),
    }
}
