//! The people who sign in: accounts with a role, passwords kept only as slow Argon2id hashes,
//! sessions, and the wrong-password count that makes guessing slow. The server keeps the
//! directory here; each agent keeps the copy sync brings it (or, with no server, its own
//! accounts), so a person signs in at any bench, also offline.
//!
//! Keys:
//! ```text
//! user:{name, lower case}       the account (JSON, rma_shared::people::Account)
//! sess:{sha256 of token, hex}   a session (JSON): whose, until when
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration as StdDuration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use chrono::{DateTime, Duration, Utc};
use rma_shared::TicketId;
use rma_shared::i18n::Lang;
use rma_shared::people::{Account, Role};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use thiserror::Error;

use crate::kv::{Batch, Kv, KvError};

/// How long a session lasts without signing in again.
pub const SESSION_HOURS: i64 = 12;

#[derive(Debug, Error)]
pub enum PeopleError {
    BadName(String),
    ShortPassword,
    Exists(String),
    Unknown(String),
    #[error(transparent)]
    Kv(#[from] KvError),
}

impl rma_shared::i18n::Localized for PeopleError {
    fn message(&self, lang: rma_shared::i18n::Lang) -> String {
        use rma_shared::tr;
        match self {
            Self::BadName(name) => tr!(lang, "people-bad-name", name = name.as_str()),
            Self::ShortPassword => tr!(lang, "people-short-password"),
            Self::Exists(name) => tr!(lang, "people-exists", name = name.as_str()),
            Self::Unknown(name) => tr!(lang, "people-unknown", name = name.as_str()),
            Self::Kv(err) => err.message(lang),
        }
    }
}
rma_shared::english_display!(PeopleError);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Session {
    user: String,
    /// The account the session was opened for (see [`Account::account`]).
    #[serde(default)]
    account: String,
    until: DateTime<Utc>,
}

/// The accounts and sessions of one store.
#[derive(Debug, Clone)]
pub struct People {
    kv: Kv,
}

fn user_key(name: &str) -> String {
    format!("user:{}", name.trim().to_lowercase())
}

fn session_key(token: &str) -> String {
    let hash = Sha256::digest(token.as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sess:{hex}")
}

/// Argon2id with 7 MiB of memory and 5 passes: one of OWASP's equivalent settings (the crate's
/// default takes 19 MiB and 2 passes). A bench PC's serve checks passwords with little memory
/// to spare; a hash keeps its own settings, so hashes made with others still verify.
fn argon2() -> Argon2<'static> {
    let params = argon2::Params::new(7 * 1024, 5, 1, None).expect("valid Argon2 parameters");
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(TicketId::random().to_string().as_bytes())
        .expect("a 32-byte salt is within limits");
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 with these parameters hashes any password")
        .to_string()
}

/// Whether `name` may name an account: 1 to 40 letters, digits, '.', '_' or '-'.
pub fn valid_name(name: &str) -> bool {
    (1..=40).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "._-".contains(c))
}

impl People {
    pub fn over(kv: Kv) -> Self {
        Self { kv }
    }

