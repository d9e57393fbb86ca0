//! The pages behind the sign-in, each split off into wasm files of its own
//! (`cargo leptos build --split`): a first visit downloads the app shell and the sign-in page,
//! and a page's code arrives when it is first opened (the server names it in the page's head, and
//! the service worker keeps the field pages' files for use with no network).
//!
//! The split points are extern functions that the split tool links; that is the unsafe code the
//! macro writes here.
#![allow(unsafe_code)]

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use super::enterprise::EnterprisePage;
use super::enterprise_form::EnterpriseFormPage;
use super::field::FieldPage;
use super::inspect::InspectPage;
use super::roster::RosterPage;
use super::roster_import::RosterImportPage;

/// A route whose page component lives in a split-off wasm file; it has no data to load ahead
/// of its code, as every page reads the phone's store or the API itself.
macro_rules! split_route {
    ($route:ident, $page:ident) => {
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_route: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    };
}

/// Loads the split-off code of the page at `path`, so that the page hydrates with the rest of the
/// app in one turn. (With `hydrate_lazy`, the app's own effects, like the session check, would
/// change what the page renders while its code loads, and its hydration would then fail.) Every
/// split route of `App` must be here: `hydrate_body` refuses a route whose code is not loaded.
#[cfg(feature = "hydrate")]
pub async fn load_page_code(path: &str) {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        [""] => RosterRoute::preload().await,
        ["field"] => FieldRoute::preload().await,
        ["inspect"] => InspectRoute::preload().await,
        ["enterprises", "import"] => RosterImportRoute::preload().await,
        ["enterprises", "new"] | ["enterprises", _, "edit"] => EnterpriseFormRoute::preload().await,
        ["enterprises", _] => EnterpriseRoute::preload().await,
        _ => {}
    }
}

split_route!(RosterRoute, RosterPage);
split_route!(FieldRoute, FieldPage);
split_route!(InspectRoute, InspectPage);
split_route!(EnterpriseRoute, EnterprisePage);
split_route!(EnterpriseFormRoute, EnterpriseFormPage);
split_route!(RosterImportRoute, RosterImportPage);
