//! Measures untrusted Automerge bytes before Automerge expands them.
//!
//! Automerge inflates compressed columns and materialises every operation a column claims,
//! with no cap: a push of a few kilobytes can claim a billion operations (a run-length column
//! says "this value, 10^9 times" in a dozen bytes) or inflate to gigabytes. [`check`] walks
//! the chunk structure of the binary format (document, change and compressed-change chunks),
//! inflates compressed parts with a limit, and counts the rows every column claims, so a
//! sender gets a clear refusal before any of that is allocated.
//!
//! The format, as Automerge 0.12 writes it: every chunk starts with magic bytes, a 4-byte
//! checksum, a type byte and a LEB128 length. A document chunk holds actors, heads, the
//! metadata of its change and operation columns (a spec and a length each; bit 3 of the spec
//! marks a DEFLATE-compressed column), the column data, and head indexes. A change chunk holds
//! its dependencies, actor, sequence, start op, time, message, other actors, its operation
//! columns and extra bytes. A compressed-change chunk is a change chunk's contents, deflated.

use thiserror::Error;

/// The most bytes one push of one ticket may inflate to.
pub const MAX_INFLATED_BYTES: usize = 32 * 1024 * 1024;

/// The most operations (and changes) the bytes of one ticket may claim.
pub const MAX_OPS: u64 = 200_000;

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

/// Why bytes were refused before Automerge saw them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BytesError {
    #[error("the ticket data is damaged ({0})")]
    Malformed(&'static str),
    #[error("the ticket data would inflate to more than {} MB", MAX_INFLATED_BYTES / 1_000_000)]
    Inflates,
    #[error("the ticket data claims more than {MAX_OPS} operations")]
    TooManyOps,
    #[error("the ticket data holds a kind of chunk this server does not take (type {0})")]
    UnknownChunk(u8),
}

/// Checks that `bytes` (saved documents, changes, or any concatenation) stay within
/// [`MAX_INFLATED_BYTES`] and [`MAX_OPS`] once expanded. It does not check that they are a
/// valid document: Automerge does that, once the size is known to be safe.
pub fn check(bytes: &[u8]) -> Result<(), BytesError> {
    let mut budget = Budget {
        inflated: bytes.len(),
        rows: 0,
    };
    for chunk in chunks(bytes)? {
        match chunk.kind {
            ChunkKind::Document => document(chunk.data, &mut budget)?,
            ChunkKind::Change => change(chunk.data, &mut budget)?,
            ChunkKind::CompressedChange => {
                let inflated = budget.inflate(chunk.data)?;
                change(&inflated, &mut budget)?;
            }
        }
    }
    Ok(())
}

/// What a chunk holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    /// A whole document (what `save` writes).
    Document,
    /// One change (what `save_after` writes, one after the other).
    Change,
    CompressedChange,
}

/// One chunk of Automerge's binary format.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    pub kind: ChunkKind,
    /// The whole chunk, header included, as Automerge reads it.
    pub bytes: &'a [u8],
    /// Its contents after the header.
    data: &'a [u8],
}

/// The chunks `bytes` are made of (saved documents, changes, or any concatenation), read
/// from their headers only.
pub fn chunks(bytes: &[u8]) -> Result<Vec<Chunk<'_>>, BytesError> {
    let mut found = Vec::new();
    let mut input = Reader::new(bytes);
    while !input.is_empty() {
        let start = input.bytes;
        if input.take(4)? != MAGIC {
            return Err(BytesError::Malformed("no chunk starts here"));
        }
        input.take(4)?; // checksum
        let kind = match input.byte()? {
            0 => ChunkKind::Document,
            1 => ChunkKind::Change,
            2 => ChunkKind::CompressedChange,
            other => return Err(BytesError::UnknownChunk(other)),
        };
        let len = input.length()?;
        let data = input.take(len)?;
        let whole = start.len() - input.bytes.len();
        found.push(Chunk {
            kind,
            bytes: &start[..whole],
            data,
        });
    }
    Ok(found)
}

