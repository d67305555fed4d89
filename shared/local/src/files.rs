//! Small file helpers for the data dir.

use std::io::Write;
use std::path::Path;

/// Creates `path` with `contents`, readable by the owner only; does nothing
/// when it already exists (so concurrent first starts agree on one file).
pub fn write_new_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(contents)?;
            file.sync_all()
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// A 32-byte secret kept in the data dir as hex, created on first use.
pub fn load_or_create_secret(path: &Path) -> std::io::Result<[u8; 32]> {
    if !path.exists() {
        let bytes: [u8; 32] = rand::random();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        write_new_private(path, hex.as_bytes())?;
    }
    let hex = std::fs::read_to_string(path)?;
    norvalt_http::state::parse_key(&hex).map_err(std::io::Error::other)
}
