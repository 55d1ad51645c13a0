//! The pawned items of a ticket as staff and customers read them: the same list on the printed
//! ticket and on the ticket page at the counter, so what is checked at redemption is what the
//! customer signed for.

use maud::{Markup, html};

use crate::loans::ops::Item;
use crate::plumbing::i18n::Msg;
use crate::plumbing::money;
use crate::web::Ctx;

/// The heading of a list of `items`: "Item" for one, "Items" for more.
pub(crate) fn heading(ctx: &Ctx, items: &[Item]) -> &'static str {
    ctx.lang.label_for(items.len(), Msg::Item, Msg::Items)
}

/// The items, numbered: each with its category and description, its marks, its weight in
/// grams and karat (gold), and its appraised value.
pub(crate) fn list(ctx: &Ctx, items: &[Item]) -> Markup {
    let money = |v: i64| ctx.app.config.currency().format(v, ctx.lang);
    html! {
        ol class="items" {
            @for item in items {
                li {
                    strong { (item.description) }
                    @if !item.category.is_empty() { " · " (item.category) }
                    @if !item.marks.is_empty() {
                        br;
                        (ctx.t(Msg::Marks)) ": " (item.marks)
                    }
                    br;
                    @if let Some(mg) = item.weight_mg {
                        (ctx.t(Msg::Weight)) " " (money::grams(mg, ctx.lang)) " · "
                    }
                    @if let Some(karat) = item.karat {
                        (ctx.lang.fill(Msg::KaratValue, &[("n", &karat.to_string())])) " · "
                    }
                    (ctx.t(Msg::Appraised)) " " strong { (money(item.appraised)) }
                }
            }
        }
    }
}