thread_local! {
    /// One inflater a thread, reset for each stream: making one (its window allocated and
    /// cleared) costs more than inflating a ticket's small columns.
    static INFLATER: std::cell::RefCell<flate2::Decompress> =
        std::cell::RefCell::new(flate2::Decompress::new(false));
}

struct Budget {
    inflated: usize,
    rows: u64,
}

impl Budget {
    /// Inflates a DEFLATE stream (raw, as Automerge writes it) into at most the room left.
    /// The inflater is the one Automerge uses itself (zlib-rs through flate2): a push's
    /// columns are inflated twice, here and by Automerge, so its speed counts twice.
    fn inflate(&mut self, data: &[u8]) -> Result<Vec<u8>, BytesError> {
        use flate2::{FlushDecompress, Status};
        let room = MAX_INFLATED_BYTES.saturating_sub(self.inflated);
        let damaged = BytesError::Malformed("a compressed part cannot be inflated");
        let mut out = Vec::with_capacity(data.len().saturating_mul(4).clamp(64, room.max(64)));
        INFLATER.with_borrow_mut(|inflater| {
            inflater.reset(false);
            loop {
                let read_before = inflater.total_in();
                let read = usize::try_from(read_before).map_err(|_| damaged.clone())?;
                let written = out.len();
                let status = inflater
                    .decompress_vec(&data[read..], &mut out, FlushDecompress::Finish)
                    .map_err(|_| damaged.clone())?;
                if status == Status::StreamEnd {
                    return Ok(());
                }
                if out.len() == out.capacity() {
                    // Out of space: more room, up to the limit.
                    if out.len() >= room {
                        return Err(BytesError::Inflates);
                    }
                    out.reserve_exact(out.len().max(64).min(room - out.len()));
                } else if out.len() == written && inflater.total_in() == read_before {
                    // Neither read nor wrote with room to spare: the stream ends early.
                    return Err(damaged.clone());
                }
            }
        })?;
        if out.len() > room {
            return Err(BytesError::Inflates);
        }
        self.inflated += out.len();
        Ok(out)
    }

    fn rows(&mut self, rows: u64) -> Result<(), BytesError> {
        self.rows = self.rows.saturating_add(rows);
        if self.rows > MAX_OPS {
            return Err(BytesError::TooManyOps);
        }
        Ok(())
    }
}

fn document(data: &[u8], budget: &mut Budget) -> Result<(), BytesError> {
    let mut input = Reader::new(data);
    let actors = input.count()?;
    for _ in 0..actors {
        let len = input.length()?;
        input.take(len)?;
    }
    let heads = input.count()?;
    input.take(
        heads
            .checked_mul(32)
            .ok_or(BytesError::Malformed("too many heads"))?,
    )?;
    let change_columns = columns(&mut input)?;
    let op_columns = columns(&mut input)?;
    for (spec, len) in change_columns.into_iter().chain(op_columns) {
        let raw = input.take(len)?;
        let rows = if spec & DEFLATE != 0 {
            column_rows(spec, &budget.inflate(raw)?)?
        } else {
            column_rows(spec, raw)?
        };
        budget.rows(rows)?;
    }
    Ok(())
}

fn change(data: &[u8], budget: &mut Budget) -> Result<(), BytesError> {
    let mut input = Reader::new(data);
    let deps = input.count()?;
    input.take(
        deps.checked_mul(32)
            .ok_or(BytesError::Malformed("too many dependencies"))?,
    )?;
    let actor = input.length()?;
    input.take(actor)?;
    input.uleb()?; // seq
    input.uleb()?; // start op
    input.uleb()?; // time (signed; only its length matters here)
    let message = input.length()?;
    input.take(message)?;
    let others = input.count()?;
    for _ in 0..others {
        let len = input.length()?;
        input.take(len)?;
    }
    budget.rows(1)?;
    for (spec, len) in columns(&mut input)? {
        if spec & DEFLATE != 0 {
            return Err(BytesError::Malformed("a change holds a compressed column"));
        }
        let rows = column_rows(spec, input.take(len)?)?;
        budget.rows(rows)?;
    }
    Ok(())
}

