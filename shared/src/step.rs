//! The steps of the regulation as requests: what a person asks for, every field typed, before
//! anything is looked up. The command line parses into a [`Step`], the bench page's forms
//! deserialize into one, and `rma-agent serve` receives it as it is; the agent applies it in a
//! person's name and answers with an [`Outcome`], which each front end says in the asker's
//! language ([`Outcome::lines`]).
//!
//! A request's field names are the command line's option names (`fault-type`,
//! `delivered-on`), which are also the bench page's form fields; a request with a field its
//! step does not have is refused, naming the field. What needs the store or the settings (the
//! units of a ticket "given alone", the default currency, the retention period) is left open
//! here and settled when the step is applied.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::event::{
    CostKind, CustomerRequest, Event, EventKind, Liability, PartLine, Payer, Severity, Verdict,
};
use crate::i18n::{Lang, Localized};
use crate::ids::{AreaCode, EventId, TicketNumber, TicketOrUnit, UnitNumber};
use crate::label::Reserved;
use crate::money::Currency;
use crate::people::Action;
use crate::view::TicketView;
use crate::{TicketStatus, UnitState, tr};

/// What is wrong with a value typed into a request, before anything is looked up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    Empty,
    NotAPart(String),
    NotADate(String),
    NotAnAmount(String),
    NotASize(String),
    NotPrePrinted(String),
    OutOfRange { value: i64, low: i64, high: i64 },
}

impl Localized for InputError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Empty => tr!(lang, "arg-empty"),
            Self::NotAPart(text) => tr!(lang, "arg-not-a-part", text = text.as_str()),
            Self::NotADate(text) => tr!(lang, "arg-not-a-date", text = text.as_str()),
            Self::NotAnAmount(text) => tr!(lang, "arg-not-an-amount", text = text.as_str()),
            Self::NotASize(text) => tr!(lang, "arg-not-a-size", text = text.as_str()),
            Self::NotPrePrinted(text) => {
                tr!(lang, "receive-not-pre-printed", code = text.as_str())
            }
            Self::OutOfRange { value, low, high } => tr!(
                lang,
                "arg-out-of-range",
                value = *value,
                low = *low,
                high = *high
            ),
        }
    }
}
crate::english_display!(InputError);

/// A line of text a person typed: trimmed, never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text(String);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Text {
    type Err = InputError;
    fn from_str(text: &str) -> Result<Self, InputError> {
        match text.trim() {
            "" => Err(InputError::Empty),
            trimmed => Ok(Self(trimmed.to_owned())),
        }
    }
}

