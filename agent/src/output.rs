//! Text for people: a ticket, a listing or a history that reads at a glance, in the person's
//! language (the message catalogue). Times are shown in the PC's local time; columns line up
//! by display width, so Chinese names align too.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use rma_shared::event::{EventKind, Severity};
use rma_shared::i18n::Lang;
use rma_shared::tr;
use rma_shared::view::CostTotal;
use rma_shared::{Money, TicketList, TicketView};
use unicode_width::UnicodeWidthStr;

use crate::local::{Handle, StartedBy};
use crate::store::Area;

/// A time as people read it: in the company's time zone, to the minute.
pub fn time(at: DateTime<Utc>) -> String {
    rma_shared::calendar::company().show(at)
}

/// `text` padded with spaces to `width` columns (a Chinese character takes two).
pub fn pad(text: &str, width: usize) -> String {
    let mut out = text.to_owned();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(text.width())));
    out
}

/// `text` padded on the left to `width` columns.
fn pad_left(text: &str, width: usize) -> String {
    let mut out: String = std::iter::repeat_n(' ', width.saturating_sub(text.width())).collect();
    out.push_str(text);
    out
}

/// `text` cut to at most `width` columns, with `~` where it was cut.
fn clip(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_owned();
    }
    let mut clipped = String::new();
    for c in text.chars() {
        if clipped.width() + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) + 1 > width {
            break;
        }
        clipped.push(c);
    }
    clipped.push('~');
    clipped
}

/// A heading and its value, the headings padded to one width.
fn field(out: &mut String, lang: Lang, heading: &str, value: &str) {
    let _ = writeln!(out, "  {} {value}", pad(&tr!(lang, heading), 12));
}

/// Where a ticket this site does not hold is, as the server said.
pub fn whereabouts(found: &rma_shared::sync::Whereabouts, lang: Lang) -> String {
    let holders: Vec<&str> = found.holders.iter().map(|s| s.as_str()).collect();
    let mut out = tr!(
        lang,
        "show-elsewhere",
        ticket = found.number.to_string(),
        sites = holders.join(", "),
        count = holders.len()
    );
    out.push('\n');
    field(&mut out, lang, "col-status", &found.status.label(lang));
    if !found.model.is_empty() {
        field(&mut out, lang, "bench-model", &found.model);
    }
    if let Some(at) = found.updated_at {
        field(
            &mut out,
            lang,
            "show-elsewhere-updated",
            &rma_shared::calendar::company().show(at),
        );
    }
    out
}