const DEFLATE: u32 = 0b1000;

/// The specs and lengths of a list of columns.
fn columns(input: &mut Reader<'_>) -> Result<Vec<(u32, usize)>, BytesError> {
    let count = input.count()?;
    let mut columns = Vec::with_capacity(count);
    for _ in 0..count {
        let spec = u32::try_from(input.uleb()?)
            .map_err(|_| BytesError::Malformed("a column spec is out of range"))?;
        columns.push((spec, input.length()?));
    }
    Ok(columns)
}

/// How many rows a column's (inflated) data claims.
fn column_rows(spec: u32, data: &[u8]) -> Result<u64, BytesError> {
    let mut input = Reader::new(data);
    let mut rows: u64 = 0;
    let mut add = |n: u64| -> Result<(), BytesError> {
        rows = rows.saturating_add(n);
        if rows > MAX_OPS {
            return Err(BytesError::TooManyOps);
        }
        Ok(())
    };
    match spec & 0b111 {
        // Boolean: alternating run lengths.
        4 => {
            while !input.is_empty() {
                add(input.uleb()?)?;
            }
        }
        // Raw values: their rows are counted by the metadata column beside them.
        7 => {}
        // Run-length encoded: group, actor, integer, delta, string, value metadata.
        kind => {
            while !input.is_empty() {
                let count = input.sleb()?;
                if count > 0 {
                    add(count.unsigned_abs())?;
                    value(&mut input, kind)?;
                } else if count < 0 {
                    let literals = count.unsigned_abs();
                    add(literals)?;
                    for _ in 0..literals {
                        value(&mut input, kind)?;
                    }
                } else {
                    add(input.uleb()?)?;
                }
            }
        }
    }
    Ok(rows)
}

/// Skips one value of a run-length encoded column.
fn value(input: &mut Reader<'_>, kind: u32) -> Result<(), BytesError> {
    if kind == 5 {
        let len = input.length()?;
        input.take(len)?;
    } else {
        input.uleb()?;
    }
    Ok(())
}

