//! The agent's settings: defaults, then `settings.toml` in the data folder (or `--config`),
//! then environment variables. `Default` is the one place defaults are written.

use std::path::Path;

use rma_shared::DeadlineSettings;
pub use rma_store::files::{SettingsError, load_file};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The regulation's deadlines (sections 2.2, 2.3 and 5.2).
    pub deadlines: DeadlineSettings,
    /// Section 8.2: how many years an archived ticket is kept.
    pub archive_retention_years: u32,
    /// The currency of cost lines when `cost` is not given one.
    pub currency: String,
    /// Tickets per sync push request.
    pub push_batch: u32,
    /// Seconds between background syncs of `rma-agent serve` (it backs off while the server
    /// cannot be reached).
    pub sync_interval_secs: u32,
    /// The label printer at this bench.
    pub labels: LabelSettings,
    /// The language of messages when neither `--lang`, `RMA_LANG` nor the locale say one:
    /// "en" or "zh-CN".
    pub language: Option<rma_shared::i18n::Lang>,
    /// The company's time zone, e.g. "Asia/Shanghai" (default: this PC's): times shown,
    /// the year in ticket numbers and the days of deadlines count in it.
    pub time_zone: Option<String>,
    /// The company's calendar file: public holidays and make-up working days (default:
    /// `calendar.toml` in the data folder, if there is one).
    pub calendar: Option<std::path::PathBuf>,
    /// The bench page that `rma-agent serve` serves.
    pub web: WebSettings,
    /// A command that had to open the store itself starts `rma-agent serve` in the
    /// background (without the bench page), so the next commands skip opening the store; it
    /// stops after this many minutes without a command. 0: never.
    pub keep_serving_minutes: u32,
    /// How far this PC's clock may be off the server's before people are told (every sync
    /// measures it; steps are recorded at the server's time whatever it is).
    pub clock_tolerance_minutes: u32,
    /// `[files]`: how large a photo or document may be (`max_file_mib`, 20), and all of a
    /// ticket's together (`max_ticket_mib`, 200).
    pub files: rma_shared::files::FileLimits,
}

/// `[web]`: where `rma-agent serve` serves the bench page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSettings {
    /// The address, e.g. "0.0.0.0:8090" so phones on the warehouse network reach it
    /// (default: 127.0.0.1:8090, this PC only).
    pub listen: Option<std::net::SocketAddr>,
}

/// `[labels]`: the bench's label printer, used by `label --print` and `receive --labels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LabelSettings {
    /// A CUPS queue name, or `tcp://HOST:9100` for a network printer.
    pub printer: Option<String>,
    /// What the printer takes.
    pub format: LabelFormat,
    /// The printer's resolution: 203 or 300 dots per inch for most.
    pub dpi: u32,
    /// The server's address as phones on the LAN reach it (e.g. `https://rma.example.com`):
    /// when set, QR codes hold `ADDRESS/c/CODE` so a phone camera opens the ticket's page.
    pub address: Option<String>,
    /// How ZPL and TSPL labels carry text: drawn here and sent as a graphic ("graphic", the
    /// default: it fits and prints Chinese on any printer), or as the printer's own text
    /// ("printer", for a printer with a font for every character printed).
    pub text: LabelText,
}

/// `[labels] text`: how ZPL and TSPL labels carry text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelText {
    #[default]
    Graphic,
    Printer,
}

impl Default for LabelSettings {
    fn default() -> Self {
        Self {
            printer: None,
            format: LabelFormat::Zpl,
            dpi: 203,
            address: None,
            text: LabelText::Graphic,
        }
    }
}

/// The label formats, as settings and the command line write them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LabelFormat {
    Svg,
    Png,
    Pdf,
    Zpl,
    Tspl,
}

impl From<LabelFormat> for rma_labels::Format {
    fn from(format: LabelFormat) -> Self {
        match format {
            LabelFormat::Svg => Self::Svg,
            LabelFormat::Png => Self::Png,
            LabelFormat::Pdf => Self::Pdf,
            LabelFormat::Zpl => Self::Zpl,
            LabelFormat::Tspl => Self::Tspl,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            deadlines: DeadlineSettings::default(),
            archive_retention_years: 10,
            currency: "CNY".into(),
            push_batch: 500,
            sync_interval_secs: 30,
            labels: LabelSettings::default(),
            language: None,
            time_zone: None,
            calendar: None,
            web: WebSettings::default(),
            keep_serving_minutes: 10,
            clock_tolerance_minutes: 5,
            files: rma_shared::files::FileLimits::default(),
        }
    }
}

