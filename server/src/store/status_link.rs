//! The customer's status link (regulation 4.3: the customer learns how their return stands
//! and gets the tracking number without phoning): one unguessable token per ticket, made by
//! the server when the office first asks for it. Replacing it ends the old link.
//!
//! ```text
//! stok:{token}                the ticket's number
//! stof:{sortable number}      the ticket's token
//! stopen:{sortable number}    how often the page was opened (register)
//! ```

use rma_shared::TicketNumber;
use rma_store::kv::Batch;
use rma_store::tickets::{parse_sortable, sortable};

use super::*;

const TOKEN: &str = "stok:";
const OF: &str = "stof:";
const OPENED: &str = "stopen:";

/// A token's length: 32 hex digits, 122 random bits.
const TOKEN_LEN: usize = 32;

fn token_key(token: &str) -> String {
    format!("{TOKEN}{token}")
}

fn of_key(number: &TicketNumber) -> String {
    format!("{OF}{}", sortable(number))
}

fn opened_key(number: &TicketNumber) -> String {
    format!("{OPENED}{}", sortable(number))
}

fn new_token() -> String {
    rma_shared::TicketId::random().to_string().replace('-', "")
}

/// Whether `text` looks like a token at all (anything else is not looked up).
fn well_formed(text: &str) -> bool {
    text.len() == TOKEN_LEN && text.bytes().all(|b| b.is_ascii_hexdigit())
}

impl ServerStore {
    /// The ticket's status link token, made now if it has none. Only for tickets the server
    /// holds.
    pub fn status_token(&self, number: &TicketNumber) -> Result<String, ServerStoreError> {
        if let Some(token) = self.kv.get(of_key(number))? {
            return Ok(String::from_utf8_lossy(&token).into_owned());
        }
        self.new_status_token(number, false)
    }

    /// A new token for the ticket: its old link stops working at once.
    pub fn replace_status_token(&self, number: &TicketNumber) -> Result<String, ServerStoreError> {
        self.new_status_token(number, true)
    }

    fn new_status_token(
        &self,
        number: &TicketNumber,
        replace: bool,
    ) -> Result<String, ServerStoreError> {
        self.kv.exclusive(|kv| {
            let store = self.within(kv);
            if store.tickets.read_stored(number)?.is_none() {
                return Err(ServerStoreError::UnknownTicket(number.clone()));
            }
            let old = kv.get(of_key(number))?;
            if let Some(old) = &old
                && !replace
            {
                // Another request made it meanwhile.
                return Ok((Batch::default(), String::from_utf8_lossy(old).into_owned()));
            }
            let mut batch = Batch::default();
            if let Some(old) = old {
                batch.delete(token_key(&String::from_utf8_lossy(&old)));
            }
            let token = new_token();
            batch.put(token_key(&token), sortable(number));
            batch.put(of_key(number), &token);
            Ok::<_, ServerStoreError>((batch, token))
        })
    }

    /// The ticket a status link's token belongs to, if any.
    pub fn status_ticket(&self, token: &str) -> Result<Option<TicketNumber>, ServerStoreError> {
        if !well_formed(token) {
            return Ok(None);
        }
        Ok(self
            .kv
            .get(token_key(token))?
            .and_then(|value| parse_sortable(&String::from_utf8_lossy(&value))))
    }

    /// Counts one opening of the ticket's status page (bookkeeping: not waited for on disk).
    pub fn note_status_opened(&self, number: &TicketNumber) -> Result<(), ServerStoreError> {
        let mut batch = Batch::default();
        batch.add_to(opened_key(number), &super::office::one());
        self.kv.apply_unflushed(batch)?;
        Ok(())
    }

    /// Ends the ticket's status link and forgets how often it was opened (disposal).
    pub(crate) fn forget_status_link(
        &self,
        batch: &mut Batch,
        number: &TicketNumber,
    ) -> Result<(), ServerStoreError> {
        if let Some(token) = self.kv.get(of_key(number))? {
            batch.delete(token_key(&String::from_utf8_lossy(&token)));
        }
        batch.delete(of_key(number));
        batch.delete(opened_key(number));
        Ok(())
    }

    /// How often the ticket's status page was opened.
    pub fn status_opened(&self, number: &TicketNumber) -> Result<u64, ServerStoreError> {
        Ok(super::office::counted(
            &self.kv.register(opened_key(number))?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_random_and_nothing_else_is_looked_up() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(well_formed(&a), "{a}");
        for bad in [
            "",
            "../../etc",
            &a[..31],
            &format!("{a}0"),
            &a.replace(|_: char| true, "g"),
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }
}
