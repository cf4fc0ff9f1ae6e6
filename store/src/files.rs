//! Files both binaries keep beside their stores: settings read from TOML, and the small
//! private files that announce a running server and its secret.

use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("{}", rma_shared::tr!(rma_shared::i18n::current(), "settings-read", path = .path.display().to_string()))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", rma_shared::tr!(rma_shared::i18n::current(), "settings-parse", path = .path.display().to_string(), message = .message.as_str()))]
    Parse { path: PathBuf, message: String },
    #[error("{}", rma_shared::tr!(rma_shared::i18n::current(), "settings-env", name = *.name, value = .value.as_str(), expected = *.expected))]
    Env {
        name: &'static str,
        value: String,
        expected: &'static str,
    },
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