/// A cursor over bytes whose every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], BytesError> {
        if n > self.bytes.len() {
            return Err(BytesError::Malformed("it ends too early"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8, BytesError> {
        Ok(self.take(1)?[0])
    }

    /// An unsigned LEB128 number (at most 10 bytes); a signed one is read the same way.
    fn uleb(&mut self) -> Result<u64, BytesError> {
        let mut value: u64 = 0;
        for shift in (0..70).step_by(7) {
            let byte = self.byte()?;
            if shift == 63 && byte > 1 {
                return Err(BytesError::Malformed("a number is out of range"));
            }
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(BytesError::Malformed("a number is out of range"))
    }

    /// A signed LEB128 number.
    fn sleb(&mut self) -> Result<i64, BytesError> {
        let mut value: i64 = 0;
        let mut shift = 0;
        loop {
            let byte = self.byte()?;
            if shift >= 64 {
                return Err(BytesError::Malformed("a number is out of range"));
            }
            value |= i64::from(byte & 0x7f) << shift;
            shift += 7;
            if byte & 0x80 == 0 {
                if shift < 64 && byte & 0x40 != 0 {
                    value |= -1 << shift;
                }
                return Ok(value);
            }
        }
    }

    /// A length of something that must follow in these bytes.
    fn length(&mut self) -> Result<usize, BytesError> {
        let n = self.uleb()?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.bytes.len())
            .ok_or(BytesError::Malformed("a length runs past the end"))
    }

    /// A count of items of at least one byte each that must follow.
    fn count(&mut self) -> Result<usize, BytesError> {
        self.length()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::tests::sample;

    fn uleb(mut n: u64, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn chunk(kind: u8, data: &[u8]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[0; 4]);
        out.push(kind);
        uleb(data.len() as u64, &mut out);
        out.extend_from_slice(data);
        out
    }

    /// A document chunk with no actors or heads and one column of `spec` holding `column`.
    fn document_with(spec: u32, column: &[u8]) -> Vec<u8> {
        let mut data = vec![0, 0]; // actors, heads
        data.push(0); // change columns
        data.push(1); // one op column
        uleb(u64::from(spec), &mut data);
        uleb(column.len() as u64, &mut data);
        data.extend_from_slice(column);
        chunk(0, &data)
    }

    #[test]
    fn real_documents_and_changes_pass() {
        let mut doc = sample();
        let heads = doc.heads();
        assert_eq!(check(&doc.save()), Ok(()));
        let event = crate::Event::new(
            crate::EventKind::Held {
                reason: "parts".into(),
            },
            crate::SiteCode::parse("WH1").unwrap(),
            "ann",
            chrono::Utc::now(),
        );
        doc.record(event).unwrap();
        let after = doc.save_after(&heads);
        assert!(!after.is_empty());
        assert_eq!(check(&after), Ok(()));
        let mut both = doc.save();
        both.extend_from_slice(&after);
        assert_eq!(check(&both), Ok(()));
    }

    #[test]
    fn a_run_of_a_billion_operations_is_refused_from_a_few_bytes() {
        // An integer column: a run of 10^9 copies of the value 1.
        let mut column = Vec::new();
        // sLEB128 of 10^9: it fits in 31 bits, so the unsigned encoding of 5 bytes has the
        // sign bit of its last byte clear.
        uleb(1_000_000_000, &mut column);
        assert_eq!(column.last().unwrap() & 0x40, 0);
        column.push(1);
        let bytes = document_with(2 << 4 | 2, &column);
        assert!(bytes.len() < 32);
        assert_eq!(check(&bytes), Err(BytesError::TooManyOps));
    }

    #[test]
    fn a_compressed_column_is_counted_inflated_and_a_cut_one_is_damage() {
        // The run of a billion operations above, deflated: counted once inflated.
        let mut column = Vec::new();
        uleb(1_000_000_000, &mut column);
        column.push(1);
        let deflated = miniz_oxide::deflate::compress_to_vec(&column, 6);
        let bytes = document_with(2 << 4 | DEFLATE | 2, &deflated);
        assert_eq!(check(&bytes), Err(BytesError::TooManyOps));
        // A run of a thousand, deflated, passes; cut short, it is damage.
        let mut column = Vec::new();
        uleb(1_000, &mut column);
        column.push(1);
        let deflated = miniz_oxide::deflate::compress_to_vec(&column, 6);
        assert_eq!(
            check(&document_with(2 << 4 | DEFLATE | 2, &deflated)),
            Ok(())
        );
        let cut = &deflated[..deflated.len() - 2];
        assert!(matches!(
            check(&document_with(2 << 4 | DEFLATE | 2, cut)),
            Err(BytesError::Malformed(_))
        ));
    }

    #[test]
    fn a_column_inflating_past_the_cap_is_refused_without_inflating_it() {
        let zeros = vec![0u8; MAX_INFLATED_BYTES + 1024];
        let deflated = miniz_oxide::deflate::compress_to_vec(&zeros, 9);
        let bytes = document_with(7 << 4 | DEFLATE | 7, &deflated);
        assert!(bytes.len() < 100_000);
        assert_eq!(check(&bytes), Err(BytesError::Inflates));
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let saved = sample().save();
        for cut in 0..saved.len() {
            let _ = check(&saved[..cut]);
        }
        assert!(check(b"\x85\x6f\x4a\x83garbage").is_err());
        assert_eq!(
            check(&chunk(3, b"")),
            Err(BytesError::UnknownChunk(3)),
            "bundles are not what agents send"
        );
        let mut huge_count = MAGIC.to_vec();
        huge_count.extend_from_slice(&[0; 4]);
        huge_count.push(0);
        huge_count.extend_from_slice(&[0xff; 10]);
        assert!(check(&huge_count).is_err());
    }
}
