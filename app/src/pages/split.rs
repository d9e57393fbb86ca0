//! The pages behind the sign-in, split off the main wasm (`cargo leptos build --split`) as one
//! part. A first visit downloads the app shell and the sign-in page; the part arrives when one of
//! its pages is opened (the server names its files in the page's head), and the service worker
//! keeps it for use with no network.
//!
//! One part rather than one per page or one per group of pages: the pages share most of their
//! code, one file compresses better, and every phone keeps all of it for offline use anyway (the
//! README gives the sizes of each layout).
//!
//! The split point is an extern function that the split tool links; that is the unsafe code the
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

/// Which page of the part to render.
#[repr(u8)]
pub enum SignedInPage {
    Field,
    Inspect,
    Roster,
    Enterprise,
    EnterpriseForm,
    RosterImport,
}

#[lazy]
fn signed_in_pages(page: SignedInPage) -> AnyView {
    match page {
        SignedInPage::Field => view! { <FieldPage/> }.into_any(),
        SignedInPage::Inspect => view! { <InspectPage/> }.into_any(),
        SignedInPage::Roster => view! { <RosterPage/> }.into_any(),
        SignedInPage::Enterprise => view! { <EnterprisePage/> }.into_any(),
        SignedInPage::EnterpriseForm => view! { <EnterpriseFormPage/> }.into_any(),
        SignedInPage::RosterImport => view! { <RosterImportPage/> }.into_any(),
    }
}

/// Routes of `App` whose pages are in the split part; they have no data to load ahead of their
/// code, as every page reads the phone's store or the API itself.
macro_rules! split_routes {
    ($($route:ident => $page:ident),+) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            async fn view(_route: Self) -> AnyView {
                signed_in_pages(SignedInPage::$page).await
            }

            async fn preload() {
                #[cfg(feature = "hydrate")]
                __preload_signed_in_pages().await;
            }
        }
    )+};
}

split_routes!(
    FieldRoute => Field,
    InspectRoute => Inspect,
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
pub async fn load_page_code(path: &str) {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if let [""] | ["field"] | ["inspect"] | ["enterprises", ..] = segments.as_slice() {
        __preload_signed_in_pages().await;
    }
}
