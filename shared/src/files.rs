//! Photos and documents kept with a ticket. The ticket's document holds a reference only (an
//! [`EventKind::Attached`](crate::EventKind::Attached) event: hash, size, type, caption, step,
//! unit); the bytes are content-addressed files beside each store and travel after the
//! documents, in resumable pieces, the hash checked before a file counts.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Digest as _;

use crate::i18n::{Lang, Localized};
use crate::ids::UnitNumber;
use crate::tr;

/// A file's SHA-256: its name wherever it is kept.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileHash([u8; 32]);

impl FileHash {
    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(sha2::Sha256::digest(bytes).into())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Reads 64 hexadecimal digits (either case).
    pub fn parse(text: &str) -> Result<Self, FileError> {
        let bad = || FileError::BadHash(text.chars().take(80).collect());
        if text.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, pair) in text.as_bytes().chunks(2).enumerate() {
            let digit = |c: u8| (c as char).to_digit(16).ok_or_else(bad);
            out[i] = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }

    /// Where the bytes go through a hash as they are read in pieces.
    pub fn hasher() -> Hasher {
        Hasher(sha2::Sha256::new())
    }
}

/// A hash worked out piece by piece.
#[derive(Debug, Clone)]
pub struct Hasher(sha2::Sha256);

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub fn finish(self) -> FileHash {
        FileHash(self.0.finalize().into())
    }
}

impl fmt::Display for FileHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for FileHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileHash({self})")
    }
}

impl std::str::FromStr for FileHash {
    type Err = FileError;
    fn from_str(s: &str) -> Result<Self, FileError> {
        Self::parse(s)
    }
}

impl Serialize for FileHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FileHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for FileHash {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[0-9a-f]{64}$"))
            .description(Some("SHA-256 of the file, 64 hexadecimal digits"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for FileHash {}

/// The kinds of file a ticket keeps: photos and PDF documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MediaType {
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/webp")]
    Webp,
    #[serde(rename = "application/pdf")]
    Pdf,
}

impl MediaType {
    /// What `bytes` are, by their first bytes (not by a file's name).
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Pdf => "application/pdf",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Pdf => "pdf",
        }
    }

    pub fn is_image(self) -> bool {
        self != Self::Pdf
    }
}

/// Which part of the work a file is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    // The receiving check (2.4): what arrived, its packaging and appearance.
    Receiving,
    // A repair (3.2).
    Repair,
    // An inspection (3.4).
    Inspection,
    // Packing for shipment (4.2).
    Packing,
    #[default]
    Other,
}

impl Evidence {
    pub const ALL: [Self; 5] = [
        Self::Receiving,
        Self::Repair,
        Self::Inspection,
        Self::Packing,
        Self::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Receiving => "receiving",
            Self::Repair => "repair",
            Self::Inspection => "inspection",
            Self::Packing => "packing",
            Self::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.key() == text)
    }

    pub fn label(self, lang: Lang) -> String {
        tr!(lang, "evidence", step = self.key())
    }
}

/// A small picture of a photo (JPEG, about 320 pixels on its longer side), kept and sent with
/// the ticket where the full photo is fetched only when someone opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Thumbnail {
    pub sha256: FileHash,
    pub size: u64,
}

/// A photo or document kept with a ticket: what the ticket's document holds of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub sha256: FileHash,
    /// Bytes.
    pub size: u64,
    pub media_type: MediaType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<Thumbnail>,
    /// The file's name where it was taken from (`IMG_0012.jpg`), if it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    pub step: Evidence,
    /// The unit it shows, when it shows one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitNumber>,
}

impl Attachment {
    /// Every file this reference names: the file and its thumbnail.
    pub fn files(&self) -> impl Iterator<Item = (FileHash, u64)> + '_ {
        std::iter::once((self.sha256, self.size))
            .chain(self.thumbnail.iter().map(|t| (t.sha256, t.size)))
    }
}

/// How large files may be: each, and all of a ticket's together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FileLimits {
    pub max_file_mib: u32,
    pub max_ticket_mib: u32,
}

impl Default for FileLimits {
    fn default() -> Self {
        Self {
            max_file_mib: 20,
            max_ticket_mib: 200,
        }
    }
}