    /// Adds an account; the password is kept only as its hash.
    pub fn add(
        &self,
        name: &str,
        role: Role,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<Account, PeopleError> {
        let name = name.trim();
        if !valid_name(name) {
            return Err(PeopleError::BadName(name.to_owned()));
        }
        if password.chars().count() < 8 {
            return Err(PeopleError::ShortPassword);
        }
        if self.kv.get(user_key(name))?.is_some() {
            return Err(PeopleError::Exists(name.to_owned()));
        }
        let account = Account {
            name: name.to_owned(),
            role,
            added_at: now,
            password_hash: hash_password(password),
            account: TicketId::random().to_string(),
            language: None,
            department: None,
        };
        self.put(&account)?;
        Ok(account)
    }

    fn put(&self, account: &Account) -> Result<(), PeopleError> {
        let mut batch = Batch::default();
        batch.put(
            user_key(&account.name),
            serde_json::to_vec(account).expect("accounts serialise"),
        );
        self.kv.commit(batch)?;
        Ok(())
    }

    /// Keeps the language `name` chose for the pages.
    /// Names the department a head leads (none: the company's head).
    pub fn set_department(&self, name: &str, department: Option<Role>) -> Result<(), PeopleError> {
        let Some(mut account) = self.get(name)? else {
            return Err(PeopleError::Unknown(name.to_owned()));
        };
        account.department = department;
        self.put(&account)
    }

    pub fn set_language(&self, name: &str, lang: Lang) -> Result<(), PeopleError> {
        let Some(mut account) = self.get(name)? else {
            return Err(PeopleError::Unknown(name.to_owned()));
        };
        account.language = Some(lang);
        self.put(&account)
    }

    /// Removes an account; its sessions end with it.
    pub fn remove(&self, name: &str) -> Result<(), PeopleError> {
        if self.get(name)?.is_none() {
            return Err(PeopleError::Unknown(name.to_owned()));
        }
        let mut batch = Batch::default();
        batch.delete(user_key(name));
        self.kv.commit(batch)?;
        Ok(())
    }

    pub fn get(&self, name: &str) -> Result<Option<Account>, PeopleError> {
        Ok(self
            .kv
            .get(user_key(name))?
            .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
    }

    pub fn list(&self) -> Result<Vec<Account>, PeopleError> {
        let mut accounts = Vec::new();
        for entry in self.kv.scan(b"user:") {
            if let Ok(account) = serde_json::from_slice(&entry?.1) {
                accounts.push(account);
            }
        }
        Ok(accounts)
    }

    /// Whether there is any account (without reading them all).
    pub fn any(&self) -> Result<bool, PeopleError> {
        Ok(self.kv.scan(b"user:").next().transpose()?.is_some())
    }

    /// Makes the accounts exactly `accounts` (an agent taking the server's directory), in one
    /// durable write: a person removed at the server is gone here, with their sessions.
    pub fn replace_all(&self, accounts: &[Account]) -> Result<(), PeopleError> {
        // Every sync brings the directory; most times it has not changed: no write then.
        let mut wanted: Vec<&Account> = accounts.iter().filter(|a| valid_name(&a.name)).collect();
        wanted.sort_by_key(|a| a.name.to_lowercase());
        let held = self.list()?;
        if held.len() == wanted.len() && held.iter().zip(&wanted).all(|(a, b)| a == *b) {
            return Ok(());
        }
        let mut batch = Batch::default();
        for entry in self.kv.scan(b"user:") {
            batch.delete(entry?.0);
        }
        for account in accounts.iter().filter(|a| valid_name(&a.name)) {
            batch.put(
                user_key(&account.name),
                serde_json::to_vec(account).expect("accounts serialise"),
            );
        }
        self.kv.commit(batch)?;
        Ok(())
    }

    /// Checks a password (slowly, on purpose) and opens a session: its secret token.
    pub fn log_in(
        &self,
        name: &str,
        password: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, Account)>, PeopleError> {
        let account = self.get(name.trim())?;
        // Verify against a stand-in hash for an unknown name: one slow check either way, so
        // timing does not tell which names exist.
        static STAND_IN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let stored = match &account {
            Some(a) => a.password_hash.clone(),
            None => STAND_IN
                .get_or_init(|| hash_password("not anyone's password"))
                .clone(),
        };
        let parsed = PasswordHash::new(&stored).ok();
        let matches =
            parsed.is_some_and(|hash| argon2().verify_password(password.as_bytes(), &hash).is_ok());
        let Some(account) = account.filter(|_| matches) else {
            return Ok(None);
        };
        let token = format!("{}{}", TicketId::random(), TicketId::random());
        let session = Session {
            user: account.name.clone(),
            account: account.account.clone(),
            until: now + Duration::hours(SESSION_HOURS),
        };
        let mut batch = Batch::default();
        batch.put(
            session_key(&token),
            serde_json::to_vec(&session).expect("sessions serialise"),
        );
        self.kv.apply_unflushed(batch)?;
        Ok(Some((token, account)))
    }

    /// The account of a live session.
    pub fn session(&self, token: &str, now: DateTime<Utc>) -> Result<Option<Account>, PeopleError> {
        let Some(bytes) = self.kv.get(session_key(token))? else {
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
            .get(&session.user)?
            .filter(|account| account.account == session.account))
    }

    pub fn log_out(&self, token: &str) -> Result<(), PeopleError> {
        let mut batch = Batch::default();
        batch.delete(session_key(token));
        self.kv.apply_unflushed(batch)?;
        Ok(())
    }
}

/// What a sign-in attempt came to.
#[derive(Debug)]
pub enum SignIn {
    /// Too many wrong passwords lately: try again after this long.
    Wait(StdDuration),
    /// Wrong name or password (which of the two is not said).
    Wrong,
    /// Signed in: the session's secret token and the account.
    Welcome(String, Account),
}

impl People {
    /// A sign-in from `address`: limited by `logins`, then the (slow) password check, a few
    /// at a time, the outcome noted. Blocking: run it off async threads.
    pub fn sign_in(
        &self,
        logins: &Logins,
        name: &str,
        password: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<SignIn, PeopleError> {
        let throttle = &logins.failures;
        if let Some(wait) = throttle.wait(name, address, Instant::now()) {
            return Ok(SignIn::Wait(wait));
        }
        // Checking a password is slow on purpose: a few at a time.
        let _turn = logins.turn();
        Ok(match self.log_in(name, password, now)? {
            Some((token, account)) => {
                throttle.succeeded(name);
                SignIn::Welcome(token, account)
            }
            None => {
                throttle.failed(name, address, Instant::now());
                SignIn::Wrong
            }
        })
    }
}

/// Password checks at once (each takes a core for tens of milliseconds).
pub const CHECKS_AT_ONCE: usize = 2;

/// Sign-in attempts and password checks, limited, for one set of pages: the failures seen,
/// and the turns for password checks.
#[derive(Debug)]
pub struct Logins {
    pub failures: Throttle,
    /// Checks running now.
    checking: Mutex<usize>,
    free: std::sync::Condvar,
}

impl Default for Logins {
    fn default() -> Self {
        Self {
            failures: Throttle::default(),
            checking: Mutex::new(0),
            free: std::sync::Condvar::new(),
        }
    }
}

impl Logins {
    /// Waits for a turn to check a password: [`CHECKS_AT_ONCE`] run at once.
    fn turn(&self) -> Turn<'_> {
        let mut checking = self.checking.lock().unwrap_or_else(PoisonError::into_inner);
        while *checking >= CHECKS_AT_ONCE {
            checking = self
                .free
                .wait(checking)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *checking += 1;
        Turn(self)
    }
}

/// A turn to check a password, given back when dropped.
struct Turn<'a>(&'a Logins);

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut checking = self
            .0
            .checking
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *checking -= 1;
        self.0.free.notify_one();
    }
}

