//! One request per step of the regulation. With the `cli` feature each is also its command's
//! arguments: its documentation is the command's help, its examples the command's.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::input::{
    Amount, Email, Minutes, Phone, Quantity, Satisfaction, Text, Years, part_lines, ticked,
};
#[cfg(feature = "cli")]
use super::input::{parse_date, parse_part, parse_reserved};
use crate::event::{CostKind, CustomerRequest, Liability, PartLine, Payer, Severity, Verdict};
use crate::ids::{AreaCode, EventId, SiteCode, TicketNumber, TicketOrUnit, UnitNumber};
use crate::label::Reserved;
use crate::money::Currency;

/// Register a customer's return: the registration form of regulation 2.1. Prints the new
/// ticket number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Example:\n  rma-agent intake --customer \"Acme Ltd\" --contact \"Li Wei, 138 0000 0000\" \\\n    --model X200 --quantity 2 --fault \"no power after storm\" --request repair"
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Intake {
    /// The customer's name.
    #[cfg_attr(feature = "cli", arg(long))]
    pub customer: Text,
    /// How to reach the customer.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub contact: Option<Text>,
    /// The product model.
    #[cfg_attr(feature = "cli", arg(long))]
    pub model: Text,
    /// How many units come back.
    #[cfg_attr(feature = "cli", arg(long))]
    pub quantity: Quantity,
    /// The fault as the customer describes it.
    #[cfg_attr(feature = "cli", arg(long))]
    pub fault: Text,
    /// What the customer asks for.
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub request: CustomerRequest,
    /// The customer's e-mail address, for notices about their return.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub email: Option<Email>,
    /// The customer's mobile number, for text messages.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub phone: Option<Phone>,
    /// The language the customer reads: en or zh-CN.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long, value_name = "LANG", value_parser = parse_lang))]
    pub customer_lang: Option<crate::i18n::Lang>,
}

/// A language code as a person types it (`zh-CN`, `zh`, `en`).
#[cfg(feature = "cli")]
fn parse_lang(text: &str) -> Result<crate::i18n::Lang, String> {
    crate::i18n::Lang::parse(text).ok_or_else(|| format!("{text:?}: en or zh-CN"))
}

/// Correct a descriptive field of the registration. If two sites correct the same field
/// while offline, both values are kept and shown as a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Example:\n  rma-agent edit WH1-2026-00001 --contact \"Li Wei, 139 1111 2222\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Edit {
    pub ticket: TicketNumber,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub customer: Option<Text>,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub contact: Option<Text>,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub fault: Option<Text>,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub email: Option<Email>,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub phone: Option<Phone>,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long, value_name = "LANG", value_parser = parse_lang))]
    pub customer_lang: Option<crate::i18n::Lang>,
}

/// Pass a registration on to after-sales (regulation 2.2), within the forwarding deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Example:\n  rma-agent forward WH1-2026-00001 --note \"urgent customer\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Forward {
    pub ticket: TicketNumber,
    /// Anything after-sales should know.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub note: Option<Text>,
}

/// Record after-sales' first assessment (regulation 2.3). A simple fault can go straight to a
/// repairer; a complex one needs a joint review with technical and production and a repair plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Examples:\n  rma-agent assess WH1-2026-00001 --severity simple --handling \"replace fuse\" --fault-type \"power supply\"\n  rma-agent assess WH1-2026-00002 --severity complex --technical Zhao --production Qian \\\n    --plan \"replace main board, re-flash firmware 2.4\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Assess {
    pub ticket: TicketNumber,
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub severity: Severity,
    /// How the fault will be handled, in a few words.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub handling: Option<Text>,
    /// Who from technical joined the joint review (repeat for several).
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub technical: Vec<Text>,
    /// Who from production joined the joint review (repeat for several).
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub production: Vec<Text>,
    /// The repair plan of the joint review (required for complex faults).
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub plan: Option<Text>,
    /// The kind of fault, counted in the monthly analysis (e.g. "power supply").
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub fault_type: Option<Text>,
}

