//! The bar charts of the staff pages, drawn on the server as inline SVG (no script, no CDN):
//! a row per label with its bar scaled to the largest value and its number written beside it,
//! so a chart reads without colour and fits a 360 px phone (it scales to width). [`bars`] is
//! one count per row; [`grouped_bars`] several per row, with a legend.

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

/// A horizontal bar chart of several series: for each group (`label`, one value per series)
/// one bar per series, scaled to the largest value, with its number; a legend names the series
/// (`name`, the style sheet's class that colours it).
pub(crate) fn grouped_bars(groups: &[(&str, Vec<i64>)], series: &[(&str, &str)]) -> Markup {
    const LABEL: i64 = 160;
    const WIDTH: i64 = 600;
    const BAR: i64 = 14;
    let max = groups
        .iter()
        .flat_map(|(_, values)| values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let group = BAR * i64::try_from(series.len()).unwrap_or(1) + 10;
    let height = group * i64::try_from(groups.len()).unwrap_or(0) + 30;
    let label = series
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ");
    html! {
        svg class="chart" viewBox={ "0 0 " (WIDTH) " " (height) } role="img" aria-label=(label)
            xmlns="http://www.w3.org/2000/svg" {
            @for (i, (name, values)) in groups.iter().enumerate() {
                @let top = group * i64::try_from(i).unwrap_or(0);
                text x="0" y=(top + BAR) class="chart-label" { (name) }
                @for (j, ((_, class), value)) in series.iter().zip(values).enumerate() {
                    @let y = top + BAR * i64::try_from(j).unwrap_or(0);
                    @let w = (WIDTH - LABEL - 50) * value / max;
                    rect x=(LABEL) y=(y) width=(w) height=(BAR - 2) class=(class) {}
                    text x=(LABEL + w + 4) y=(y + BAR - 3) class="chart-value" { (value) }
                }
            }
            @for (j, (name, class)) in series.iter().enumerate() {
                @let x = LABEL + 140 * i64::try_from(j).unwrap_or(0);
                rect x=(x) y=(height - 14) width="10" height="10" class=(class) {}
                text x=(x + 14) y=(height - 5) class="chart-label" { (name) }
            }
        }
    }
}
