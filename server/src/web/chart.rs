//! Horizontal bar charts as inline SVG, drawn on the server (no script, no CDN).

use maud::{Markup, html};
use rma_shared::i18n::Lang;
use rma_shared::tr;

const WIDTH: f64 = 460.0;
const LABEL: f64 = 150.0;
const BAR: f64 = 18.0;
const GAP: f64 = 6.0;

/// A bar per `(label, value)`, longest for the largest value, the value written at its end.
pub fn bars(title: &str, rows: &[(String, f64)], unit: &str, lang: Lang) -> Markup {
    let max = rows.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let height = 28.0 + rows.len() as f64 * (BAR + GAP);
    let room = WIDTH - LABEL - 60.0;
    html! {
        figure {
            svg xmlns="http://www.w3.org/2000/svg" width=(WIDTH) height=(height)
                viewBox=(format!("0 0 {WIDTH} {height}")) role="img" aria-label=(title) {
                text x="0" y="16" font-size="13" font-weight="600" { (title) }
                @for (i, (label, value)) in rows.iter().enumerate() {
                    @let y = 26.0 + i as f64 * (BAR + GAP);
                    @let w = if max > 0.0 { (value / max * room).max(1.0) } else { 1.0 };
                    text x=(LABEL - 6.0) y=(y + 13.0) font-size="12" text-anchor="end" { (short(label)) }
                    rect x=(LABEL) y=(y) width=(format!("{w:.1}")) height=(BAR) fill="#3b6e9c" {}
                    text x=(format!("{:.1}", LABEL + w + 4.0)) y=(y + 13.0) font-size="12" { (number(*value)) (unit) }
                }
                @if rows.is_empty() { text x="0" y="44" font-size="12" fill="#6b7685" { (tr!(lang, "chart-nothing")) } }
            }
        }
    }
}

fn short(label: &str) -> String {
    if label.chars().count() > 22 {
        format!("{}\u{2026}", label.chars().take(21).collect::<String>())
    } else {
        label.to_owned()
    }
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