/// Receive the units of a ticket (regulation 2.4): check them against the registration,
/// give each unit its number and put them in a storage area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Receive {
    pub ticket: TicketNumber,
    /// The storage area the units go to (see `rma-agent area list`).
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub area: Option<AreaCode>,
    /// How many units arrived (default: the registered quantity).
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub quantity: Option<Quantity>,
    /// The model found on the units (default: the registered model).
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub model: Option<Text>,
    /// What the units look like (default: "not noted").
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub appearance: Option<Text>,
    /// What does not match the registration form.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub discrepancy: Option<Text>,
    /// Pre-printed labels scanned onto the units instead, in the units' order (`L:WH1-000001`;
    /// repeat, or separate with commas): a receiving dock needs no printer.
    #[serde(default, rename = "label")]
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "label",
            value_name = "CODE",
            value_delimiter = ',',
            value_parser = parse_reserved
        )
    )]
    pub labels: Vec<Reserved>,
}

/// Put a unit in a storage area (regulation 2.4), e.g. after scanning the shelf's label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(after_help = "Example:\n  rma-agent move WH1-2026-00001-2 --to SHELF-B3")
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Move {
    pub unit: UnitNumber,
    /// The storage area.
    #[cfg_attr(feature = "cli", arg(long))]
    pub to: AreaCode,
}

/// Assign units to a repairer (regulation 3.1), who collects them from storage. Give a ticket
/// to assign all its units waiting for repair, or unit numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Examples:\n  rma-agent assign WH1-2026-00001 --repairer Bob\n  rma-agent assign WH1-2026-00001-2 --repairer Carol"
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Assign {
    /// A ticket number, or one or more unit numbers of one ticket.
    #[cfg_attr(feature = "cli", arg(required = true))]
    pub what: Vec<TicketOrUnit>,
    /// The repairer.
    #[cfg_attr(feature = "cli", arg(long))]
    pub repairer: Text,
}

/// Record a repair (regulation 3.2): what was done, parts replaced and minutes spent. The unit
/// then waits for inspection, unless --unfinished says work goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Examples:\n  rma-agent repair WH1-2026-00001-1 --steps \"replaced fuse, tested 2 h\" --part FUSE-5A:1 --minutes 40\n  rma-agent repair WH1-2026-00001-2 --steps \"opened, board burnt\" --minutes 15 --unfinished \\\n    --findings \"needs a new main board\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Repair {
    pub unit: UnitNumber,
    /// What was done, following the technical solution.
    #[cfg_attr(feature = "cli", arg(long))]
    pub steps: Text,
    /// A part replaced, as PART or PART:QUANTITY (repeat for several).
    #[serde(default, rename = "part", deserialize_with = "part_lines")]
    #[cfg_attr(feature = "cli", arg(long = "part", value_parser = parse_part))]
    pub parts: Vec<PartLine>,
    /// Minutes spent.
    #[cfg_attr(feature = "cli", arg(long))]
    pub minutes: Minutes,
    /// New problems found, reported to after-sales and technical.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub findings: Option<Text>,
    /// The repair is not finished; the unit stays at the bench.
    #[serde(default, deserialize_with = "ticked")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub unfinished: bool,
}

/// Ask procurement for parts a repair needs (regulation 3.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Example:\n  rma-agent parts-request WH1-2026-00001-2 --part MAINBOARD-X200:1 --note \"urgent\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PartsRequest {
    /// The ticket, or the unit the parts are for.
    pub what: TicketOrUnit,
    /// A part, as PART or PART:QUANTITY (repeat for several).
    #[serde(rename = "part", deserialize_with = "part_lines")]
    #[cfg_attr(
        feature = "cli",
        arg(long = "part", required = true, value_parser = parse_part)
    )]
    pub parts: Vec<PartLine>,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub note: Option<Text>,
}

/// Inspect a repaired unit against the quality standard (regulation 3.4). A pass is the
/// inspector's signature; a fail sends the unit back to its repairer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Examples:\n  rma-agent inspect WH1-2026-00001-1 --pass\n  rma-agent inspect WH1-2026-00001-2 --fail --note \"still resets under load\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Inspect {
    pub unit: UnitNumber,
    /// `--pass` or `--fail`.
    #[cfg_attr(feature = "cli", command(flatten))]
    pub verdict: Verdict,
    /// The inspector signing (default: you).
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub inspector: Option<Text>,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub note: Option<Text>,
}

