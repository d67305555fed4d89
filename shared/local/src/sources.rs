//! Local stand-ins for S3 and Secrets Manager: raw mail as files under
//! `<data dir>/mail/`, secrets in `<data dir>/secrets.json` (or the
//! environment, `NORVALT_SECRET_<NAME>` with the name upper-cased and every
//! other character `_`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use async_trait::async_trait;
use norvalt_core::capture::sources::{RawMailStore, SecretStore, SecretWriter, SourceError};

pub struct MailDir {
    dir: PathBuf,
}

impl MailDir {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn path(&self, key: &str) -> Result<PathBuf, SourceError> {
        let safe = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
            && !key.contains("..")
            && !key.starts_with('/');
        if !safe {
            return Err(SourceError(format!("not a mail key: {key:?}")));
        }
        Ok(self.dir.join(key))
    }
}

#[async_trait]
impl RawMailStore for MailDir {
    /// Written to a temporary file, synced, then renamed: a reader never
    /// sees half a mail, and a put that returned survives a crash.
    async fn put_mail(&self, key: &str, raw: &[u8]) -> Result<(), SourceError> {
        let path = self.path(key)?;
        let raw = raw.to_vec();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&raw)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(|e| SourceError(e.to_string()))?
        .map_err(|e| SourceError(format!("write mail {key}: {e}")))
    }

    async fn get_mail(&self, key: &str) -> Result<Option<Vec<u8>>, SourceError> {
        let path = self.path(key)?;
        match tokio::fs::read(&path).await {
            Ok(raw) => Ok(Some(raw)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SourceError(format!("read mail {key}: {e}"))),
        }
    }

    async fn delete_mail(&self, key: &str) -> Result<(), SourceError> {
        let path = self.path(key)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(SourceError(format!("delete mail {key}: {e}"))),
        }
    }
}

impl MailDir {
    /// Retention: deletes raw mails older than `max_age` (what the S3
    /// lifecycle rule does in AWS). Returns how many went.
    pub fn prune(&self, max_age: std::time::Duration) -> std::io::Result<usize> {
        let cutoff = std::time::SystemTime::now() - max_age;
        let mut removed = 0;
        let mut stack = vec![self.dir.clone()];
        while let Some(dir) = stack.pop() {
            let entries = match std::fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            for entry in entries {
                let entry = entry?;
                let meta = entry.metadata()?;
                if meta.is_dir() {
                    stack.push(entry.path());
                } else if meta.modified()? < cutoff {
                    std::fs::remove_file(entry.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

pub struct SecretsFile {
    path: PathBuf,
}

impl SecretsFile {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    fn env_name(name: &str) -> String {
        let upper: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        format!("NORVALT_SECRET_{upper}")
    }

    fn read_all(&self) -> Result<BTreeMap<String, String>, SourceError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| SourceError(format!("{}: {e}", self.path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(SourceError(format!("{}: {e}", self.path.display()))),
        }
    }

    /// Stores a secret (the CLI's `dealership connect-*` commands).
    pub fn put(&self, name: &str, value: &str) -> Result<(), SourceError> {
        let mut all = self.read_all()?;
        all.insert(name.to_string(), value.to_string());
        self.write_all(&all)
    }

    fn write_all(&self, all: &BTreeMap<String, String>) -> Result<(), SourceError> {
        let text = serde_json::to_string_pretty(&all).expect("a map of strings serialises");
        let tmp = self.path.with_extension("tmp");
        let _ = std::fs::remove_file(&tmp);
        crate::files::write_new_private(&tmp, text.as_bytes())
            .and_then(|_| std::fs::rename(&tmp, &self.path))
            .map_err(|e| SourceError(format!("{}: {e}", self.path.display())))
    }
}

#[async_trait]
impl SecretStore for SecretsFile {
    async fn secret(&self, name: &str) -> Result<Option<String>, SourceError> {
        if let Ok(value) = std::env::var(Self::env_name(name)) {
            return Ok(Some(value));
        }
        Ok(self.read_all()?.remove(name))
    }
}

#[async_trait]
impl SecretWriter for SecretsFile {
    async fn put_secret(&self, name: &str, value: &str) -> Result<(), SourceError> {
        self.put(name, value)
    }

    async fn delete_secret(&self, name: &str) -> Result<(), SourceError> {
        let mut all = self.read_all()?;
        if all.remove(name).is_some() {
            self.write_all(&all)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    #[tokio::test]
    async fn raw_mails_past_retention_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let mail = MailDir::new(dir.path().to_path_buf());
        mail.put_mail("imap/old.eml", b"From: a@b.no\r\n\r\nhei")
            .await
            .unwrap();
        mail.put_mail("imap/new.eml", b"From: a@b.no\r\n\r\nhei")
            .await
            .unwrap();
        let old = std::fs::File::options()
            .write(true)
            .open(dir.path().join("imap/old.eml"))
            .unwrap();
        let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(100 * 86_400);
        old.set_modified(long_ago).unwrap();
        assert_eq!(
            mail.prune(std::time::Duration::from_secs(90 * 86_400))
                .unwrap(),
            1
        );
        assert!(mail.get_mail("imap/old.eml").await.unwrap().is_none());
        assert!(mail.get_mail("imap/new.eml").await.unwrap().is_some());
    }

    use super::*;

    #[tokio::test]
    async fn mail_round_trips_and_keys_cannot_escape() {
        let dir = tempfile::tempdir().unwrap();
        let mail = MailDir::new(dir.path().join("mail"));
        mail.put_mail("cli/abc.eml", b"raw").await.unwrap();
        assert_eq!(mail.get_mail("cli/abc.eml").await.unwrap().unwrap(), b"raw");
        assert!(mail.get_mail("cli/none.eml").await.unwrap().is_none());
        for bad in ["../x", "/etc/passwd", "a b", ""] {
            assert!(mail.put_mail(bad, b"x").await.is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn secrets_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = SecretsFile::new(dir.path().join("secrets.json"));
        assert_eq!(secrets.secret("facebook/page/1").await.unwrap(), None);
        secrets.put("facebook/page/1", "token-1").unwrap();
        secrets.put("imap/x", "pw").unwrap();
        assert_eq!(
            secrets.secret("facebook/page/1").await.unwrap().as_deref(),
            Some("token-1")
        );
        assert_eq!(
            SecretsFile::env_name("facebook/page/1"),
            "NORVALT_SECRET_FACEBOOK_PAGE_1"
        );
    }
}
