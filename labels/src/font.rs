//! The fonts PNG and PDF labels are drawn with: the machine's installed fonts, a Latin one
//! first and a CJK one for Chinese, each loaded only when a label needs it.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use ab_glyph::{Font as _, FontVec};

use crate::layout::LabelError;

/// The font files looked for, in order of preference: Latin fonts first (they draw codes and
/// numbers best), then fonts with Chinese. The Debian package of each is named in errors.
const PREFERRED: &[&str] = &[
    "DejaVuSans.ttf",
    "LiberationSans-Regular.ttf",
    "NotoSans-Regular.ttf",
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKsc-Regular.otf",
    "wqy-microhei.ttc",
    "wqy-zenhei.ttc",
    "DroidSansFallbackFull.ttf",
    "SourceHanSansSC-Regular.otf",
];

/// Where fonts are installed.
const FONT_DIRS: &[&str] = &["/usr/share/fonts", "/usr/local/share/fonts"];

/// An ordered list of font files; a character is drawn with the first font that has it.
#[derive(Debug, Default)]
pub struct Fonts {
    faces: Vec<(PathBuf, OnceCell<Result<FontVec, String>>)>,
}

impl Fonts {
    /// These font files, in this order.
    pub fn from_paths(paths: impl IntoIterator<Item = PathBuf>) -> Self {
        Self {
            faces: paths
                .into_iter()
                .map(|path| (path, OnceCell::new()))
                .collect(),
        }
    }

    /// `RMA_LABEL_FONT` (a file, or several separated by `:`) if set, then the installed fonts
    /// this crate knows, Latin first.
    pub fn system() -> Self {
        Self::system_with(std::env::var_os("RMA_LABEL_FONT").as_deref())
    }

    /// As [`Fonts::system`], with `chosen` in place of `RMA_LABEL_FONT`.
    pub fn system_with(chosen: Option<&std::ffi::OsStr>) -> Self {
        let mut paths: Vec<PathBuf> = chosen
            .map(|v| std::env::split_paths(v).collect())
            .unwrap_or_default();
        let mut dirs: Vec<PathBuf> = FONT_DIRS.iter().map(PathBuf::from).collect();
        if let Some(home) = std::env::var_os("HOME") {
            dirs.push(Path::new(&home).join(".local/share/fonts"));
            dirs.push(Path::new(&home).join(".fonts"));
        }
        let mut found = Vec::new();
        for dir in dirs {
            collect_files(&dir, 4, &mut found);
        }
        for name in PREFERRED {
            if let Some(path) = found
                .iter()
                .find(|p| p.file_name().is_some_and(|f| f == *name))
            {
                paths.push(path.clone());
            }
        }
        Self::from_paths(paths)
    }

    /// The font files, in order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.faces.iter().map(|(p, _)| p.as_path())
    }

    /// The first font that has a glyph for `c`.
    pub(crate) fn for_char(&self, c: char) -> Result<Option<&FontVec>, LabelError> {
        for (path, cell) in &self.faces {
            let font = cell
                .get_or_init(|| load(path))
                .as_ref()
                .map_err(|message| LabelError::Font {
                    path: path.display().to_string(),
                    message: message.clone(),
                })?;
            if font.glyph_id(c).0 != 0 {
                return Ok(Some(font));
            }
        }
        Ok(None)
    }
}

fn load(path: &Path) -> Result<FontVec, String> {
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    FontVec::try_from_vec_and_index(data, 0).map_err(|e| e.to_string())
}

fn collect_files(dir: &Path, depth: u32, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if depth > 0 {
                collect_files(&path, depth - 1, out);
            }
        } else {
            out.push(path);
        }
    }
}
