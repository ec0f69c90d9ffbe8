//! The Leptos UI: the HTML shell, the router and the pages.
//!
//! Server-rendered only: every route renders in `SsrMode::Async`, so the first byte already
//! holds the whole page and nothing depends on JavaScript.

mod components;
pub mod escape;
pub mod format;
mod pages;
pub mod paging;
pub mod render;
pub mod request;
pub mod time;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::web::paths::STYLESHEET_PATH;
use crate::web::ErrorShown;
use components::banner::ImpersonationBanner;
use components::header::Header;
use pages::acting::{
    contacts::{ContactPage, ContactsPage, DeleteContactPage, NewContactPage},
    home::ActingHomePage,
    letters::{CancelLetterPage, LetterPage, LettersPage, NewLetterPage},
    postcards::{PostcardPage, PostcardsPage},
    templates::{DeleteTemplatePage, NewTemplatePage, TemplatePage, TemplatesPage},
};
use pages::audit::{
    event::AuditEventPage, streams::AuditStreamsPage, timeline::ImpersonationTimelinePage,
    AuditPage,
};
use pages::sendgrid::acting::{
    senders::SendersPage,
    suppressions::SuppressionsPage,
    templates::{SendgridTemplatePage, SendgridTemplatesPage},
    SendgridActingPage,
};
use pages::sendgrid::subusers::{SubuserPage, SubuserStatusPage, SubusersPage};
use pages::{
    account::{AccountPage, AccountPasswordPage},
    approvals::ApprovalsPage,
    error::ErrorPage,
    handoff::HandoffPage,
    home::HomePage,
    login::{ContinuePage, LoginCodePage, LoginPage},
    mfa::AccountMfaPage,
    not_found::NotFound,
    staff::{StaffDisablePage, StaffPage, StaffRolePage},
    step_up::StepUpPage,
    sub_orgs::{
        detail::SubOrgDetailPage, list::SubOrgListPage, new::NewSubOrgPage, users::SubOrgUsersPage,
    },
};

pub fn shell(_options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href=STYLESHEET_PATH/>
                <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// leptos_meta writes the title into `<title>` without escaping it, and page titles carry
/// names from PostGrid: escaped here, or a name with `</title>` could inject markup.
fn page_title(page: String) -> String {
    escape::escape_text(&format!("{page} · suborg-portal"))
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // A refusal or failure to show instead of the route: no route renders at all.
    let failed = use_context::<ErrorShown>();
    // A risky form held until a fresh code confirms it: the code is asked instead of the route.
    let step_up = use_context::<crate::web::step_up::StepUpAsked>();
    let continue_to = use_context::<crate::forms::sso::ContinueTo>();
    view! {
        <Title formatter=page_title/>
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Router>
            <Header/>
            <ImpersonationBanner/>
            <main id="main" tabindex="-1">
                {if let Some(shown) = failed {
                    view! { <ErrorPage shown/> }.into_any()
                } else if let Some(asked) = step_up {
                    view! { <StepUpPage asked/> }.into_any()
                } else if let Some(to) = continue_to {
                    view! { <ContinuePage to/> }.into_any()
                } else {
                    view! {
                        <Routes fallback=NotFound>
                            <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                            <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                            <Route path=path!("/login/code") view=LoginCodePage ssr=SsrMode::Async/>
                            <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                            <Route path=path!("/account/password") view=AccountPasswordPage ssr=SsrMode::Async/>
                            <Route path=path!("/account/mfa") view=AccountMfaPage ssr=SsrMode::Async/>
                            <Route path=path!("/staff") view=StaffPage ssr=SsrMode::Async/>
                            <Route path=path!("/staff/:id/disable") view=StaffDisablePage ssr=SsrMode::Async/>
                            <Route path=path!("/staff/:id/role") view=StaffRolePage ssr=SsrMode::Async/>
                            <Route path=path!("/approvals") view=ApprovalsPage ssr=SsrMode::Async/>
                            <Route path=path!("/sub-orgs") view=SubOrgListPage ssr=SsrMode::Async/>
                            <Route path=path!("/sub-orgs/new") view=NewSubOrgPage ssr=SsrMode::Async/>
                            <Route path=path!("/sub-orgs/:id") view=SubOrgDetailPage ssr=SsrMode::Async/>
                            <Route path=path!("/sub-orgs/:id/users") view=SubOrgUsersPage ssr=SsrMode::Async/>
                            <Route path=path!("/audit") view=AuditPage ssr=SsrMode::Async/>
                            <Route path=path!("/audit/events/:seq") view=AuditEventPage ssr=SsrMode::Async/>
                            <Route path=path!("/audit/streams") view=AuditStreamsPage ssr=SsrMode::Async/>
                            <Route path=path!("/audit/impersonations/:id") view=ImpersonationTimelinePage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation") view=ActingHomePage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/handoff") view=HandoffPage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/contacts") view=ContactsPage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/contacts/new") view=NewContactPage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/contacts/:id") view=ContactPage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/contacts/:id/delete") view=DeleteContactPage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/templates") view=TemplatesPage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/templates/new") view=NewTemplatePage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/templates/:id") view=TemplatePage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/templates/:id/delete") view=DeleteTemplatePage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/letters") view=LettersPage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/letters/new") view=NewLetterPage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/letters/:id") view=LetterPage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/letters/:id/cancel") view=CancelLetterPage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/postcards") view=PostcardsPage ssr=SsrMode::Async/>
                            <Route path=path!("/impersonation/postcards/:id") view=PostcardPage ssr=SsrMode::Async/>
                            <Route path=path!("/sendgrid/subusers") view=SubusersPage ssr=SsrMode::Async/>
                            <Route path=path!("/sendgrid/subusers/:name") view=SubuserPage ssr=SsrMode::Async/>
                            <Route path=path!("/sendgrid/subusers/:name/status") view=SubuserStatusPage ssr=SsrMode::Async/>
                            <Route path=path!("/sendgrid/acting") view=SendgridActingPage ssr=SsrMode::Async/>
                            <Route path=path!("/sendgrid/acting/suppressions/:kind") view=SuppressionsPage ssr=SsrMode::Async/>
                            <Route path=path!("/sendgrid/acting/templates") view=SendgridTemplatesPage ssr=SsrMode::Async/>
                            <Route path=path!("/sendgrid/acting/templates/:id") view=SendgridTemplatePage ssr=SsrMode::Async/>
                            <Route path=path!("/sendgrid/acting/senders") view=SendersPage ssr=SsrMode::Async/>
                        </Routes>
                    }.into_any()
                }}
            </main>
        </Router>
    }
}