impl TryFrom<String> for Text {
    type Error = InputError;
    fn try_from(text: String) -> Result<Self, InputError> {
        text.parse()
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A whole number within the bounds the regulation's records allow.
macro_rules! bounded {
    ($(#[$doc:meta])* $name:ident($int:ty), $low:expr, $high:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "i64", into = "i64")]
        pub struct $name($int);

        impl $name {
            pub const LOW: $int = $low;
            pub const HIGH: $int = $high;

            pub fn get(self) -> $int {
                self.0
            }
        }

        impl TryFrom<i64> for $name {
            type Error = InputError;
            fn try_from(value: i64) -> Result<Self, InputError> {
                <$int>::try_from(value)
                    .ok()
                    .filter(|v| (Self::LOW..=Self::HIGH).contains(v))
                    .map(Self)
                    .ok_or(InputError::OutOfRange {
                        value,
                        low: Self::LOW.into(),
                        high: Self::HIGH.into(),
                    })
            }
        }

        impl From<$name> for i64 {
            fn from(value: $name) -> i64 {
                value.0.into()
            }
        }

        impl FromStr for $name {
            type Err = InputError;
            fn from_str(text: &str) -> Result<Self, InputError> {
                let value: i64 = text.trim().parse().map_err(|_| InputError::OutOfRange {
                    value: 0,
                    low: Self::LOW.into(),
                    high: Self::HIGH.into(),
                })?;
                Self::try_from(value)
            }
        }
    };
}

bounded!(
    /// How many units a registration or a receiving counts.
    Quantity(u32),
    1,
    10_000
);
bounded!(
    /// Minutes of work in one repair sitting (a week at most).
    Minutes(u32),
    0,
    10_080
);
bounded!(
    /// The customer's satisfaction, 1 (very unhappy) to 5 (very satisfied).
    Satisfaction(u8),
    1,
    5
);
bounded!(
    /// Years an archive file is kept.
    Years(u32),
    1,
    100
);

/// An amount as a person types it (`120`, `120.5`, `-25`): its currency, and so how many
/// decimals it may have, is settled when the step is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Amount(String);

impl Amount {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Amount {
    type Err = InputError;
    fn from_str(text: &str) -> Result<Self, InputError> {
        let trimmed = text.trim();
        let digits = trimmed.strip_prefix('-').unwrap_or(trimmed);
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let numeric = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !numeric(whole) || !numeric(fraction) || whole.len() > 15 {
            return Err(InputError::NotAnAmount(text.to_owned()));
        }
        Ok(Self(trimmed.to_owned()))
    }
}

impl TryFrom<String> for Amount {
    type Error = InputError;
    fn try_from(text: String) -> Result<Self, InputError> {
        text.parse()
    }
}

impl From<Amount> for String {
    fn from(amount: Amount) -> String {
        amount.0
    }
}

/// Reads `PART:QUANTITY` (or `PART` for one).
pub fn parse_part(text: &str) -> Result<PartLine, InputError> {
    let bad = || InputError::NotAPart(text.to_owned());
    let (part, quantity) = match text.rsplit_once(':') {
        Some((part, quantity)) => (part, quantity.trim().parse::<u32>().map_err(|_| bad())?),
        None => (text, 1),
    };
    if part.trim().is_empty() || quantity == 0 {
        return Err(bad());
    }
    Ok(PartLine {
        part: part.trim().to_owned(),
        quantity,
    })
}

/// Reads a pre-printed label's code (`L:WH1-000042`) as scanned.
pub fn parse_reserved(text: &str) -> Result<Reserved, InputError> {
    match crate::LabelCode::parse(text) {
        Ok(crate::LabelCode::Reserved(code)) => Ok(code),
        _ => Err(InputError::NotPrePrinted(text.to_owned())),
    }
}

/// Reads a date as YYYY-MM-DD.
pub fn parse_date(text: &str) -> Result<NaiveDate, InputError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| InputError::NotADate(text.to_owned()))
}

/// Part lines as a request carries them: `{"part": .., "quantity": ..}`, or as typed,
/// `PART:QUANTITY` (a form).
fn part_lines<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<PartLine>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Typed(String),
        Line(PartLine),
    }
    Vec::<Given>::deserialize(deserializer)?
        .into_iter()
        .map(|given| match given {
            Given::Typed(text) => parse_part(&text).map_err(serde::de::Error::custom),
            Given::Line(line) if line.quantity > 0 && !line.part.trim().is_empty() => Ok(line),
            Given::Line(line) => Err(serde::de::Error::custom(InputError::NotAPart(
                line.to_string(),
            ))),
        })
        .collect()
}

/// A checkbox: ticked (`true`, `on`, `yes`) or not sent.
fn ticked<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Bool(bool),
        Text(String),
    }
    match Given::deserialize(deserializer)? {
        Given::Bool(value) => Ok(value),
        Given::Text(text) => match text.trim() {
            "true" | "on" | "yes" => Ok(true),
            "false" | "" => Ok(false),
            other => Err(serde::de::Error::invalid_value(
                serde::de::Unexpected::Str(other),
                &"a ticked box",
            )),
        },
    }
}

// The requests below are also the command line's arguments (with the `cli` feature): each
// one's documentation is the command's help, its examples the command's.

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

/// One step of the regulation, as asked for. The wire name of each is its command's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", content = "with", rename_all = "kebab-case")]
pub enum Step {
    Intake(Intake),
    Edit(Edit),
    Forward(Forward),
    Assess(Assess),
    Receive(Receive),
    Move(Move),
    Assign(Assign),
    Repair(Repair),
    PartsRequest(PartsRequest),
    Inspect(Inspect),
    ShipNotice(ShipNotice),
    Pack(Pack),
    Ship(Ship),
    Confirm(Confirm),
    Cost(Cost),
    Close(Close),
    Archive(Archive),
    Hold(Hold),
    Resume(Resume),
    Cancel(Cancel),
    Resolve(Resolve),
}

/// A source of requests: a posted form, say. `decode` reads one request from it and refuses
/// fields the request does not have, naming them.
pub trait Decode {
    fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, String>;
}

