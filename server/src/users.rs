//! The office's people: accounts with a role (the departments of REGULATION.md section 1),
//! passwords kept only as slow Argon2id hashes, and login sessions.
//!
//! Keys:
//! ```text
//! user:{name}                   the account (JSON)
//! sess:{sha256 of token, hex}   a session (JSON): whose, until when
//! ```

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use chrono::{DateTime, Duration, Utc};
use rma_shared::TicketId;
use rma_store::kv::Batch;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

use crate::store::{ServerStore, ServerStoreError};

/// The departments of regulation section 1, plus the head of the company and an administrator.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Sales,
    #[value(name = "after_sales", alias = "after-sales")]
    AfterSales,
    Technical,
    Production,
    Procurement,
    Finance,
    Head,
    Admin,
}

impl Role {
    /// The department's name, for people.
    pub fn label(self, lang: rma_shared::i18n::Lang) -> String {
        let key = match self {
            Self::Sales => "sales",
            Self::AfterSales => "after_sales",
            Self::Technical => "technical",
            Self::Production => "production",
            Self::Procurement => "procurement",
            Self::Finance => "finance",
            Self::Head => "head",
            Self::Admin => "admin",
        };
        rma_shared::tr!(lang, "role", role = key)
    }

    /// Regulation 6: after-sales keeps the cost ledger and finance audits it.
    pub fn reads_costs(self) -> bool {
        matches!(
            self,
            Self::AfterSales | Self::Finance | Self::Head | Self::Admin
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub added_at: DateTime<Utc>,
    password_hash: String,
    /// The account behind the name, new each time the name is added: sessions belong to it,
    /// so a person added again under an old name inherits none of the old sessions. (Empty
    /// for accounts made before it existed.)
    #[serde(default)]
    account: String,
    /// The language the person chose for the pages (the switch on every page).
    #[serde(default)]
    pub language: Option<rma_shared::i18n::Lang>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Session {
    user: String,
    /// The account the session was opened for (see [`User`]).
    #[serde(default)]
    account: String,
    until: DateTime<Utc>,
}

#[derive(Debug, Error)]
pub enum UserError {
    #[error("{0:?} is not a user name: use 1 to 40 letters, digits, '.', '_' or '-'")]
    BadName(String),
    #[error("a password needs at least 8 characters")]
    ShortPassword,
    #[error("user {0} already exists; remove it first to set a new password")]
    Exists(String),
    #[error("there is no user {0}")]
    Unknown(String),
    #[error(transparent)]
    Store(#[from] ServerStoreError),
}

impl From<rma_store::kv::KvError> for UserError {
    fn from(err: rma_store::kv::KvError) -> Self {
        Self::Store(err.into())
    }
}

fn user_key(name: &str) -> String {
    format!("user:{}", name.to_lowercase())
}

fn session_key(token: &str) -> String {
    let hash = Sha256::digest(token.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sess:{hex}")
}

fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(TicketId::random().to_string().as_bytes())
        .expect("a 32-byte salt is within limits");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 with default parameters hashes any password")
        .to_string()
}

/// How long a session lasts without logging in again.
pub const SESSION_HOURS: i64 = 12;

impl ServerStore {
    pub fn add_user(
        &self,
        name: &str,
        role: Role,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<User, UserError> {
        let name = name.trim();
        let name_ok = (1..=40).contains(&name.chars().count())
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || "._-".contains(c));
        if !name_ok {
            return Err(UserError::BadName(name.to_owned()));
        }
        if password.chars().count() < 8 {
            return Err(UserError::ShortPassword);
        }
        if self.kv().get(user_key(name))?.is_some() {
            return Err(UserError::Exists(name.to_owned()));
        }
        let user = User {
            name: name.to_owned(),
            role,
            added_at: now,
            password_hash: hash_password(password),
            account: TicketId::random().to_string(),
            language: None,
        };
        let mut batch = Batch::default();
        batch.put(
            user_key(name),
            serde_json::to_vec(&user).expect("users serialise"),
        );
        self.kv().commit(batch)?;
        Ok(user)
    }

    /// Keeps the language `name` chose for the pages.
    pub fn set_language(&self, name: &str, lang: rma_shared::i18n::Lang) -> Result<(), UserError> {
        let Some(mut user) = self.user(name)? else {
            return Err(UserError::Unknown(name.to_owned()));
        };
        user.language = Some(lang);
        let mut batch = Batch::default();
        batch.put(
            user_key(name),
            serde_json::to_vec(&user).expect("users serialise"),
        );
        self.kv().commit(batch)?;
        Ok(())
    }

    pub fn remove_user(&self, name: &str) -> Result<(), UserError> {
        if self.user(name)?.is_none() {
            return Err(UserError::Unknown(name.to_owned()));
        }
        let mut batch = Batch::default();
        batch.delete(user_key(name));
        // Their sessions end too: a session names its user, and a missing user is no one.
        self.kv().commit(batch)?;
        Ok(())
    }

    pub fn user(&self, name: &str) -> Result<Option<User>, UserError> {
        Ok(self
            .kv()
            .get(user_key(name))?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    pub fn users(&self) -> Result<Vec<User>, UserError> {
        let mut users = Vec::new();
        for entry in self.kv().scan(b"user:") {
            if let Ok(user) = serde_json::from_slice(&entry?.1) {
                users.push(user);
            }
        }
        Ok(users)
    }

    /// Checks a password (slowly, on purpose) and opens a session: its secret token.
    pub fn log_in(
        &self,
        name: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, User)>, UserError> {
        let user = self.user(name.trim())?;
        // Verify against a stand-in hash for an unknown name: one slow check either way, so
        // timing does not tell which names exist.
        static STAND_IN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let stored = match &user {
            Some(u) => u.password_hash.clone(),
            None => STAND_IN
                .get_or_init(|| hash_password("not anyone's password"))
                .clone(),
        };
        let parsed = PasswordHash::new(&stored).ok();
        let matches = parsed.is_some_and(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        });
        let Some(user) = user.filter(|_| matches) else {
            return Ok(None);
        };
        let token = format!("{}{}", TicketId::random(), TicketId::random());
        let session = Session {
            user: user.name.clone(),
            account: user.account.clone(),
            until: now + Duration::hours(SESSION_HOURS),
        };
        let mut batch = Batch::default();
        batch.put(
            session_key(&token),
            serde_json::to_vec(&session).expect("sessions serialise"),
        );
        self.kv().apply_unflushed(batch)?;
        Ok(Some((token, user)))
    }

    /// The user of a live session.
    pub fn session(&self, token: &str, now: DateTime<Utc>) -> Result<Option<User>, UserError> {
        let Some(bytes) = self.kv().get(session_key(token))? else {
            return Ok(None);
        };
        let Ok(session) = serde_json::from_slice::<Session>(&bytes) else {
            return Ok(None);
        };
        if session.until < now {
            self.log_out(token)?;
            return Ok(None);
        }
        // The account, not just the name: a name removed and added again is someone new.
        Ok(self
            .user(&session.user)?
            .filter(|user| user.account == session.account))
    }

    pub fn log_out(&self, token: &str) -> Result<(), UserError> {
        let mut batch = Batch::default();
        batch.delete(session_key(token));
        self.kv().apply_unflushed(batch)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_and_sessions_end() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::test_support::open(dir.path());
        let now = Utc::now();
        let user = store
            .add_user("li.wei", Role::Finance, "correct horse", now)
            .unwrap();
        assert!(user.password_hash.starts_with("$argon2id$"));
        assert!(!user.password_hash.contains("correct horse"));
        assert!(matches!(
            store.add_user("li.wei", Role::Head, "another one", now),
            Err(UserError::Exists(_))
        ));
        assert!(matches!(
            store.add_user("x", Role::Head, "short", now),
            Err(UserError::ShortPassword)
        ));
        assert!(matches!(
            store.add_user("<b>", Role::Head, "long enough", now),
            Err(UserError::BadName(_))
        ));

        assert!(
            store
                .log_in("li.wei", "wrong password", now)
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .log_in("nobody", "correct horse", now)
                .unwrap()
                .is_none()
        );
        let (token, user) = store
            .log_in("li.wei", "correct horse", now)
            .unwrap()
            .unwrap();
        assert_eq!(user.role, Role::Finance);
        assert_eq!(store.session(&token, now).unwrap().unwrap().name, "li.wei");
        let later = now + Duration::hours(SESSION_HOURS + 1);
        assert!(
            store.session(&token, later).unwrap().is_none(),
            "sessions expire"
        );
        let (token, _) = store
            .log_in("li.wei", "correct horse", now)
            .unwrap()
            .unwrap();
        store.log_out(&token).unwrap();
        assert!(store.session(&token, now).unwrap().is_none());
        let (token, _) = store
            .log_in("li.wei", "correct horse", now)
            .unwrap()
            .unwrap();
        store.remove_user("li.wei").unwrap();
        assert!(
            store.session(&token, now).unwrap().is_none(),
            "a removed user's session ends"
        );
        // Added again under the same name: a new account, none of the old sessions.
        store
            .add_user("li.wei", Role::Finance, "correct horse", now)
            .unwrap();
        assert!(
            store.session(&token, now).unwrap().is_none(),
            "an old session does not come back with the name"
        );
        let (fresh, _) = store
            .log_in("li.wei", "correct horse", now)
            .unwrap()
            .unwrap();
        assert_eq!(store.session(&fresh, now).unwrap().unwrap().name, "li.wei");
    }
}