/// Wrong passwords a name may have in a window.
pub const PER_NAME: usize = 10;
/// Wrong passwords one client address may have in a window (an office behind one router
/// shares an address).
pub const PER_ADDRESS: usize = 30;
/// The window.
pub const WINDOW: StdDuration = StdDuration::from_secs(15 * 60);

/// Sign-in attempts, limited: a name or a client address with too many wrong passwords in a
/// window must wait, so guessing costs an attacker, not the people.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

fn keys(name: &str, address: &str) -> [(String, usize); 2] {
    [
        (format!("name:{}", name.trim().to_lowercase()), PER_NAME),
        (format!("addr:{address}"), PER_ADDRESS),
    ]
}

impl Throttle {
    /// How long the caller must wait before trying `name` from `address` again (none: it
    /// may try now).
    pub fn wait(&self, name: &str, address: &str, now: Instant) -> Option<StdDuration> {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        keys(name, address)
            .into_iter()
            .filter_map(|(key, limit)| {
                let seen = failures.get_mut(&key)?;
                while seen
                    .front()
                    .is_some_and(|at| now.duration_since(*at) >= WINDOW)
                {
                    seen.pop_front();
                }
                (seen.len() >= limit).then(|| WINDOW - now.duration_since(seen[0]))
            })
            .max()
    }

    /// Notes a wrong password.
    pub fn failed(&self, name: &str, address: &str, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        for (key, _) in keys(name, address) {
            failures.entry(key).or_default().push_back(now);
        }
    }

