//! Sending a print job: raw to a network printer's port 9100, or to a CUPS queue with `lp`
//! (raw for ZPL and TSPL).

use rma_shared::i18n::{Lang, Localized};
use rma_shared::tr;
use std::io::Write as _;
use std::net::{TcpStream, ToSocketAddrs};
use std::process::{Command, Stdio};
use std::time::Duration;

use thiserror::Error;

/// Where a job goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printer {
    /// `tcp://HOST:PORT`: the printer's raw port (9100 on most).
    Raw(String),
    /// A CUPS queue name.
    Queue(String),
}

#[derive(Debug, Error)]
pub enum PrintError {
    Bad(String),
    Unreachable {
        address: String,
        #[source]
        source: std::io::Error,
    },
    NoLp(#[source] std::io::Error),
    NeedsQueue,
    Refused {
        queue: String,
        message: String,
    },
}

impl Localized for PrintError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Bad(text) => tr!(lang, "print-bad", text = text.as_str()),
            Self::Unreachable { address, .. } => {
                tr!(lang, "print-unreachable", address = address.as_str())
            }
            Self::NoLp(_) => tr!(lang, "print-no-lp"),
            Self::NeedsQueue => tr!(lang, "print-needs-queue"),
            Self::Refused { queue, message } => tr!(
                lang,
                "print-refused",
                queue = queue.as_str(),
                message = message.as_str()
            ),
        }
    }
}
rma_shared::english_display!(PrintError);

impl Printer {
    pub fn parse(text: &str) -> Result<Self, PrintError> {
        let text = text.trim();
        if let Some(address) = text.strip_prefix("tcp://") {
            if address.is_empty() || !address.contains(':') {
                return Err(PrintError::Bad(text.to_owned()));
            }
            return Ok(Self::Raw(address.to_owned()));
        }
        let queue_ok = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c));
        if queue_ok {
            Ok(Self::Queue(text.to_owned()))
        } else {
            Err(PrintError::Bad(text.to_owned()))
        }
    }

    /// Sends `job` `copies` times. `raw`: the job is in the printer's own language (ZPL,
    /// TSPL); otherwise it is a PDF or image CUPS prints at its real size, unscaled.
    pub fn print(&self, job: &[u8], copies: u32, raw: bool) -> Result<(), PrintError> {
        match self {
            Self::Raw(_) if !raw => Err(PrintError::NeedsQueue),
            Self::Raw(address) => {
                let unreachable = |source| PrintError::Unreachable {
                    address: address.clone(),
                    source,
                };
                let target = address
                    .to_socket_addrs()
                    .map_err(unreachable)?
                    .next()
                    .ok_or_else(|| PrintError::Bad(address.clone()))?;
                let mut stream = TcpStream::connect_timeout(&target, Duration::from_secs(5))
                    .map_err(unreachable)?;
                for _ in 0..copies.max(1) {
                    stream.write_all(job).map_err(unreachable)?;
                }
                stream.flush().map_err(unreachable)
            }
            Self::Queue(queue) => {
                let option = if raw { "raw" } else { "print-scaling=none" };
                let mut child = Command::new("lp")
                    .args(["-d", queue, "-n", &copies.max(1).to_string(), "-o", option])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .map_err(PrintError::NoLp)?;
                if let Some(mut stdin) = child.stdin.take() {
                    stdin.write_all(job).map_err(PrintError::NoLp)?;
                }
                let out = child.wait_with_output().map_err(PrintError::NoLp)?;
                if out.status.success() {
                    Ok(())
                } else {
                    Err(PrintError::Refused {
                        queue: queue.clone(),
                        message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;
    use std::net::TcpListener;

    use super::*;

    #[test]
    fn a_raw_printer_receives_exactly_the_job() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let printer = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut got = Vec::new();
            conn.read_to_end(&mut got).unwrap();
            got
        });
        let job = b"^XA^FDhello^FS^XZ\n";
        Printer::parse(&format!("tcp://{address}"))
            .unwrap()
            .print(job, 2, true)
            .unwrap();
        assert_eq!(printer.join().unwrap(), [&job[..], &job[..]].concat());
    }

    #[test]
    fn bad_printers_say_why() {
        assert!(matches!(Printer::parse("tcp://"), Err(PrintError::Bad(_))));
        assert!(matches!(
            Printer::parse("my queue!"),
            Err(PrintError::Bad(_))
        ));
        // Nothing listens there.
        let closed = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let err = Printer::parse(&format!("tcp://{closed}"))
            .unwrap()
            .print(b"x", 1, true)
            .unwrap_err();
        assert!(err.to_string().contains("cannot be reached"), "{err}");
    }
}