pub fn ticket(view: &TicketView, lang: Lang) -> String {
    let mut out = String::new();
    let reg = &view.registration;
    let _ = writeln!(
        out,
        "{}   {}",
        view.number,
        view.status.label(lang).to_uppercase()
    );
    let contact = reg
        .contact
        .as_ref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    field(
        &mut out,
        lang,
        "out-customer",
        &format!("{}{contact}", reg.customer),
    );
    let model = tr!(
        lang,
        "out-model-line",
        model = reg.model.as_str(),
        quantity = reg.quantity,
        request = reg.request.label(lang)
    );
    field(&mut out, lang, "out-model", &model);
    field(&mut out, lang, "out-fault", &reg.fault);
    if let Some(first) = view.events.first() {
        let line = tr!(
            lang,
            "out-registered-line",
            at = time(first.at),
            by = first.by.as_str(),
            site = first.site.to_string()
        );
        field(&mut out, lang, "out-registered", &line);
    }
    if let Some(at) = view.forwarded_at {
        let line = tr!(lang, "out-forwarded-line", at = time(at));
        field(&mut out, lang, "out-forwarded", &line);
    }
    if let Some(event) = &view.assessment
        && let EventKind::Assessed(a) = &event.kind
    {
        let people: Vec<_> = a.technical.iter().chain(&a.production).cloned().collect();
        let severity = match a.severity {
            Severity::Complex if !people.is_empty() => {
                tr!(lang, "out-assessed-joint", people = people.join(", "))
            }
            Severity::Simple => tr!(lang, "event-assessed-simple"),
            Severity::Complex => tr!(lang, "event-assessed-complex"),
        };
        let line = format!("{severity} ({}, {})", time(event.at), event.by);
        field(&mut out, lang, "out-assessed", &line);
        if let Some(h) = &a.handling {
            field(&mut out, lang, "out-handling", h);
        }
        if let Some(plan) = &a.plan {
            field(&mut out, lang, "out-plan", plan);
        }
    }
    if let Some(event) = &view.receiving
        && let EventKind::Received(r) = &event.kind
    {
        let line = tr!(
            lang,
            "out-received-line",
            count = r.quantity,
            model = r.model.as_str(),
            at = time(event.at),
            by = event.by.as_str(),
            appearance = r.appearance.as_str()
        );
        field(&mut out, lang, "out-received", &line);
        if let Some(d) = &r.discrepancy {
            field(&mut out, lang, "out-discrepancy", d);
        }
    }
    if let Some(reason) = &view.on_hold {
        field(&mut out, lang, "out-on-hold", reason);
    }
    if let Some(reason) = &view.cancelled {
        field(&mut out, lang, "out-cancelled", reason);
    }

    if !view.units.is_empty() {
        let _ = writeln!(out, "\n{}", tr!(lang, "out-units"));
        for unit in &view.units {
            let s = &unit.status;
            let mut extra = Vec::new();
            if s.inspections > 0 {
                extra.push(tr!(lang, "out-inspections", count = s.inspections));
            }
            if s.repair_minutes > 0 {
                extra.push(tr!(lang, "out-repair-minutes", minutes = s.repair_minutes));
            }
            if let Some(label) = &s.label {
                extra.push(tr!(lang, "out-unit-label", code = format!("L:{label}")));
            }
            let _ = writeln!(
                out,
                "  {} {} {} {}",
                pad(&s.number.to_string(), 22),
                pad(&s.state.label(lang), 20),
                pad(&s.location.label(lang), 16),
                extra.join(", ")
            );
            for record in &unit.records {
                match &record.kind {
                    EventKind::Repaired(r) => {
                        let mut line = tr!(
                            lang,
                            "out-repair-line",
                            at = time(record.at),
                            by = record.by.as_str(),
                            steps = r.steps.as_str(),
                            minutes = r.minutes
                        );
                        if !r.parts.is_empty() {
                            let parts: Vec<_> = r.parts.iter().map(ToString::to_string).collect();
                            line.push_str("; ");
                            line.push_str(&tr!(lang, "out-repair-parts", parts = parts.join(", ")));
                        }
                        let _ = writeln!(out, "      {} {line}", pad(&tr!(lang, "out-repair"), 7));
                        if let Some(f) = &r.findings {
                            let found = tr!(lang, "out-found", findings = f.as_str());
                            let _ = writeln!(out, "              {found}");
                        }
                    }
                    EventKind::Inspected {
                        verdict,
                        inspector,
                        note,
                        ..
                    } => {
                        let note = note.as_ref().map(|n| format!(": {n}")).unwrap_or_default();
                        let line = tr!(
                            lang,
                            "out-inspect-line",
                            at = time(record.at),
                            verdict = verdict.label(lang),
                            inspector = inspector.as_str()
                        );
                        let heading = pad(&tr!(lang, "out-inspect"), 7);
                        let _ = writeln!(out, "      {heading} {line}{note}");
                    }
                    _ => {}
                }
            }
        }
    }

    let steps = |out: &mut String, heading: &str, events: &[&rma_shared::Event]| {
        if events.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{}", tr!(lang, heading));
        for event in events {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                time(event.at),
                event.by,
                event.kind.describe(lang)
            );
            if let EventKind::Confirmed(c) = &event.kind {
                if let Some(f) = &c.feedback {
                    let _ = writeln!(
                        out,
                        "      {}",
                        tr!(lang, "out-feedback", feedback = f.as_str())
                    );
                }
                if !c.working {
                    let _ = writeln!(out, "      {}", tr!(lang, "out-not-working"));
                }
            }
        }
    };
    let requests: Vec<_> = view.parts_requests.iter().collect();
    steps(&mut out, "out-parts-requests", &requests);
    let shipping: Vec<_> = view
        .ship_notice
        .iter()
        .chain(&view.shipments)
        .chain(&view.confirmation)
        .collect();
    steps(&mut out, "out-shipping", &shipping);

    if !view.attachments.is_empty() {
        let _ = writeln!(out, "\n{}", tr!(lang, "out-files"));
        for event in &view.attachments {
            if let EventKind::Attached(file) = &event.kind {
                let what = file.unit.as_ref().map_or_else(
                    || file.media_type.extension().to_owned(),
                    ToString::to_string,
                );
                let _ = writeln!(
                    out,
                    "  {} {} {:>7} {}  {} ({}, {}, {})",
                    pad(&file.step.label(lang), 16),
                    pad(&what, 20),
                    format!("{:.1} MB", file.size as f64 / 1_048_576.0),
                    &file.sha256.to_string()[..12],
                    file.caption
                        .as_deref()
                        .or(file.name.as_deref())
                        .unwrap_or(""),
                    event.by,
                    event.site,
                    time(event.at)
                );
            }
        }
    }
    if !view.costs.is_empty() {
        let _ = writeln!(out, "\n{}", tr!(lang, "out-costs"));
        for event in &view.costs {
            if let EventKind::Cost(c) = &event.kind {
                let unit = c
                    .unit
                    .as_ref()
                    .map(|u| format!(" {}", tr!(lang, "out-cost-for", unit = u.to_string())))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {} {}  {}{unit}",
                    pad(&c.kind.label(lang), 10),
                    pad_left(&c.amount.to_string(), 14),
                    tr!(lang, "out-paid-by", payer = c.payer.label(lang))
                );
            }
        }
        for CostTotal {
            payer,
            currency,
            minor,
        } in &view.cost_totals
        {
            let total = Money {
                minor: *minor,
                currency: currency.clone(),
            };
            let _ = writeln!(
                out,
                "  {} {}  {}",
                pad(&tr!(lang, "out-total"), 10),
                pad_left(&total.to_string(), 14),
                tr!(lang, "out-paid-by", payer = payer.label(lang))
            );
        }
    }

    let finished: Vec<_> = view.closing.iter().chain(&view.archive).collect();
    steps(&mut out, "out-finished", &finished);

    if !view.overdue.is_empty() {
        let _ = writeln!(out, "\n{}", tr!(lang, "out-overdue"));
        for o in &view.overdue {
            let line = tr!(
                lang,
                "out-was-due",
                deadline = o.deadline.label(lang),
                due = time(o.due)
            );
            let _ = writeln!(out, "  {line}");
        }
    }

    let open: Vec<_> = view
        .conflicts
        .iter()
        .filter(|c| c.resolution.is_none())
        .collect();
    if !open.is_empty() || !view.field_conflicts.is_empty() {
        let _ = writeln!(out, "\n{}", tr!(lang, "out-conflicts"));
        for c in &open {
            let line = tr!(
                lang,
                "out-conflict",
                event = c.event.to_string(),
                what = c.what_in(lang),
                by = c.by.as_str(),
                site = c.site.to_string(),
                at = time(c.at)
            );
            let _ = writeln!(out, "  {line}\n      {}", c.reason_in(lang));
            let settle = tr!(
                lang,
                "out-conflict-settle",
                ticket = view.number.to_string(),
                event = c.event.to_string()
            );
            let _ = writeln!(out, "      {settle}");
        }
        for f in &view.field_conflicts {
            let line = tr!(
                lang,
                "out-field-conflict",
                field = f.field.label(lang),
                values = f.values.join(" / ")
            );
            let _ = writeln!(out, "  {line}");
        }
    }
    if !view.unreadable_events.is_empty() {
        let line = tr!(lang, "out-unreadable", count = view.unreadable_events.len());
        let _ = writeln!(out, "\n{line}");
    }
    out
}

