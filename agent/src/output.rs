//! Text for people: a ticket, a listing or a history that reads at a glance. Times are shown
//! in the PC's local time.

use std::fmt::Write as _;

use chrono::{DateTime, Local, Utc};
use rma_shared::event::{EventKind, Severity};
use rma_shared::view::CostTotal;
use rma_shared::{DeadlineSettings, Money, TicketNumber, TicketView, Workflow};

use crate::store::{Area, Listing};

pub fn time(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// One line saying where a ticket stands after a step.
pub fn status_line(ticket: &TicketNumber, flow: &Workflow) -> String {
    let mut line = format!("Ticket {ticket} is now: {}", flow.status());
    if !flow.units.is_empty() {
        let all_alike = flow.units.iter().all(|u| u.state == flow.units[0].state);
        if all_alike {
            let _ = write!(
                line,
                " (all {} unit(s) {})",
                flow.units.len(),
                flow.units[0].state
            );
        }
    }
    line.push('.');
    line
}

pub fn ticket(view: &TicketView) -> String {
    let mut out = String::new();
    let reg = &view.registration;
    let _ = writeln!(
        out,
        "{}   {}",
        view.number,
        view.status.to_string().to_uppercase()
    );
    let contact = reg
        .contact
        .as_ref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    let _ = writeln!(out, "  Customer    {}{contact}", reg.customer);
    let _ = writeln!(
        out,
        "  Model       {} x{}, customer asks for {}",
        reg.model,
        reg.quantity,
        reg.request.label()
    );
    let _ = writeln!(out, "  Fault       {}", reg.fault);
    if let Some(first) = view.events.first() {
        let _ = writeln!(
            out,
            "  Registered  {} by {} at {}",
            time(first.at),
            first.by,
            first.site
        );
    }
    if let Some(at) = view.forwarded_at {
        let _ = writeln!(out, "  Forwarded   {} to after-sales", time(at));
    }
    if let Some(event) = &view.assessment
        && let EventKind::Assessed(a) = &event.kind
    {
        let severity = match a.severity {
            Severity::Simple => "simple fault".to_owned(),
            Severity::Complex => {
                let people: Vec<_> = a.technical.iter().chain(&a.production).cloned().collect();
                if people.is_empty() {
                    "complex fault, joint review".to_owned()
                } else {
                    format!("complex fault, joint review with {}", people.join(", "))
                }
            }
        };
        let _ = writeln!(
            out,
            "  Assessed    {severity} ({}, {})",
            time(event.at),
            event.by
        );
        if let Some(h) = &a.handling {
            let _ = writeln!(out, "  Handling    {h}");
        }
        if let Some(plan) = &a.plan {
            let _ = writeln!(out, "  Plan        {plan}");
        }
    }
    if let Some(event) = &view.receiving
        && let EventKind::Received(r) = &event.kind
    {
        let _ = writeln!(
            out,
            "  Received    {} unit(s) of {} ({}, {}), appearance: {}",
            r.quantity,
            r.model,
            time(event.at),
            event.by,
            r.appearance
        );
        if let Some(d) = &r.discrepancy {
            let _ = writeln!(out, "  Discrepancy {d}");
        }
    }
    if let Some(reason) = &view.on_hold {
        let _ = writeln!(out, "  ON HOLD     {reason}");
    }
    if let Some(reason) = &view.cancelled {
        let _ = writeln!(out, "  CANCELLED   {reason}");
    }

    if !view.units.is_empty() {
        let _ = writeln!(out, "\nUnits");
        for unit in &view.units {
            let s = &unit.status;
            let mut extra = Vec::new();
            if s.inspections > 0 {
                extra.push(format!("{} inspection(s)", s.inspections));
            }
            if s.repair_minutes > 0 {
                extra.push(format!("{} min repair", s.repair_minutes));
            }
            let _ = writeln!(
                out,
                "  {:<22} {:<20} {:<16} {}",
                s.number.to_string(),
                s.state.to_string(),
                s.location.to_string(),
                extra.join(", ")
            );
            for record in &unit.records {
                match &record.kind {
                    EventKind::Repaired(r) => {
                        let parts: Vec<_> = r.parts.iter().map(ToString::to_string).collect();
                        let parts = if parts.is_empty() {
                            String::new()
                        } else {
                            format!("; parts: {}", parts.join(", "))
                        };
                        let _ = writeln!(
                            out,
                            "      repair  {} {}: {} ({} min{parts})",
                            time(record.at),
                            record.by,
                            r.steps,
                            r.minutes
                        );
                        if let Some(f) = &r.findings {
                            let _ = writeln!(out, "              found: {f}");
                        }
                    }
                    EventKind::Inspected {
                        verdict,
                        inspector,
                        note,
                        ..
                    } => {
                        let note = note.as_ref().map(|n| format!(": {n}")).unwrap_or_default();
                        let _ = writeln!(
                            out,
                            "      inspect {} {} by {inspector}{note}",
                            time(record.at),
                            verdict.label()
                        );
                    }
                    _ => {}
                }
            }
        }
    }

    if !view.parts_requests.is_empty() {
        let _ = writeln!(out, "\nParts requests");
        for event in &view.parts_requests {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                time(event.at),
                event.by,
                event.kind.describe()
            );
        }
    }

    let shipping: Vec<_> = view
        .ship_notice
        .iter()
        .chain(&view.shipments)
        .chain(&view.confirmation)
        .collect();
    if !shipping.is_empty() {
        let _ = writeln!(out, "\nShipping and follow-up");
        for event in shipping {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                time(event.at),
                event.by,
                event.kind.describe()
            );
            if let EventKind::Confirmed(c) = &event.kind {
                if let Some(f) = &c.feedback {
                    let _ = writeln!(out, "      feedback: {f}");
                }
                if !c.working {
                    let _ = writeln!(out, "      the customer reports the unit does NOT work");
                }
            }
        }
    }

    if !view.costs.is_empty() {
        let _ = writeln!(out, "\nCosts");
        for event in &view.costs {
            if let EventKind::Cost(c) = &event.kind {
                let unit = c
                    .unit
                    .as_ref()
                    .map(|u| format!(" for {u}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {:<10} {:>14}  paid by {}{unit}",
                    c.kind.label(),
                    c.amount.to_string(),
                    c.payer.label()
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
                "  total      {:>14}  paid by {}",
                total.to_string(),
                payer.label()
            );
        }
    }

    let finished: Vec<_> = view.closing.iter().chain(&view.archive).collect();
    if !finished.is_empty() {
        let _ = writeln!(out, "\nFinished");
        for event in finished {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                time(event.at),
                event.by,
                event.kind.describe()
            );
        }
    }

    if !view.overdue.is_empty() {
        let _ = writeln!(out, "\nOVERDUE");
        for o in &view.overdue {
            let _ = writeln!(out, "  {} was due {}", o.deadline.label(), time(o.due));
        }
    }

    let open: Vec<_> = view
        .conflicts
        .iter()
        .filter(|c| c.resolution.is_none())
        .collect();
    if !open.is_empty() || !view.field_conflicts.is_empty() {
        let _ = writeln!(
            out,
            "\nCONFLICTS between offline edits (a person must decide)"
        );
        for c in &open {
            let _ = writeln!(
                out,
                "  event {}: {} by {} at {} ({}) did not take effect:\n      {}",
                c.event,
                c.what,
                c.by,
                c.site,
                time(c.at),
                c.reason
            );
            let _ = writeln!(
                out,
                "      settle it with: rma-agent resolve {} --event {} --note \"what was decided\"",
                view.number, c.event
            );
        }
        for f in &view.field_conflicts {
            let _ = writeln!(
                out,
                "  {} was changed at two sites at once: {} (correct it with `rma-agent edit`)",
                f.field.label(),
                f.values.join(" / ")
            );
        }
    }
    if !view.unreadable_events.is_empty() {
        let _ = writeln!(
            out,
            "\n{} step(s) were recorded by a newer version of rma-agent and are not shown; update this PC.",
            view.unreadable_events.len()
        );
    }
    out
}

