//! One form per step of the regulation, each field named as the step's request's
//! ([`rma_shared::step`]): what a posted one does is [`super::steps`]'s.

use maud::{Markup, html};
use rma_shared::i18n::Lang;
use rma_shared::people::Action;
use rma_shared::{TicketView, UnitNumber, UnitState, Workflow, tr};

use crate::store::Area;

/// What the forms of a ticket's page need.
#[derive(Debug)]
pub(crate) struct FormContext<'a> {
    pub(crate) view: &'a TicketView,
    pub(crate) flow: &'a Workflow,
    /// The unit the page is for, if it is a unit's page.
    pub(crate) focus: Option<&'a UnitNumber>,
    pub(crate) me: &'a str,
    /// People whose duty is repair, offered as repairers.
    pub(crate) repairers: Vec<String>,
    pub(crate) areas: &'a [Area],
    /// Whether a label printer is set up at this bench.
    pub(crate) printer: bool,
    pub(crate) lang: Lang,
}

impl FormContext<'_> {
    /// The units that can take `action` now, the page's own unit first.
    fn units_for(&self, action: Action) -> Vec<(UnitNumber, UnitState)> {
        let mut units: Vec<_> = self
            .flow
            .units
            .iter()
            .filter(|u| action.takes_unit(u.state))
            .filter(|u| !matches!(u.location, rma_shared::workflow::Location::Transit(_)))
            .map(|u| (u.number.clone(), u.state))
            .collect();
        units.sort_by_key(|(number, _)| Some(number) != self.focus);
        units
    }
}

/// A labelled text field named `name`; its id starts with `form` (ids are unique on a page).
fn field(lang: Lang, form: &str, name: &str, key: &str, required: bool) -> Markup {
    let id = format!("{form}-{name}");
    html! {
        label for=(id) { (tr!(lang, key)) }
        input id=(id) name=(name) required[required];
    }
}

/// The customer's e-mail, mobile number and language (for their status page and notices).
fn reach_fields(lang: Lang, form: &str) -> Markup {
    let id = |name: &str| format!("{form}-{name}");
    html! {
        label for=(id("email")) { (tr!(lang, "bench-f-email")) }
        input id=(id("email")) name="email" type="email" autocomplete="off";
        label for=(id("phone")) { (tr!(lang, "bench-f-phone")) }
        input id=(id("phone")) name="phone" type="tel" autocomplete="off";
        label for=(id("customer_lang")) { (tr!(lang, "bench-f-customer-lang")) }
        select id=(id("customer_lang")) name="customer_lang" {
            option value="" { "—" }
            @for choice in Lang::ALL { option value=(choice.code()) { (choice.own_name()) } }
        }
    }
}

fn area_choice(ctx: &FormContext<'_>, form: &str, name: &str, required: bool) -> Markup {
    let id = format!("{form}-{name}");
    html! {
        label for=(id) { (tr!(ctx.lang, "bench-f-area")) }
        select id=(id) name=(name) required[required] {
            @if !required { option value="" { "—" } }
            @for area in ctx.areas {
                option value=(area.code.to_string()) {
                    (area.code.to_string()) @if let Some(name) = &area.name { " · " (name) }
                }
            }
        }
    }
}

/// A unit to choose (one), or units to tick (many).
fn unit_choice(ctx: &FormContext<'_>, action: Action, many: bool, name: &str) -> Markup {
    let units = ctx.units_for(action);
    html! {
        fieldset {
            legend { (tr!(ctx.lang, "bench-units")) }
            @for (i, (unit, state)) in units.iter().enumerate() {
                label.choice {
                    @if many {
                        input type="checkbox" name=(name) value=(unit.to_string())
                            checked[ctx.focus.is_none() || ctx.focus == Some(unit)];
                    } @else {
                        input type="radio" name=(name) value=(unit.to_string()) required checked[i == 0];
                    }
                    " " (unit.to_string()) " · " (state.label(ctx.lang))
                }
            }
        }
    }
}

/// Part lines: a part and how many, a few rows.
fn part_rows(lang: Lang) -> Markup {
    html! {
        fieldset {
            legend { (tr!(lang, "bench-f-parts")) }
            @for _ in 0..3 {
                div.row {
                    input name="part" placeholder=(tr!(lang, "bench-f-part")) aria-label=(tr!(lang, "bench-f-part"));
                    input.qty name="qty" type="number" min="1" value="1" aria-label=(tr!(lang, "bench-f-qty"));
                }
            }
        }
    }
}