/// Why a form or a hand-made request is not a step: its step is unknown, or a field is
/// missing, unknown or unreadable (the message names it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRequest {
    NoSuchStep(String),
    Fields { step: &'static str, problem: String },
}

impl Localized for BadRequest {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::NoSuchStep(name) => tr!(lang, "step-unknown", step = name.as_str()),
            Self::Fields { step, problem } => tr!(
                lang,
                "step-bad-fields",
                step = *step,
                problem = problem.as_str()
            ),
        }
    }
}
crate::english_display!(BadRequest);

impl Step {
    /// The request of `action` read from a form (or another self-describing source) by
    /// `source`; a field the request lacks, one missing or unreadable is named.
    pub fn decode(action: Action, source: &impl Decode) -> Result<Self, BadRequest> {
        let step = action.command();
        let fields = |problem: String| BadRequest::Fields { step, problem };
        match action {
            Action::Intake => source.decode().map(Self::Intake),
            Action::Edit => source.decode().map(Self::Edit),
            Action::Forward => source.decode().map(Self::Forward),
            Action::Assess => source.decode().map(Self::Assess),
            Action::Receive => source.decode().map(Self::Receive),
            Action::Move => source.decode().map(Self::Move),
            Action::Assign => source.decode().map(Self::Assign),
            Action::Repair => source.decode().map(Self::Repair),
            Action::PartsRequest => source.decode().map(Self::PartsRequest),
            Action::Inspect => source.decode().map(Self::Inspect),
            Action::ShipNotice => source.decode().map(Self::ShipNotice),
            Action::Pack => source.decode().map(Self::Pack),
            Action::Ship => source.decode().map(Self::Ship),
            Action::Confirm => source.decode().map(Self::Confirm),
            Action::Cost => source.decode().map(Self::Cost),
            Action::Close => source.decode().map(Self::Close),
            Action::Archive => source.decode().map(Self::Archive),
            Action::Hold => source.decode().map(Self::Hold),
            Action::Resume => source.decode().map(Self::Resume),
            Action::Cancel => source.decode().map(Self::Cancel),
            Action::Resolve => source.decode().map(Self::Resolve),
            Action::AuditCost | Action::Scan | Action::Label => {
                return Err(BadRequest::NoSuchStep(step.to_owned()));
            }
        }
        .map_err(fields)
    }

    /// The ticket the step is on (none for a registration: it makes the ticket).
    pub fn ticket(&self) -> Option<&TicketNumber> {
        fn first(what: &[TicketOrUnit]) -> Option<&TicketNumber> {
            what.first().map(TicketOrUnit::ticket)
        }
        match self {
            Self::Intake(_) => None,
            Self::Edit(s) => Some(&s.ticket),
            Self::Forward(s) => Some(&s.ticket),
            Self::Assess(s) => Some(&s.ticket),
            Self::Receive(s) => Some(&s.ticket),
            Self::Move(s) => Some(s.unit.ticket()),
            Self::Assign(s) => first(&s.what),
            Self::Repair(s) => Some(s.unit.ticket()),
            Self::PartsRequest(s) => Some(s.what.ticket()),
            Self::Inspect(s) => Some(s.unit.ticket()),
            Self::ShipNotice(s) => Some(&s.ticket),
            Self::Pack(s) => first(&s.what),
            Self::Ship(s) => Some(&s.ticket),
            Self::Confirm(s) => Some(&s.ticket),
            Self::Cost(s) => Some(&s.ticket),
            Self::Close(s) => Some(&s.ticket),
            Self::Archive(s) => Some(&s.ticket),
            Self::Hold(s) => Some(&s.ticket),
            Self::Cancel(s) => Some(&s.ticket),
            Self::Resume(s) => Some(&s.ticket),
            Self::Resolve(s) => Some(&s.ticket),
        }
    }

    /// The one unit the step is on, if it is on one.
    pub fn unit(&self) -> Option<&UnitNumber> {
        match self {
            Self::Move(s) => Some(&s.unit),
            Self::Repair(s) => Some(&s.unit),
            Self::Inspect(s) => Some(&s.unit),
            Self::PartsRequest(s) => s.what.unit(),
            _ => None,
        }
    }

