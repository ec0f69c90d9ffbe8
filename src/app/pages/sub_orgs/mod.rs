pub mod detail;
pub mod list;
pub mod new;
pub mod users;

use leptos::prelude::*;

use crate::postgrid::Page;

/// The GET search form and the result line shared by the list pages.
#[component]
pub fn SearchForm(action: String, label: &'static str, page: Page) -> impl IntoView {
    let clear = page.search.is_some().then(|| action.clone());
    view! {
        <form method="get" action=action class="search" role="search">
            <label for="search">{label}</label>
            <input id="search" name="search" type="search" value=page.search.clone().unwrap_or_default()/>
            <button type="submit">"Search"</button>
            {clear.map(|href| view! { <a href=href class="button secondary">"Clear"</a> })}
        </form>
    }
}

/// Previous and Next links that keep the search in the query string.
#[component]
pub fn Pager(path: String, page: Page, has_next: bool) -> impl IntoView {
    let previous = (page.skip > 0)
        .then(|| crate::app::paging::page_link(&path, &page, page.skip.saturating_sub(page.limit)));
    let next =
        has_next.then(|| crate::app::paging::page_link(&path, &page, page.skip + page.limit));
    view! {
        <nav class="pager" aria-label="Pages">
            {match previous {
                Some(href) => view! { <a href=href rel="prev">"← Previous"</a> }.into_any(),
                None => view! { <span aria-disabled="true">"← Previous"</span> }.into_any(),
            }}
            {match next {
                Some(href) => view! { <a href=href rel="next">"Next →"</a> }.into_any(),
                None => view! { <span aria-disabled="true">"Next →"</span> }.into_any(),
            }}
        </nav>
    }
}