/// Environment variables that override the file, with what each sets.
pub const ENV_OVERRIDES: [(&str, &str); 8] = [
    ("RMA_AGENT_FORWARD_HOURS", "deadlines.forward_hours"),
    ("RMA_AGENT_ASSESSMENT_HOURS", "deadlines.assessment_hours"),
    (
        "RMA_AGENT_CONFIRMATION_WORKING_DAYS",
        "deadlines.confirmation_working_days",
    ),
    ("RMA_AGENT_RETENTION_YEARS", "archive_retention_years"),
    ("RMA_AGENT_CURRENCY", "currency"),
    ("RMA_AGENT_PUSH_BATCH", "push_batch"),
    ("RMA_AGENT_SYNC_INTERVAL_SECS", "sync_interval_secs"),
    ("RMA_AGENT_KEEP_SERVING_MINUTES", "keep_serving_minutes"),
];

impl Settings {
    /// The company's calendar these settings name.
    pub fn company_calendar(
        &self,
        data: &Path,
    ) -> Result<rma_shared::calendar::Calendar, rma_shared::calendar::CalendarError> {
        rma_store::files::company_calendar(
            self.time_zone.as_deref(),
            self.calendar.as_deref(),
            data,
        )
    }

    /// Loads `file` if given, else `settings.toml` in `data_dir` if it exists, then applies
    /// the environment.
    pub fn load(data_dir: &Path, file: Option<&Path>) -> Result<Self, SettingsError> {
        Self::load_with_env(data_dir, file, |name| std::env::var(name).ok())
    }

    /// As [`Settings::load`], with the environment variables read through `var` (the agent's
    /// `serve` answers with the environment of the command that asked).
    pub fn load_with_env(
        data_dir: &Path,
        file: Option<&Path>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let mut settings: Settings = load_file(data_dir, "settings.toml", file)?;
        settings.apply_env(var)?;
        Ok(settings)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), SettingsError> {
        let number = |name: &'static str| -> Result<Option<u32>, SettingsError> {
            var(name)
                .map(|value| {
                    value.trim().parse().map_err(|_| SettingsError::Env {
                        name,
                        value,
                        expected: "a whole number, e.g. 24",
                    })
                })
                .transpose()
        };
        let [
            forward,
            assessment,
            confirmation,
            retention,
            currency,
            batch,
            interval,
            keep_serving,
        ] = ENV_OVERRIDES.map(|e| e.0);
        if let Some(v) = number(forward)? {
            self.deadlines.forward_hours = v;
        }
        if let Some(v) = number(assessment)? {
            self.deadlines.assessment_hours = v;
        }
        if let Some(v) = number(confirmation)? {
            self.deadlines.confirmation_working_days = v;
        }
        if let Some(v) = number(retention)? {
            self.archive_retention_years = v;
        }
        if let Some(v) = number(batch)? {
            self.push_batch = v.max(1);
        }
        if let Some(v) = number(interval)? {
            self.sync_interval_secs = v.max(1);
        }
        if let Some(v) = number(keep_serving)? {
            self.keep_serving_minutes = v;
        }
        if let Some(value) = var(currency) {
            if rma_shared::Currency::parse(&value).is_err() {
                return Err(SettingsError::Env {
                    name: currency,
                    value,
                    expected: "a three-letter currency code, e.g. CNY",
                });
            }
            self.currency = value.trim().to_ascii_uppercase();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment_override_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("settings.toml"),
            "currency = \"EUR\"\n[deadlines]\nforward_hours = 4\n",
        )
        .unwrap();
        let mut settings = Settings::load(dir.path(), None).unwrap();
        assert_eq!(settings.currency, "EUR");
        assert_eq!(settings.deadlines.forward_hours, 4);
        assert_eq!(settings.deadlines.assessment_hours, 48);
        settings
            .apply_env(|name| (name == "RMA_AGENT_ASSESSMENT_HOURS").then(|| "12".into()))
            .unwrap();
        assert_eq!(settings.deadlines.assessment_hours, 12);
        let err = settings
            .apply_env(|name| (name == "RMA_AGENT_FORWARD_HOURS").then(|| "soon".into()))
            .unwrap_err();
        assert!(err.to_string().contains("RMA_AGENT_FORWARD_HOURS"), "{err}");
    }

    #[test]
    fn a_bad_settings_file_names_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "[deadlines]\nforward_hour = 4\n").unwrap();
        let err = Settings::load(dir.path(), Some(&file)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("bad.toml") && text.contains("forward_hour"),
            "{text}"
        );
    }
}
