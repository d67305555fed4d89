//! The local stand-in for SES and Twilio: every email the platform sends is
//! an `.eml` file in `<data dir>/outbox/`, every SMS a JSON line in
//! `outbox/sms.jsonl`. Files are named by send key and created atomically,
//! so the outbox can always tell whether a send key went out.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use async_trait::async_trait;
use norvalt_core::outbound::sms::{Encoding, segments};
use norvalt_core::outbound::{Mailer, OutboundEmail, OutboundSms, Receipt, SendError, SmsSender};

pub struct Outbox {
    dir: PathBuf,
    sms_lock: Mutex<()>,
}

impl Outbox {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            sms_lock: Mutex::new(()),
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    fn file_name(send_key: &str) -> String {
        let safe: String = send_key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!("{safe}.eml")
    }

    fn sms_path(&self) -> PathBuf {
        self.dir.join("sms.jsonl")
    }

    fn sms_sent(&self, send_key: &str) -> std::io::Result<bool> {
        match std::fs::read_to_string(self.sms_path()) {
            Ok(text) => Ok(text.lines().any(|line| {
                serde_json::from_str::<serde_json::Value>(line)
                    .is_ok_and(|v| v["send_key"] == send_key)
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

impl Outbox {
    /// GDPR erasure: the mails sent to the person and the team's notices
    /// about their leads are deleted; their SMS lines are dropped.
    pub fn forget(&self, refs: &norvalt_core::service::gdpr::ErasureRefs) -> std::io::Result<()> {
        let names: Vec<String> = refs.send_keys.iter().map(|k| Self::file_name(k)).collect();
        let prefixes: Vec<String> = refs
            .lead_ids
            .iter()
            .map(|id| format!("notify_{id}_"))
            .collect();
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if names.contains(&name) || prefixes.iter().any(|p| name.starts_with(p.as_str())) {
                std::fs::remove_file(self.dir.join(&name))?;
            }
        }
        let _guard = self.sms_lock.lock().expect("outbox lock");
        let text = match std::fs::read_to_string(self.sms_path()) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let kept: Vec<&str> = text
            .lines()
            .filter(|line| {
                !refs.send_keys.iter().any(|k| line.contains(k.as_str()))
                    && !refs.identifiers.iter().any(|i| line.contains(i.as_str()))
            })
            .collect();
        let tmp = self.dir.join(".sms.jsonl.tmp");
        let mut body = kept.join("\n");
        if !body.is_empty() {
            body.push('\n');
        }
        std::fs::write(&tmp, body)?;
        std::fs::rename(&tmp, self.sms_path())
    }
}

fn io(e: std::io::Error) -> SendError {
    SendError::Transient(format!("outbox: {e}"))
}

#[async_trait]
impl Mailer for Outbox {
    async fn send_email(&self, email: &OutboundEmail) -> Result<Receipt, SendError> {
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let name = Self::file_name(&email.send_key);
        let path = self.dir.join(&name);
        let tmp = self
            .dir
            .join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
        let mime = email.to_mime()?;
        std::fs::write(&tmp, mime).map_err(io)?;
        // A hard link is created atomically and only if the name is free:
        // the file appears whole, once.
        let linked = std::fs::hard_link(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => Ok(Receipt { provider_id: name }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(SendError::Permanent(format!("{name} was already sent")))
            }
            Err(e) => Err(io(e)),
        }
    }

    async fn was_sent(&self, send_key: &str) -> Option<bool> {
        Some(self.dir.join(Self::file_name(send_key)).exists())
    }
}

#[async_trait]
impl SmsSender for Outbox {
    async fn send_sms(&self, sms: &OutboundSms) -> Result<Receipt, SendError> {
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let _guard = self.sms_lock.lock().expect("outbox lock");
        if self.sms_sent(&sms.send_key).map_err(io)? {
            return Err(SendError::Permanent(format!(
                "{} was already sent",
                sms.send_key
            )));
        }
        let (encoding, count) = segments(&sms.body);
        let line = serde_json::json!({
            "send_key": sms.send_key,
            "to": sms.to,
            "from": sms.from,
            "body": sms.body,
            "segments": count,
            "encoding": match encoding { Encoding::Gsm7 => "gsm7", Encoding::Ucs2 => "ucs2" },
            "sent_at": norvalt_core::time::now(),
        });
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.sms_path())
            .map_err(io)?;
        file.write_all(format!("{line}\n").as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(Receipt {
            provider_id: sms.send_key.clone(),
        })
    }

    async fn was_sent(&self, send_key: &str) -> Option<bool> {
        self.sms_sent(send_key).ok()
    }
}