pub fn history(view: &TicketView, lang: Lang) -> String {
    let mut out = String::new();
    let refused: std::collections::HashMap<_, _> =
        view.conflicts.iter().map(|c| (&c.event, c)).collect();
    let _ = writeln!(
        out,
        "{}",
        tr!(lang, "out-history-of", ticket = view.number.to_string())
    );
    for event in &view.events {
        let mark = match refused.get(&event.id) {
            Some(c) if c.resolution.is_none() => format!("  {}", tr!(lang, "out-conflict-open")),
            Some(_) => format!("  {}", tr!(lang, "out-conflict-resolved")),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "  {}  {} {} {}{mark}",
            time(event.at),
            pad(&event.site.to_string(), 5),
            pad(&event.by, 12),
            event.kind.describe(lang)
        );
    }
    out
}

pub fn listing(listing: &TicketList, lang: Lang) -> String {
    let mut out = String::new();
    if listing.tickets.is_empty() {
        let _ = writeln!(out, "{}", tr!(lang, "out-no-tickets"));
        return out;
    }
    let _ = writeln!(
        out,
        "{} {} {} {} {}  {}",
        pad(&tr!(lang, "out-col-ticket"), 16),
        pad(&tr!(lang, "out-col-status"), 12),
        pad(&tr!(lang, "out-col-customer"), 20),
        pad(&tr!(lang, "out-col-model"), 12),
        pad_left(&tr!(lang, "out-col-qty"), 4),
        tr!(lang, "out-col-units")
    );
    for listed in &listing.tickets {
        let t = &listed.summary;
        let mut units: Vec<String> = t
            .units
            .iter()
            .map(|u| {
                format!(
                    "{}:{}@{}",
                    u.number.k(),
                    u.state.label(lang),
                    u.location.label(lang)
                )
            })
            .collect();
        if units.len() > 3 {
            let rest = units.len() - 3;
            units.truncate(3);
            units.push(tr!(lang, "out-more-units", count = rest));
        }
        let mut flags = Vec::new();
        let overdue = &listed.overdue;
        if !overdue.is_empty() {
            let late: Vec<_> = overdue.iter().map(|o| o.deadline.label(lang)).collect();
            flags.push(tr!(lang, "out-flag-overdue", deadlines = late.join(" + ")));
        }
        if t.open_conflicts > 0 {
            flags.push(tr!(lang, "out-flag-conflicts", count = t.open_conflicts));
        }
        let _ = writeln!(
            out,
            "{} {} {} {} {}  {}{}",
            pad(&t.number.to_string(), 16),
            pad(&t.status.label(lang), 12),
            pad(&clip(&t.customer, 20), 20),
            pad(&clip(&t.model, 12), 12),
            pad_left(&t.quantity.to_string(), 4),
            units.join(", "),
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            }
        );
    }
    if listing.more {
        let _ = writeln!(out, "{}", tr!(lang, "out-more-tickets"));
    }
    out
}