/// The form of one step on the ticket of `ctx`.
pub(crate) fn form(ctx: &FormContext<'_>, action: Action) -> Markup {
    let lang = ctx.lang;
    let ticket = ctx.view.number.to_string();
    let today = rma_shared::calendar::company()
        .date(chrono::Utc::now())
        .to_string();
    let fields = match action {
        Action::Forward => html! {
            input type="hidden" name="ticket" value=(ticket);
            (field(lang, action.command(), "note", "bench-f-note", false))
        },
        Action::Assess => html! {
            input type="hidden" name="ticket" value=(ticket);
            fieldset {
                legend { (tr!(lang, "bench-f-severity")) }
                @for severity in ["simple", "complex"] {
                    label.choice {
                        input type="radio" name="severity" value=(severity) required checked[severity == "simple"];
                        " " (tr!(lang, "severity", severity = severity))
                    }
                }
            }
            (field(lang, action.command(), "handling", "bench-f-handling", false))
            (field(lang, action.command(), "fault-type", "bench-f-fault-type", false))
            (field(lang, action.command(), "technical", "bench-f-technical", false))
            (field(lang, action.command(), "production", "bench-f-production", false))
            label for="f-plan" { (tr!(lang, "bench-f-plan")) }
            textarea #f-plan name="plan" rows="3" {}
        },
        Action::Receive => {
            let reg = &ctx.view.registration;
            html! {
                input type="hidden" name="ticket" value=(ticket);
                label for="f-model" { (tr!(lang, "bench-model")) }
                input #f-model name="model" value=(reg.model) required;
                label for="f-quantity" { (tr!(lang, "bench-f-quantity")) }
                input #f-quantity name="quantity" type="number" min="1" max="10000" value=(reg.quantity) required;
                (field(lang, action.command(), "appearance", "bench-f-appearance", false))
                (field(lang, action.command(), "discrepancy", "bench-f-discrepancy", false))
                (area_choice(ctx, action.command(), "area", false))
                (field(lang, action.command(), "label", "bench-f-labels", false))
                @if ctx.printer {
                    label.choice { input type="checkbox" name=(PRINT_LABELS) value="true" checked; " " (tr!(lang, "bench-f-print-labels")) }
                }
            }
        }
        Action::Move => html! {
            (unit_choice(ctx, action, false, "unit"))
            (area_choice(ctx, action.command(), "to", true))
        },
        Action::Assign => html! {
            (unit_choice(ctx, action, true, "what"))
            label for="f-repairer" { (tr!(lang, "bench-f-repairer")) }
            input #f-repairer name="repairer" list="repairers" required;
            datalist #repairers { @for name in &ctx.repairers { option value=(name); } }
        },
        Action::Repair => html! {
            (unit_choice(ctx, action, false, "unit"))
            label for="f-steps" { (tr!(lang, "bench-f-steps")) }
            textarea #f-steps name="steps" rows="3" required {}
            (part_rows(lang))
            label for="f-minutes" { (tr!(lang, "bench-f-minutes")) }
            input #f-minutes name="minutes" type="number" min="0" inputmode="numeric" required;
            (field(lang, action.command(), "findings", "bench-f-findings", false))
            label.choice { input type="checkbox" name="unfinished" value="true"; " " (tr!(lang, "bench-f-unfinished")) }
        },
        Action::PartsRequest => html! {
            input type="hidden" name="what" value=(ctx.focus.map_or(ticket.clone(), ToString::to_string));
            (part_rows(lang))
            (field(lang, action.command(), "note", "bench-f-note", false))
        },
        Action::Inspect => html! {
            (unit_choice(ctx, action, false, "unit"))
            fieldset {
                legend { (tr!(lang, "bench-f-verdict")) }
                @for verdict in ["pass", "fail"] {
                    label.choice {
                        input type="radio" name="verdict" value=(verdict) required;
                        " " (tr!(lang, "verdict", verdict = verdict))
                    }
                }
            }
            (field(lang, action.command(), "note", "bench-f-note", false))
        },
        Action::ShipNotice => html! {
            input type="hidden" name="ticket" value=(ticket);
            (field(lang, action.command(), "method", "bench-f-method", true))
            label for="f-date" { (tr!(lang, "bench-f-date")) }
            input #f-date name="date" type="date" value=(today) required;
            (field(lang, action.command(), "note", "bench-f-note", false))
        },
        Action::Pack => html! {
            (unit_choice(ctx, action, true, "what"))
            p.small {
                (tr!(lang, "bench-f-package-label")) " "
                a href=(format!("/t/{ticket}/labels.pdf?what=package")) download { (tr!(lang, "bench-print-package-pdf")) }
            }
        },
        Action::Ship => html! {
            input type="hidden" name="ticket" value=(ticket);
            (unit_choice(ctx, action, true, "unit"))
            (field(lang, action.command(), "carrier", "bench-f-carrier", true))
            (field(lang, action.command(), "tracking", "bench-f-tracking", true))
        },
        Action::Confirm => html! {
            input type="hidden" name="ticket" value=(ticket);
            label for="f-delivered" { (tr!(lang, "bench-f-delivered")) }
            input #f-delivered name="delivered-on" type="date" value=(today) required;
            label for="f-satisfaction" { (tr!(lang, "bench-f-satisfaction")) }
            select #f-satisfaction name="satisfaction" required {
                @for n in (1..=5).rev() { option value=(n) { (n) } }
            }
            label.choice { input type="checkbox" name="not-working" value="true"; " " (tr!(lang, "bench-f-not-working")) }
            (field(lang, action.command(), "feedback", "bench-f-feedback", false))
        },
        Action::Cost => html! {
            input type="hidden" name="ticket" value=(ticket);
            label for="f-kind" { (tr!(lang, "bench-f-cost-kind")) }
            select #f-kind name="kind" {
                @for kind in ["repair", "shipping", "packaging", "parts"] {
                    option value=(kind) { (tr!(lang, "cost-kind", kind = kind)) }
                }
            }
            label for="f-amount" { (tr!(lang, "bench-f-amount")) }
            input #f-amount name="amount" inputmode="decimal" required placeholder="120.50";
            label for="f-liability" { (tr!(lang, "costs-liability")) }
            select #f-liability name="liability" {
                @for key in ["quality_defect", "misuse"] {
                    option value=(key) { (tr!(lang, "liability", liability = key)) }
                }
            }
            label for="f-payer" { (tr!(lang, "costs-payer")) }
            select #f-payer name="payer" {
                option value="" { "—" }
                @for payer in ["company", "customer", "supplier"] {
                    option value=(payer) { (tr!(lang, "payer", payer = payer)) }
                }
            }
            (field(lang, action.command(), "note", "bench-f-note", false))
        },
        Action::Close => html! {
            input type="hidden" name="ticket" value=(ticket);
            (field(lang, action.command(), "note", "bench-f-note", false))
        },
        Action::Archive => html! {
            input type="hidden" name="ticket" value=(ticket);
            label for="f-keeper" { (tr!(lang, "bench-f-keeper")) }
            input #f-keeper name="keeper" value=(ctx.me) required;
            label for="f-years" { (tr!(lang, "bench-f-years")) }
            input #f-years name="years" type="number" min="1" max="100";
        },
        Action::Hold | Action::Cancel => html! {
            input type="hidden" name="ticket" value=(ticket);
            (field(lang, action.command(), "reason", "bench-f-reason", true))
        },
        Action::Resume => html! {
            input type="hidden" name="ticket" value=(ticket);
        },
        Action::HandOver => html! {
            input type="hidden" name="ticket" value=(ticket);
            label for="hand-over-to" { (tr!(lang, "bench-f-hand-over-to")) }
            input #hand-over-to name="to" required pattern="[A-Za-z0-9]{2,8}" autocapitalize="characters" placeholder="RC1";
            @if !ctx.units_for(action).is_empty() { (unit_choice(ctx, action, true, "units")) }
            (field(lang, action.command(), "carrier", "bench-f-carrier", false))
            (field(lang, action.command(), "tracking", "bench-f-tracking", false))
            (field(lang, action.command(), "note", "bench-f-note", false))
            label.choice { input type="checkbox" name="leave" value="true"; " " (tr!(lang, "bench-f-hand-over-leave")) }
        },
        Action::Edit => html! {
            input type="hidden" name="ticket" value=(ticket);
            p.small { (tr!(lang, "bench-f-edit-hint")) }
            (field(lang, action.command(), "customer", "bench-customer", false))
            (field(lang, action.command(), "contact", "bench-f-contact", false))
            (field(lang, action.command(), "fault", "bench-fault", false))
            (reach_fields(lang, action.command()))
        },
        Action::Resolve => {
            return html! {
                @for conflict in ctx.flow.open_conflicts() {
                    details.step open {
                        summary { (action.label(lang)) ": " (conflict.what_in(lang)) }
                        p.small { (conflict.reason_in(lang)) }
                        form method="post" action="/do/resolve" {
                            input type="hidden" name="ticket" value=(ticket);
                            input type="hidden" name="event" value=(conflict.event.to_string());
                            (field(lang, action.command(), "note", "bench-f-resolution", true))
                            button type="submit" { (action.label(lang)) }
                        }
                    }
                }
            };
        }
        Action::Intake
        | Action::Scan
        | Action::Label
        | Action::Attach
        | Action::AuditCost
        | Action::NoteClock
        | Action::NoteSurvey
        | Action::NoteScope => {
            return html! {};
        }
    };
    let open = ctx.focus.is_some_and(|_| action.on_units());
    // Receiving, repair, inspection and packing take their photos along.
    let photos = super::files::evidence_of(action).is_some();
    html! {
        details.step open[open] {
            summary { (action.label(lang)) }
            form method="post" action=(format!("/do/{}", action.command()))
                enctype=[photos.then_some("multipart/form-data")] {
                (fields)
                @if photos { (super::files::step_field(lang, &format!("{}-photo", action.command()))) }
                button type="submit" { (action.label(lang)) }
            }
        }
    }
}

