//! Files both binaries keep beside their stores: settings read from TOML, and the small
//! private files that announce a running server and its secret.

use std::path::{Path, PathBuf};

use rma_shared::calendar::{Calendar, CalendarError};
use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;
use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SettingsError {
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    Parse {
        path: PathBuf,
        message: String,
    },
    Env {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
}

impl Localized for SettingsError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Read { path, .. } => {
                tr!(lang, "settings-read", path = path.display().to_string())
            }
            Self::Parse { path, message } => tr!(
                lang,
                "settings-parse",
                path = path.display().to_string(),
                message = message.as_str()
            ),
            Self::Env {
                name,
                value,
                expected,
            } => tr!(
                lang,
                "settings-env",
                name = *name,
                value = value.as_str(),
                expected = *expected
            ),
        }
    }
}
rma_shared::english_display!(SettingsError);

/// The company's calendar as the settings name it: `time_zone` (else this machine's) and the
/// `calendar` file (else `calendar.toml` in the data folder `data`, if there is one).
pub fn company_calendar(
    time_zone: Option<&str>,
    file: Option<&Path>,
    data: &Path,
) -> Result<Calendar, CalendarError> {
    let zone = match time_zone {
        Some(name) => Calendar::zone(name)?,
        None => machine_zone(),
    };
    let mut calendar = Calendar::in_zone(zone);
    let default = data.join("calendar.toml");
    if let Some(path) = file.or_else(|| default.exists().then_some(default.as_path())) {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CalendarError::Read {
            path: shown.clone(),
            source,
        })?;
        calendar.add_text(&text, &shown)?;
    }
    Ok(calendar)
}

/// This machine's time zone, by its IANA name; UTC if it has none.
pub fn machine_zone() -> chrono_tz::Tz {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse().ok())
        .unwrap_or(chrono_tz::Tz::UTC)
}

/// A file or folder that cannot be written or read for a reason a person can mend, in plain
/// words with what to do: the disk is full, the folder is read-only, or not this user's.
pub fn io_problem(err: &std::io::Error, lang: Lang) -> Option<String> {
    use std::io::ErrorKind;
    let key = match (err.kind(), err.raw_os_error()) {
        (ErrorKind::StorageFull, _) | (_, Some(28)) => "io-disk-full",
        (ErrorKind::ReadOnlyFilesystem, _) | (_, Some(30)) => "io-read-only",
        (ErrorKind::PermissionDenied, _) => "io-no-permission",
        _ => return None,
    };
    Some(tr!(lang, key))
}

/// Reads settings of type `T` from `file` if given, else from `default_name` in `data_dir` if
/// it exists, else `T::default()`. Unknown keys are errors that name the file.
pub fn load_file<T: serde::de::DeserializeOwned + Default>(
    data_dir: &Path,
    default_name: &str,
    file: Option<&Path>,
) -> Result<T, SettingsError> {
    let default_file = data_dir.join(default_name);
    let path = match file {
        Some(path) => path.to_owned(),
        None if default_file.exists() => default_file,
        None => return Ok(T::default()),
    };
    let text = std::fs::read_to_string(&path).map_err(|source| SettingsError::Read {
        path: path.clone(),
        source,
    })?;
    toml::from_str(&text).map_err(|err| SettingsError::Parse {
        path,
        message: err.message().to_owned(),
    })
}

/// Writes `value` as JSON to `path`, readable by its owner only, replacing the file whole (a
/// reader never sees half of it). For the files that announce a running server and its secret.
pub fn write_private_json(path: &Path, value: &impl Serialize) -> std::io::Result<()> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(".tmp");
    let temp = PathBuf::from(temp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&temp)?;
    serde_json::to_writer(&file, value)?;
    file.sync_all()?;
    std::fs::rename(&temp, path)
}

/// Creates the folder `path` (and its parents) and makes it the owner's alone (0700 on Unix):
/// it holds customer data and the secrets a site syncs with.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}