/// Record the shipping method and date agreed with the customer (regulation 4.1), once every
/// unit passed inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Example:\n  rma-agent ship-notice WH1-2026-00001 --method \"SF Express\" --date 2026-12-01"
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ShipNotice {
    pub ticket: TicketNumber,
    /// How it ships (courier, freight, customer pick-up...).
    #[cfg_attr(feature = "cli", arg(long))]
    pub method: Text,
    /// The agreed ship date, YYYY-MM-DD.
    #[cfg_attr(feature = "cli", arg(long, value_parser = parse_date))]
    pub date: NaiveDate,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub note: Option<Text>,
}

/// Pack units that passed inspection (regulation 4.2). Give a ticket to pack all its passed
/// units, or unit numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Examples:\n  rma-agent pack WH1-2026-00001\n  rma-agent pack WH1-2026-00001-1 WH1-2026-00001-2"
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Pack {
    #[cfg_attr(feature = "cli", arg(required = true))]
    pub what: Vec<TicketOrUnit>,
}

/// Hand the package to the carrier and keep its tracking number (regulation 4.3). Ships every
/// packed unit of the ticket unless --unit names some.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Example:\n  rma-agent ship WH1-2026-00001 --carrier \"SF Express\" --tracking SF1234567890"
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Ship {
    pub ticket: TicketNumber,
    #[cfg_attr(feature = "cli", arg(long))]
    pub carrier: Text,
    #[cfg_attr(feature = "cli", arg(long))]
    pub tracking: Text,
    /// Ship only these units (repeat for several).
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub unit: Vec<UnitNumber>,
}

/// Record the customer's confirmation (regulation 5.2): delivery date, whether the unit works,
/// satisfaction from 1 to 5, and feedback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Example:\n  rma-agent confirm WH1-2026-00001 --delivered-on 2026-12-03 --satisfaction 4 \\\n    --feedback \"works, but delivery was slow\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Confirm {
    pub ticket: TicketNumber,
    /// The day the customer received it, YYYY-MM-DD.
    #[cfg_attr(feature = "cli", arg(long, value_parser = parse_date))]
    pub delivered_on: NaiveDate,
    /// 1 (very unhappy) to 5 (very satisfied).
    #[cfg_attr(feature = "cli", arg(long))]
    pub satisfaction: Satisfaction,
    /// The unit does not work as expected at the customer's.
    #[serde(default, deserialize_with = "ticked")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub not_working: bool,
    /// What the customer said.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub feedback: Option<Text>,
}

/// Add a line to the ticket's cost ledger (regulation 6). The payer follows the liability
/// unless given: a quality defect is paid by the company, misuse by the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Examples:\n  rma-agent cost WH1-2026-00001 --kind repair --amount 120.50 --liability quality-defect\n  rma-agent cost WH1-2026-00001 --kind shipping --amount 25 --currency EUR --liability misuse\n  rma-agent cost WH1-2026-00001 --kind parts --amount 80 --liability quality-defect --payer supplier"
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Cost {
    pub ticket: TicketNumber,
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub kind: CostKind,
    /// The amount, e.g. 120 or 120.50.
    #[cfg_attr(feature = "cli", arg(long, allow_hyphen_values = true))]
    pub amount: Amount,
    /// Three-letter currency code (default: the `currency` setting).
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub currency: Option<Currency>,
    /// Why the unit failed (regulation 6.1).
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub liability: Liability,
    /// Who pays, if not the one the liability implies.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long, value_enum))]
    pub payer: Option<Payer>,
    /// The unit the cost is for.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub unit: Option<UnitNumber>,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub note: Option<Text>,
}

/// Close a ticket once the customer confirmed delivery. The note records how the customer's
/// feedback was handled (regulation 5.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Example:\n  rma-agent close WH1-2026-00001 --note \"told customer about faster courier option\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Close {
    pub ticket: TicketNumber,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub note: Option<Text>,
}

/// File a closed (or cancelled) ticket in the archive (regulation 8), kept by a named keeper
/// for the retention period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Examples:\n  rma-agent archive WH1-2026-00001 --keeper \"Wang Fang\"\n  rma-agent archive WH1-2019-00007 --keeper \"Wang Fang\" --until 2025-06-30   # a file archived late: kept until 5 years after its closing"
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Archive {
    pub ticket: TicketNumber,
    /// Who keeps the archive file.
    #[cfg_attr(feature = "cli", arg(long))]
    pub keeper: Text,
    /// Years to keep it (default: the `archive_retention_years` setting).
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub years: Option<Years>,
    /// The last day it is kept, instead of counting years from today (a file archived late
    /// counts from its closing; a day already past lists it for disposal at once).
    #[serde(default)]
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "YYYY-MM-DD", conflicts_with = "years", value_parser = parse_date)
    )]
    pub until: Option<NaiveDate>,
}