/// Labels of the ticket: a PDF to download, or the bench's printer.
pub(crate) fn printing(ctx: &FormContext<'_>) -> Markup {
    let lang = ctx.lang;
    let number = ctx.view.number.to_string();
    html! {
        details.step {
            summary { (tr!(lang, "bench-print")) }
            p {
                @if !ctx.view.units.is_empty() {
                    a.button href=(format!("/t/{number}/labels.pdf?what=ticket")) download { (tr!(lang, "bench-print-units-pdf")) }
                    " "
                }
                a.button href=(format!("/t/{number}/labels.pdf?what=package")) download { (tr!(lang, "bench-print-package-pdf")) }
            }
            @if ctx.printer {
                @for (what, key) in [("ticket", "bench-print-units"), ("package", "bench-print-package")] {
                    form.inline method="post" action=(format!("/t/{number}/print")) {
                        input type="hidden" name="what" value=(what);
                        button type="submit" { (tr!(lang, key)) }
                    }
                }
            }
        }
    }
}

/// The registration form (regulation 2.1).
pub(crate) fn intake_form(lang: Lang) -> Markup {
    html! {
        h1 { (tr!(lang, "bench-new-ticket")) }
        form method="post" action="/tickets" {
            (field(lang, "f", "customer", "bench-customer", true))
            (field(lang, "f", "contact", "bench-f-contact", false))
            (reach_fields(lang, "f"))
            (field(lang, "f", "model", "bench-model", true))
            label for="f-quantity" { (tr!(lang, "bench-f-quantity")) }
            input #f-quantity name="quantity" type="number" min="1" max="10000" value="1" required;
            label for="f-fault" { (tr!(lang, "bench-fault")) }
            textarea #f-fault name="fault" rows="3" required {}
            fieldset {
                legend { (tr!(lang, "bench-request")) }
                @for request in ["repair", "replace", "refund"] {
                    label.choice {
                        input type="radio" name="request" value=(request) required checked[request == "repair"];
                        " " (tr!(lang, "request", request = request))
                    }
                }
            }
            button type="submit" { (tr!(lang, "bench-register")) }
        }
    }
}

/// The receiving form's box for printing the units' labels on this bench's printer: the
/// page's choice of what to do after the step, not a field of the request.
pub(crate) const PRINT_LABELS: &str = "print-labels";

/// Whether a ticket's page offers `action` as a form (intake and scanning have pages of their
/// own, labels a section; finance audits costs at the office).
pub(crate) fn on_ticket_page(action: Action) -> bool {
    !matches!(
        action,
        Action::Intake
            | Action::Scan
            | Action::Label
            | Action::Attach
            | Action::AuditCost
            | Action::NoteClock
            | Action::NoteScope
    )
}