impl FileLimits {
    pub fn max_file(&self) -> u64 {
        u64::from(self.max_file_mib) << 20
    }

    pub fn max_ticket(&self) -> u64 {
        u64::from(self.max_ticket_mib) << 20
    }
}

/// The most bytes one request of a file's transfer carries. Bytes a cut request had already
/// delivered are kept, so a cut costs only what was in flight.
pub const PIECE_BYTES: usize = 1 << 20;

/// Why a file was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    BadHash(String),
    /// Not a JPEG, PNG, WebP or PDF (by its content).
    NotAllowed {
        name: String,
    },
    TooLarge {
        name: String,
        size: u64,
        limit: u64,
    },
    TicketFull {
        ticket: String,
        limit: u64,
    },
    Empty {
        name: String,
    },
    /// A picture that could not be read, or would be too large once decoded.
    BadImage {
        name: String,
        reason: String,
    },
}

impl Localized for FileError {
    fn message(&self, lang: Lang) -> String {
        let mib = |bytes: &u64| format!("{:.1}", *bytes as f64 / f64::from(1 << 20));
        match self {
            Self::BadHash(text) => tr!(lang, "file-bad-hash", text = text.as_str()),
            Self::NotAllowed { name } => tr!(lang, "file-not-allowed", name = name.as_str()),
            Self::TooLarge { name, size, limit } => tr!(
                lang,
                "file-too-large",
                name = name.as_str(),
                size = mib(size),
                limit = mib(limit)
            ),
            Self::TicketFull { ticket, limit } => tr!(
                lang,
                "file-ticket-full",
                ticket = ticket.as_str(),
                limit = mib(limit)
            ),
            Self::Empty { name } => tr!(lang, "file-empty", name = name.as_str()),
            Self::BadImage { name, reason } => tr!(
                lang,
                "file-bad-image",
                name = name.as_str(),
                reason = reason.as_str()
            ),
        }
    }
}
crate::english_display!(FileError);

/// Checks what a person gives before anything is stored: its type by content, and its size.
pub fn check_upload(name: &str, bytes: &[u8], limits: &FileLimits) -> Result<MediaType, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty {
            name: name.to_owned(),
        });
    }
    let size = bytes.len() as u64;
    if size > limits.max_file() {
        return Err(FileError::TooLarge {
            name: name.to_owned(),
            size,
            limit: limits.max_file(),
        });
    }
    MediaType::sniff(bytes).ok_or_else(|| FileError::NotAllowed {
        name: name.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_reads_back_from_its_text_and_refuses_anything_else() {
        let hash = FileHash::of(b"photo");
        assert_eq!(FileHash::parse(&hash.to_string()).unwrap(), hash);
        assert_eq!(
            FileHash::parse(&hash.to_string().to_uppercase()).unwrap(),
            hash
        );
        for bad in ["", "abc", &"g".repeat(64), &"0".repeat(63), &"é".repeat(32)] {
            assert!(FileHash::parse(bad).is_err(), "{bad}");
        }
        let mut pieces = FileHash::hasher();
        pieces.update(b"pho");
        pieces.update(b"to");
        assert_eq!(pieces.finish(), hash);
    }

    #[test]
    fn files_are_known_by_their_content_and_limited_in_size() {
        let limits = FileLimits {
            max_file_mib: 1,
            max_ticket_mib: 2,
        };
        assert_eq!(
            check_upload("a.pdf", b"%PDF-1.7 ...", &limits),
            Ok(MediaType::Pdf)
        );
        assert!(matches!(
            check_upload("a.jpg", b"MZ\x90\x00", &limits),
            Err(FileError::NotAllowed { .. })
        ));
        assert!(matches!(
            check_upload("big.pdf", &vec![b'%'; (1 << 20) + 1], &limits),
            Err(FileError::TooLarge { .. })
        ));
        assert!(check_upload("none", b"", &limits).is_err());
        let err = check_upload("big.pdf", &vec![b'%'; (1 << 20) + 1], &limits).unwrap_err();
        assert!(err.message(Lang::ZhCn).contains("big.pdf"), "{err}");
    }
}