/// Pause work on a ticket (waiting for the customer, for parts...). Costs and parts requests
/// can still be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Example:\n  rma-agent hold WH1-2026-00001 --reason \"waiting for customer's approval of the quote\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Hold {
    pub ticket: TicketNumber,
    #[cfg_attr(feature = "cli", arg(long))]
    pub reason: Text,
}

/// Continue work on a ticket that is on hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(after_help = "Example:\n  rma-agent resume WH1-2026-00001")
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Resume {
    pub ticket: TicketNumber,
}

/// Cancel a ticket that will not be repaired (the customer withdrew, the units never came).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Example:\n  rma-agent cancel WH1-2026-00001 --reason \"customer withdrew the return\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Cancel {
    pub ticket: TicketNumber,
    #[cfg_attr(feature = "cli", arg(long))]
    pub reason: Text,
}

/// Settle a conflict between steps two sites took offline. `rma-agent show` lists open
/// conflicts with the id of the event that could not take effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Example:\n  rma-agent resolve WH1-2026-00001 --event 3f9a0c1d2e4b5a69 --note \"re-inspected: passes\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Resolve {
    pub ticket: TicketNumber,
    /// The id of the conflicting event, as shown by `rma-agent show`.
    #[cfg_attr(feature = "cli", arg(long))]
    pub event: EventId,
    /// What was decided.
    #[cfg_attr(feature = "cli", arg(long))]
    pub note: Text,
}

/// Keep photos or documents with a ticket or one of its units: what arrived, a burnt board,
/// how a unit was packed. JPEG, PNG, WebP or PDF; photos are turned upright and their location
/// removed before they are kept. They reach the office after the ticket, when the network
/// allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Examples:\n  rma-agent attach WH1-2026-00001 box.jpg label.jpg --step receiving --caption \"box dented\"\n  rma-agent attach WH1-2026-00001-1 board.jpg --step repair --caption \"burnt capacitor C12\""
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Attach {
    /// The ticket or unit the files show.
    pub what: TicketOrUnit,
    /// Which part of the work they are evidence of.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long, value_enum, default_value = "other"))]
    pub step: crate::files::Evidence,
    /// A few words on what they show.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub caption: Option<Text>,
}

/// Hand a ticket over to another site (units sent from a branch to the repair centre, or
/// back): the other site receives the ticket at its next sync, takes the units named in with
/// its own receiving check, and both sites see every later step. With --leave this site lets
/// the ticket go once its changes are sent (the ticket moved away entirely).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(
    feature = "cli",
    command(
        after_help = "Examples:\n  rma-agent hand-over WH1-2026-00001 --to RC1 --units WH1-2026-00001-1,WH1-2026-00001-2 \\\n    --carrier \"SF Express\" --tracking SF1234567890 --note \"board fault, needs the repair centre\"\n  rma-agent hand-over WH1-2026-00001 --to WH2 --leave"
    )
)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct HandOver {
    pub ticket: TicketNumber,
    /// The site that takes the ticket (its code, e.g. RC1).
    #[cfg_attr(feature = "cli", arg(long))]
    pub to: SiteCode,
    /// The units sent along (separate with commas); none: only the ticket's records go.
    #[serde(default)]
    #[cfg_attr(
        feature = "cli",
        arg(long, value_name = "UNIT,...", value_delimiter = ',')
    )]
    pub units: Vec<UnitNumber>,
    /// Who carries the units.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long, requires = "tracking"))]
    pub carrier: Option<Text>,
    /// The carrier's tracking number.
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long, requires = "carrier"))]
    pub tracking: Option<Text>,
    #[serde(default)]
    #[cfg_attr(feature = "cli", arg(long))]
    pub note: Option<Text>,
    /// This site lets the ticket go: it moved to the other site entirely.
    #[serde(default, deserialize_with = "ticked")]
    #[cfg_attr(feature = "cli", arg(long))]
    pub leave: bool,
}
