//! The document shell the server renders, and the app's routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, Lazy};

use crate::field::sync::SyncLoop;
use crate::pages::login::LoginPage;
use crate::pages::not_found::NotFoundPage;
use crate::pages::split::{
    EnterpriseFormRoute, EnterpriseRoute, FieldRoute, InspectRoute, RosterImportRoute, RosterRoute,
};
use crate::ui::{initial_lang, Header, I18n, Session};

/// The HTML document around the app; the server renders it for every page address.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    provide_meta_context();
    let lang = initial_lang();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                // Set whole: a text child would carry a hydration marker into the tab's title.
                <title inner_html=lang.t("app.name")></title>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#1d4f7a"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    let i18n = I18n::provide();
    Session::provide();
    SyncLoop::provide(i18n);
    // The server writes the page's language and title; a switch in the browser changes both.
    Effect::new(move |_| {
        let lang = i18n.lang();
        let document = document();
        document.set_title(lang.t("app.name"));
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("lang", lang.code());
        }
    });
    view! {
        <Router>
            <Header/>
            <main class="page">
                // A split route's path is also in `split::load_page_code`.
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view={Lazy::<RosterRoute>::new()}/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/field") view={Lazy::<FieldRoute>::new()}/>
                    <Route path=path!("/inspect") view={Lazy::<InspectRoute>::new()}/>
                    <Route path=path!("/enterprises/new") view={Lazy::<EnterpriseFormRoute>::new()}/>
                    <Route path=path!("/enterprises/import") view={Lazy::<RosterImportRoute>::new()}/>
                    <Route path=path!("/enterprises/:id") view={Lazy::<EnterpriseRoute>::new()}/>
                    <Route path=path!("/enterprises/:id/edit") view={Lazy::<EnterpriseFormRoute>::new()}/>
                </Routes>
            </main>
        </Router>
    }
}