    /// Which duty of the regulation the step is (section 1).
    pub fn action(&self) -> Action {
        match self {
            Self::Intake(_) => Action::Intake,
            Self::Edit(_) => Action::Edit,
            Self::Forward(_) => Action::Forward,
            Self::Assess(_) => Action::Assess,
            Self::Receive(_) => Action::Receive,
            Self::Move(_) => Action::Move,
            Self::Assign(_) => Action::Assign,
            Self::Repair(_) => Action::Repair,
            Self::PartsRequest(_) => Action::PartsRequest,
            Self::Inspect(_) => Action::Inspect,
            Self::ShipNotice(_) => Action::ShipNotice,
            Self::Pack(_) => Action::Pack,
            Self::Ship(_) => Action::Ship,
            Self::Confirm(_) => Action::Confirm,
            Self::Cost(_) => Action::Cost,
            Self::Close(_) => Action::Close,
            Self::Archive(_) => Action::Archive,
            Self::Hold(_) => Action::Hold,
            Self::Resume(_) => Action::Resume,
            Self::Cancel(_) => Action::Cancel,
            Self::Resolve(_) => Action::Resolve,
        }
    }
}

/// What a step did: the events it recorded, in order (an edit of two fields records two), and
/// the ticket as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub recorded: Vec<Event>,
    pub ticket: TicketView,
}

impl Outcome {
    /// What a person reads: what was recorded, then where the ticket stands. A registration
    /// says its new number alone (scripts read it).
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        let number = &self.ticket.number;
        let mut lines: Vec<String> = self
            .recorded
            .iter()
            .flat_map(|event| done(&event.kind, number, lang))
            .collect();
        let registered = self
            .recorded
            .iter()
            .any(|e| matches!(e.kind, EventKind::Registered));
        if !registered {
            let view = &self.ticket;
            let states = view.units.iter().map(|u| u.status.state);
            lines.push(status_line(&view.number, view.status, states, lang));
        }
        lines
    }
}

/// Where a ticket stands, in a sentence: its status, and its units' state when they agree.
pub fn status_line(
    ticket: &TicketNumber,
    status: TicketStatus,
    units: impl IntoIterator<Item = UnitState>,
    lang: Lang,
) -> String {
    let states: Vec<UnitState> = units.into_iter().collect();
    let status = status.label(lang);
    let ticket = ticket.to_string();
    match states.first() {
        Some(first) if states.iter().all(|s| s == first) => tr!(
            lang,
            "out-status-line-units",
            ticket = ticket,
            status = status,
            count = states.len(),
            state = first.label(lang)
        ),
        _ => tr!(lang, "out-status-line", ticket = ticket, status = status),
    }
}

