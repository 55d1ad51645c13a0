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

/// The plot area of the trend charts, in the chart's units (360 wide, as a phone).
const PLOT_LEFT: i64 = 4;
const PLOT_RIGHT: i64 = 356;
const PLOT_TOP: i64 = 22;
const PLOT_BOTTOM: i64 = 122;

/// One value of a trend: its label under the plot (empty: none), its number, and the words a
/// reader's pointer shows (`<title>`).
pub(crate) struct Point<'a> {
    pub(crate) label: &'a str,
    pub(crate) value: i64,
    pub(crate) shown: String,
}

/// How far up the plot `value` is, of `max`.
fn rise(value: i64, max: i64) -> i64 {
    (PLOT_BOTTOM - PLOT_TOP) * value.max(0) / max.max(1)
}

/// A trend chart's frame: its caption, the largest value written above the plot, the base
/// line, and the labels of `labels` (x, words) under it.
fn frame(title: &str, top: &str, labels: &[(i64, &str)], legend: Markup, body: Markup) -> Markup {
    let height = PLOT_BOTTOM + 38;
    html! {
        figure class="chart" {
            figcaption { (title) }
            svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 360 " (height) } width="100%" role="img" aria-label=(title) {
                text x=(PLOT_LEFT) y="14" font-size="12" { (top) }
                line x1=(PLOT_LEFT) x2=(PLOT_RIGHT) y1=(PLOT_BOTTOM) y2=(PLOT_BOTTOM) stroke="currentColor" {}
                @for (x, words) in labels {
                    text x=(x) y=(PLOT_BOTTOM + 15) font-size="11" text-anchor="middle" { (words) }
                }
                (legend)
                (body)
            }
        }
    }
}

/// The labels of `points` placed at `x(i)`, first and last kept inside the chart.
fn labels<'a>(points: &[&'a str], x: impl Fn(i64) -> i64) -> Vec<(i64, &'a str)> {
    points
        .iter()
        .zip(0..)
        .filter(|(label, _)| !label.is_empty())
        .map(|(label, i)| (x(i).clamp(PLOT_LEFT + 16, PLOT_RIGHT - 16), *label))
        .collect()
}

/// A line chart of one series over time (`points` oldest first), the area under it filled,
/// each point marked with its value; `top` writes the largest value above the plot.
pub(crate) fn line(title: &str, points: &[Point], top: &dyn Fn(i64) -> String) -> Markup {
    let highest = points.iter().map(|p| p.value).max().unwrap_or(0);
    let max = highest.max(1);
    let last = i64::try_from(points.len()).unwrap_or(1).max(2) - 1;
    let x = |i: i64| PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * i / last;
    let xy: Vec<(i64, i64)> = (0..)
        .zip(points)
        .map(|(i, p)| (x(i), PLOT_BOTTOM - rise(p.value, max)))
        .collect();
    let path: Vec<String> = xy.iter().map(|(x, y)| format!("{x},{y}")).collect();
    let area = format!(
        "{},{} {} {},{}",
        PLOT_LEFT,
        PLOT_BOTTOM,
        path.join(" "),
        xy.last().map_or(PLOT_LEFT, |(x, _)| *x),
        PLOT_BOTTOM
    );
    let words: Vec<&str> = points.iter().map(|p| p.label).collect();
    frame(
        title,
        &top(highest),
        &labels(&words, x),
        html! {},
        html! {
            polygon points=(area) class="area" fill="currentColor" fill-opacity="0.15" {}
            polyline points=(path.join(" ")) fill="none" stroke="currentColor" stroke-width="2" {}
            @for ((x, y), p) in xy.iter().zip(points) {
                circle cx=(x) cy=(y) r="2.5" fill="currentColor" data-value=(p.value) { title { (p.shown) } }
            }
        },
    )
}

/// A column chart over time: for each group (oldest first) one column per series, scaled to
/// the largest value; a legend names the series (`name`, the style sheet's class that colours
/// it) when there are several; `top` writes the largest value above the plot.
pub(crate) fn columns(
    title: &str,
    groups: &[(&str, Vec<Point>)],
    series: &[(&str, &str)],
    top: &dyn Fn(i64) -> String,
) -> Markup {
    let highest = groups
        .iter()
        .flat_map(|(_, points)| points.iter().map(|p| p.value))
        .max()
        .unwrap_or(0);
    let max = highest.max(1);
    let n = i64::try_from(groups.len()).unwrap_or(1).max(1);
    let per = i64::try_from(series.len()).unwrap_or(1).max(1);
    let group = (PLOT_RIGHT - PLOT_LEFT) / n;
    let column = ((group - 2) / per).max(1);
    let x = |i: i64| PLOT_LEFT + group * i + group / 2;
    let words: Vec<&str> = groups.iter().map(|(label, _)| *label).collect();
    let legend = html! {
        @if series.len() > 1 {
            @for ((name, class), j) in series.iter().zip(0..) {
                @let at = PLOT_LEFT + 118 * j;
                rect x=(at) y=(PLOT_BOTTOM + 24) width="10" height="10" class=(class) {}
                text x=(at + 14) y=(PLOT_BOTTOM + 33) font-size="12" { (name) }
            }
        }
    };
    frame(
        title,
        &top(highest),
        &labels(&words, x),
        legend,
        html! {
            @for ((_, points), i) in groups.iter().zip(0..) {
                @for ((p, (_, class)), j) in points.iter().zip(series).zip(0..) {
                    @let h = rise(p.value, max);
                    rect x=(PLOT_LEFT + group * i + 1 + column * j) y=(PLOT_BOTTOM - h)
                        width=(column) height=(h) class=(class) data-value=(p.value) {
                        title { (p.shown) }
                    }
                }
            }
        },
    )
}