    /// A right password clears the name's failures (not the address's).
    pub fn succeeded(&self, name: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        failures.remove(&keys(name, "")[0].0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> (tempfile::TempDir, People) {
        let dir = tempfile::tempdir().unwrap();
        let kv = Kv::open(&dir.path().join("db")).unwrap();
        (dir, People::over(kv))
    }

    #[test]
    fn new_hashes_take_7_mib_and_hashes_made_with_the_crate_defaults_still_sign_in() {
        let (_dir, people) = people();
        let now = Utc::now();
        let user = people
            .add("wang", Role::Technical, "bench pass 42", now)
            .unwrap();
        assert!(
            user.password_hash
                .starts_with("$argon2id$v=19$m=7168,t=5,p=1$")
        );
        // An account hashed before, with Argon2's defaults (19 MiB, 2 passes), as the server's
        // directory may still carry it.
        let salt = SaltString::encode_b64(b"an older salt").unwrap();
        let older = Argon2::default()
            .hash_password(b"older pass 42", &salt)
            .unwrap()
            .to_string();
        assert!(older.contains("m=19456,t=2,p=1"));
        let mut account = people.get("wang").unwrap().unwrap();
        account.name = "zhao".into();
        account.password_hash = older;
        people.replace_all(&[user.clone(), account]).unwrap();
        assert!(
            people
                .log_in("zhao", "older pass 42", now)
                .unwrap()
                .is_some()
        );
        assert!(
            people
                .log_in("zhao", "bench pass 42", now)
                .unwrap()
                .is_none()
        );
        assert!(
            people
                .log_in("wang", "bench pass 42", now)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn passwords_are_hashed_and_sessions_end() {
        let (_dir, people) = people();
        let now = Utc::now();
        let user = people
            .add("li.wei", Role::Finance, "correct horse", now)
            .unwrap();
        assert!(user.password_hash.starts_with("$argon2id$"));
        assert!(!user.password_hash.contains("correct horse"));
        assert!(matches!(
            people.add("li.wei", Role::Head, "another one", now),
            Err(PeopleError::Exists(_))
        ));
        assert!(matches!(
            people.add("x", Role::Head, "short", now),
            Err(PeopleError::ShortPassword)
        ));
        assert!(matches!(
            people.add("<b>", Role::Head, "long enough", now),
            Err(PeopleError::BadName(_))
        ));

        assert!(
            people
                .log_in("li.wei", "wrong password", now)
                .unwrap()
                .is_none()
        );
        assert!(
            people
                .log_in("nobody", "correct horse", now)
                .unwrap()
                .is_none()
        );
        let (token, user) = people
            .log_in("li.wei", "correct horse", now)
            .unwrap()
            .unwrap();
        assert_eq!(user.role, Role::Finance);
        assert_eq!(people.session(&token, now).unwrap().unwrap().name, "li.wei");
        let later = now + Duration::hours(SESSION_HOURS + 1);
        assert!(
            people.session(&token, later).unwrap().is_none(),
            "sessions expire"
        );
        let (token, _) = people
            .log_in("li.wei", "correct horse", now)
            .unwrap()
            .unwrap();
        people.log_out(&token).unwrap();
        assert!(people.session(&token, now).unwrap().is_none());
        let (token, _) = people
            .log_in("li.wei", "correct horse", now)
            .unwrap()
            .unwrap();
        people.remove("li.wei").unwrap();
        assert!(
            people.session(&token, now).unwrap().is_none(),
            "a removed user's session ends"
        );
        // Added again under the same name: a new account, none of the old sessions.
        people
            .add("li.wei", Role::Finance, "correct horse", now)
            .unwrap();
        assert!(
            people.session(&token, now).unwrap().is_none(),
            "an old session does not come back with the name"
        );
        let (fresh, _) = people
            .log_in("li.wei", "correct horse", now)
            .unwrap()
            .unwrap();
        assert_eq!(people.session(&fresh, now).unwrap().unwrap().name, "li.wei");
    }

    #[test]
    fn a_directory_replaces_every_account_and_ends_the_sessions_of_the_removed() {
        let (_dir, people) = people();
        let now = Utc::now();
        let ann = people
            .add("ann", Role::Sales, "ann's password", now)
            .unwrap();
        let bob = people
            .add("bob", Role::Production, "bob's password", now)
            .unwrap();
        let (token, _) = people
            .log_in("bob", "bob's password", now)
            .unwrap()
            .unwrap();
        people.replace_all(std::slice::from_ref(&ann)).unwrap();
        assert_eq!(people.list().unwrap(), vec![ann]);
        assert!(people.session(&token, now).unwrap().is_none());
        people.replace_all(&[bob]).unwrap();
        assert!(
            people
                .log_in("ann", "ann's password", now)
                .unwrap()
                .is_none()
        );
        people.replace_all(&[]).unwrap();
        assert!(!people.any().unwrap());
    }

    #[test]
    fn a_name_waits_after_too_many_wrong_passwords_until_the_window_passes() {
        let throttle = Throttle::default();
        let start = Instant::now();
        for i in 0..PER_NAME {
            assert_eq!(throttle.wait("li.wei", "a", start), None, "attempt {i}");
            throttle.failed("li.wei", "a", start);
        }
        let wait = throttle
            .wait("LI.WEI", "b", start)
            .expect("the name must wait");
        assert_eq!(wait, WINDOW);
        assert_eq!(
            throttle.wait("fiona", "b", start),
            None,
            "other names may go on"
        );
        assert_eq!(
            throttle.wait("li.wei", "a", start + WINDOW),
            None,
            "after the window"
        );
    }

    #[test]
    fn an_address_waits_after_too_many_wrong_passwords_over_any_names() {
        let throttle = Throttle::default();
        let now = Instant::now();
        for i in 0..PER_ADDRESS {
            throttle.failed(&format!("guess{i}"), "client-a", now);
        }
        assert!(throttle.wait("anyone", "client-a", now).is_some());
        assert_eq!(throttle.wait("anyone", "elsewhere", now), None);
        throttle.succeeded("guess1");
        assert!(
            throttle.wait("guess1", "client-a", now).is_some(),
            "the address still waits"
        );
    }
}