/// What recording `kind` on `ticket` did, in a person's words.
fn done(kind: &EventKind, ticket: &TicketNumber, lang: Lang) -> Vec<String> {
    let ticket_text = ticket.to_string();
    let line = match kind {
        EventKind::Registered => ticket_text,
        EventKind::Edited { field, .. } => tr!(
            lang,
            "edit-changed",
            field = field.label(lang),
            ticket = ticket_text
        ),
        EventKind::Forwarded { .. } => tr!(lang, "done-forwarded", ticket = ticket_text),
        EventKind::Assessed(_) => tr!(lang, "done-assessed", ticket = ticket_text),
        EventKind::Received(r) => {
            let place = match &r.area {
                Some(area) => tr!(lang, "receive-stored", area = area.to_string()),
                None => tr!(lang, "receive-not-stored"),
            };
            let first = r.units.first().map(ToString::to_string).unwrap_or_default();
            let last = r.units.last().map(ToString::to_string).unwrap_or_default();
            let received = tr!(
                lang,
                "done-received",
                count = r.units.len(),
                first = first,
                last = last,
                place = place
            );
            return match &r.discrepancy {
                Some(text) => vec![
                    received,
                    tr!(lang, "receive-discrepancy", text = text.as_str()),
                ],
                None => vec![received],
            };
        }
        EventKind::Moved { unit, to } => tr!(
            lang,
            "done-moved",
            unit = unit.to_string(),
            to = to.to_string()
        ),
        EventKind::Assigned { repairer, units } => tr!(
            lang,
            "done-assigned",
            count = units.len(),
            repairer = repairer.as_str()
        ),
        EventKind::Repaired(r) => tr!(
            lang,
            if r.finished {
                "done-repaired"
            } else {
                "done-repair-continues"
            },
            minutes = r.minutes,
            unit = r.unit.to_string()
        ),
        EventKind::PartsRequested { parts, .. } => tr!(lang, "done-parts", count = parts.len()),
        EventKind::Inspected { unit, verdict, .. } => tr!(
            lang,
            match verdict {
                Verdict::Pass => "done-passed",
                Verdict::Fail => "done-failed",
            },
            unit = unit.to_string()
        ),
        EventKind::ShipNoticed { method, date, .. } => tr!(
            lang,
            "done-ship-notice",
            ticket = ticket_text,
            method = method.as_str(),
            date = date.to_string()
        ),
        EventKind::Packed { units } => tr!(
            lang,
            "done-packed",
            count = units.len(),
            ticket = ticket_text
        ),
        EventKind::Shipped {
            carrier,
            tracking,
            units,
        } => tr!(
            lang,
            "done-shipped",
            count = units.len(),
            ticket = ticket_text,
            carrier = carrier.as_str(),
            tracking = tracking.as_str()
        ),
        EventKind::Confirmed(c) => tr!(
            lang,
            "done-confirmed",
            ticket = ticket_text,
            satisfaction = c.satisfaction
        ),
        EventKind::Cost(line) => tr!(
            lang,
            "cost-added",
            amount = line.amount.to_string(),
            kind = line.kind.label(lang),
            ticket = ticket_text,
            payer = line.payer.label(lang)
        ),
        EventKind::Closed { .. } => tr!(lang, "done-closed", ticket = ticket_text),
        EventKind::Archived {
            keeper,
            retain_until,
            ..
        } => tr!(
            lang,
            "done-archived",
            ticket = ticket_text,
            keeper = keeper.as_str(),
            until = retain_until.to_string()
        ),
        EventKind::Held { .. } => tr!(lang, "done-held", ticket = ticket_text),
        EventKind::Resumed => tr!(lang, "done-resumed", ticket = ticket_text),
        EventKind::Cancelled { .. } => tr!(lang, "done-cancelled", ticket = ticket_text),
        EventKind::ConflictResolved { .. } => tr!(lang, "done-resolved", ticket = ticket_text),
        EventKind::CostAudited { .. }
        | EventKind::Scanned { .. }
        | EventKind::LabelsPrinted { .. } => kind.describe(lang),
    };
    vec![line]
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Form(&'static str);

    impl Decode for Form {
        fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
            serde_json::from_str(self.0).map_err(|e| e.to_string())
        }
    }

    #[test]
    fn a_request_is_read_with_its_types_and_a_field_it_lacks_is_named() {
        let step = Step::decode(
            Action::Repair,
            &Form(
                r#"{"unit": "WH1-2026-00001-1", "steps": " new fuse ", "part": ["FUSE-5A:2", "CLIP"],
                    "minutes": 25, "unfinished": "on"}"#,
            ),
        )
        .unwrap();
        let Step::Repair(repair) = step else {
            panic!("{step:?}")
        };
        assert_eq!(repair.steps.as_str(), "new fuse");
        assert_eq!(repair.parts[0].quantity, 2);
        assert_eq!(repair.parts[1].quantity, 1);
        assert!(repair.unfinished);

        let err = Step::decode(
            Action::Hold,
            &Form(r#"{"ticket": "WH1-2026-00001", "reason": "x", "colour": "red"}"#),
        )
        .unwrap_err();
        assert!(err.message(Lang::En).contains("colour"), "{err}");
        let err = Step::decode(
            Action::Confirm,
            &Form(
                r#"{"ticket": "WH1-2026-00001",
            "delivered-on": "2026-12-01", "satisfaction": 9}"#,
            ),
        )
        .unwrap_err();
        assert!(err.message(Lang::En).contains('9'), "{err}");
        assert!(Step::decode(Action::Scan, &Form("{}")).is_err());
    }

    #[test]
    fn typed_values_refuse_what_a_person_could_mistype() {
        assert!("  ".parse::<Text>().is_err());
        assert!("12.5".parse::<Amount>().is_ok());
        assert!("-3".parse::<Amount>().is_ok());
        for bad in ["", "1,5", "abc", "1.2.3", "."] {
            assert!(bad.parse::<Amount>().is_err(), "{bad}");
        }
        assert!("0".parse::<Quantity>().is_err());
        assert!("10001".parse::<Quantity>().is_err());
        assert_eq!("3".parse::<Satisfaction>().unwrap().get(), 3);
        assert!(parse_part("FUSE:0").is_err());
        assert!(parse_date("2026-13-01").is_err());
    }
}
