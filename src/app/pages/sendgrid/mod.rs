//! SendGrid's pages: its subusers (for viewers and admins), and what an admin sees and fixes
//! while acting for a subuser or a customer account.

pub mod acting;
pub mod subusers;

use crate::app::paging::page_from_query;
use crate::sendgrid::Page;

/// The page of a SendGrid list the query string asks for (the portal's `skip` is SendGrid's
/// `offset`), and the same as the pager of the PostGrid lists reads it.
pub fn pages_from_query() -> (Page, crate::postgrid::Page) {
    let shown = page_from_query();
    let page = Page::new(shown.limit, shown.skip, shown.search.clone());
    (page, shown)
}