pub fn areas(areas: &[Area], lang: Lang) -> String {
    if areas.is_empty() {
        return format!("{}\n", tr!(lang, "out-no-areas"));
    }
    let mut out = format!(
        "{} {}  {}\n",
        pad(&tr!(lang, "out-col-area"), 16),
        pad_left(&tr!(lang, "out-col-units"), 5),
        tr!(lang, "out-col-name")
    );
    for area in areas {
        let _ = writeln!(
            out,
            "{} {}  {}",
            pad(&area.code.to_string(), 16),
            pad_left(&area.units.to_string(), 5),
            area.name.as_deref().unwrap_or("")
        );
    }
    out
}

/// Which serve holds the store, in a line: started by a person or left by a command, since
/// when, and its bench page (or none).
pub fn holder(holder: Option<&Handle>, lang: Lang) -> String {
    let Some(holder) = holder else {
        return tr!(lang, "status-serve-none");
    };
    let key = match holder.started_by {
        StartedBy::Person => "status-serve-person",
        StartedBy::Command => "status-serve-command",
    };
    tr!(
        lang,
        key,
        pid = holder.pid,
        since = holder.since.map(time).unwrap_or_default(),
        page = holder
            .web
            .clone()
            .unwrap_or_else(|| tr!(lang, "serve-no-page"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_by_display_width() {
        assert_eq!(pad("深圳华强", 10), "深圳华强  ");
        assert_eq!(pad("Acme", 10), "Acme      ");
        assert_eq!(pad("深圳华强", 10).width(), pad("Acme", 10).width());
        assert_eq!(clip("深圳华强电子有限公司", 9), "深圳华强~");
        assert!(clip("深圳华强电子有限公司", 9).width() <= 9);
    }
}
