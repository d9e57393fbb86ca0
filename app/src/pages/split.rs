//! The pages behind the sign-in, split off the main wasm (`cargo leptos build --split`) in two
//! parts: the field pages and the office pages. A first visit downloads the app shell and the
//! sign-in page; a part's code arrives when one of its pages is opened (the server names its files
//! in the page's head, and the service worker keeps every split file for use with no network).
//! Two parts rather than one per page: pages of one part share most of their code, and fewer
//! files compress better.
//!
//! The split points are extern functions that the split tool links; that is the unsafe code the
//! `#[lazy]` macro writes here.
#![allow(unsafe_code)]

use leptos::prelude::*;
use leptos_router::LazyRoute;

use super::enterprise::EnterprisePage;
use super::enterprise_form::EnterpriseFormPage;
use super::field::FieldPage;
use super::inspect::InspectPage;
use super::roster::RosterPage;
use super::roster_import::RosterImportPage;

/// The field pages, used on the phone with or without a network.
#[repr(u8)]
pub enum FieldPart {
    Field,
    Inspect,
}

/// The office pages, which need the network anyway.
#[repr(u8)]
pub enum OfficePart {
    Roster,
    Enterprise,
    EnterpriseForm,
    RosterImport,
}

#[lazy]
fn field_part(page: FieldPart) -> AnyView {
    match page {
        FieldPart::Field => view! { <FieldPage/> }.into_any(),
        FieldPart::Inspect => view! { <InspectPage/> }.into_any(),
    }
}

#[lazy]
fn office_part(page: OfficePart) -> AnyView {
    match page {
        OfficePart::Roster => view! { <RosterPage/> }.into_any(),
        OfficePart::Enterprise => view! { <EnterprisePage/> }.into_any(),
        OfficePart::EnterpriseForm => view! { <EnterpriseFormPage/> }.into_any(),
        OfficePart::RosterImport => view! { <RosterImportPage/> }.into_any(),
    }
}

/// Routes of `App` whose pages are in one split part; they have no data to load ahead of their
/// code, as every page reads the phone's store or the API itself.
macro_rules! split_routes {
    ($part:ident, $preload_part:ident: $($route:ident => $page:expr),+) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_route: Self) -> AnyView {
                $part($page).await
            }

            async fn preload() {
                #[cfg(feature = "hydrate")]
                $preload_part().await;
            }
        }
    )+};
}

split_routes!(field_part, __preload_field_part:
    FieldRoute => FieldPart::Field,
    InspectRoute => FieldPart::Inspect
);
split_routes!(office_part, __preload_office_part:
    RosterRoute => OfficePart::Roster,
    EnterpriseRoute => OfficePart::Enterprise,
    EnterpriseFormRoute => OfficePart::EnterpriseForm,
    RosterImportRoute => OfficePart::RosterImport
);

/// Loads the split code of the page at `path`, so that the page hydrates with the rest of the app
/// in one turn. (With `hydrate_lazy`, the app's own effects, like the session check, would change
/// what the page renders while its code loads, and its hydration would then fail.) Every split
/// route's path of `App` must lead to its part here: `hydrate_body` refuses a route whose code is
/// not loaded.
#[cfg(feature = "hydrate")]
pub async fn load_page_code(path: &str) {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["field"] | ["inspect"] => __preload_field_part().await,
        [""] | ["enterprises", ..] => __preload_office_part().await,
        _ => {}
    }
}
