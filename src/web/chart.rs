//! The one bar chart of the staff pages, drawn on the server as inline SVG (no script, no
//! CDN): a row per label with its bar scaled to the largest value and its number written
//! beside it, so the chart reads without colour and fits a 360 px phone (it scales to width).

use maud::{Markup, html};

/// The width of the longest bar, in the chart's units (the chart is 360 wide).
const BAR_WIDTH: usize = 160;

/// A horizontal bar chart of counts under `title`.
pub(crate) fn bars(title: &str, rows: &[(&str, usize)]) -> Markup {
    let max = rows.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let height = 22 * rows.len() + 4;
    html! {
        figure class="chart" {
            figcaption { (title) }
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 360 " (height) } width="100%" role="img" aria-label=(title) {
                @for (i, (label, n)) in rows.iter().enumerate() {
                    @let y = 22 * i + 2;
                    text x="0" y=(y + 15) font-size="12" { (label) }
                    rect x="150" y=(y + 3) height="14" width=(n * BAR_WIDTH / max) fill="currentColor" {}
                    text x=(154 + n * BAR_WIDTH / max) y=(y + 15) font-size="12" { (n) }
                }
            }
        }
    }
}