pub fn history(view: &TicketView) -> String {
    let mut out = String::new();
    let refused: std::collections::HashMap<_, _> =
        view.conflicts.iter().map(|c| (&c.event, c)).collect();
    let _ = writeln!(out, "History of {}", view.number);
    for event in &view.events {
        let mark = match refused.get(&event.id) {
            Some(c) if c.resolution.is_none() => "  CONFLICT, did not take effect",
            Some(_) => "  (conflict, resolved)",
            None => "",
        };
        let _ = writeln!(
            out,
            "  {}  {:<5} {:<12} {}{mark}",
            time(event.at),
            event.site.to_string(),
            event.by,
            event.kind.describe()
        );
    }
    out
}

pub fn listing(listing: &Listing, deadlines: &DeadlineSettings, now: DateTime<Utc>) -> String {
    let mut out = String::new();
    if listing.tickets.is_empty() {
        out.push_str("No tickets match.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{:<16} {:<12} {:<20} {:<12} {:>4}  UNITS",
        "TICKET", "STATUS", "CUSTOMER", "MODEL", "QTY"
    );
    for t in &listing.tickets {
        let mut units: Vec<String> = t
            .units
            .iter()
            .map(|u| format!("{}:{}@{}", u.number.k(), u.state, u.location))
            .collect();
        if units.len() > 3 {
            let rest = units.len() - 3;
            units.truncate(3);
            units.push(format!("+{rest} more"));
        }
        let mut flags = Vec::new();
        let overdue = t.overdue(deadlines, now);
        if !overdue.is_empty() {
            let late: Vec<_> = overdue.iter().map(|o| o.deadline.as_str()).collect();
            flags.push(format!("OVERDUE {}", late.join("+")));
        }
        if t.open_conflicts > 0 {
            flags.push(format!("{} CONFLICT(S)", t.open_conflicts));
        }
        let _ = writeln!(
            out,
            "{:<16} {:<12} {:<20} {:<12} {:>4}  {}{}",
            t.number.to_string(),
            t.status.to_string(),
            clip(&t.customer, 20),
            clip(&t.model, 12),
            t.quantity,
            units.join(", "),
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            }
        );
    }
    if listing.more {
        let _ = writeln!(
            out,
            "(more tickets match: narrow the filters, or use --limit 0 to see all)"
        );
    }
    out
}

pub fn areas(areas: &[Area]) -> String {
    if areas.is_empty() {
        return "No storage areas yet: add one with `rma-agent area add CODE`.\n".into();
    }
    let mut out = format!("{:<16} {:>5}  {}\n", "AREA", "UNITS", "NAME");
    for area in areas {
        let _ = writeln!(
            out,
            "{:<16} {:>5}  {}",
            area.code.to_string(),
            area.units,
            area.name.as_deref().unwrap_or("")
        );
    }
    out
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut clipped: String = text.chars().take(width - 1).collect();
        clipped.push('~');
        clipped
    }
}
