//! Small cryptographic helpers in one place: random bytes and tokens from the operating
//! system's CSPRNG, the installation secret, keyed hashes (HMAC-SHA256), constant-time
//! comparison and argon2id password hashing.
//!
//! The installation secret is 32 random bytes kept in `secret.key` in the data directory
//! (mode 0600), made on first start. It keys the hashes of CSRF tokens and one-time codes, so
//! those cannot be recomputed from a copy of the database alone.

use std::io::Write;
use std::path::Path;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The file holding the installation secret.
const SECRET_FILE: &str = "secret.key";

/// Fills `buf` from the operating system's CSPRNG.
///
/// # Panics
/// If the operating system cannot provide random bytes, which leaves nothing safe to do.
pub(crate) fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}

/// A random token of 32 bytes as 64 hex characters, for cookies.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    hex(&bytes)
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of bytes.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Compares two byte strings in time independent of where they differ.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The per-installation secret key.
#[derive(Clone)]
pub(crate) struct InstallationKey([u8; 32]);

impl std::fmt::Debug for InstallationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InstallationKey(********)")
    }
}

impl InstallationKey {
    /// Loads the key from the data directory, making it on first use.
    pub(crate) fn load_or_create(data_dir: &Path) -> std::io::Result<InstallationKey> {
        let path = data_dir.join(SECRET_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} is not 32 bytes", path.display()),
                    )
                })?;
                Ok(InstallationKey(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                fill_random(&mut key);
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(&path)?;
                file.write_all(&key)?;
                file.sync_all()?;
                Ok(InstallationKey(key))
            }
            Err(e) => Err(e),
        }
    }

    /// HMAC-SHA256 of `parts` (length-prefixed, so parts cannot run into each other) under
    /// this key, with a `purpose` that separates uses of the same key.
    pub(crate) fn mac(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        for part in std::iter::once(purpose.as_bytes()).chain(parts.iter().copied()) {
            mac.update(&u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// Hashes a password with argon2id and a random salt, as a PHC string.
pub(crate) fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Checks a password against a PHC string; a malformed hash never matches.
pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn passwords_are_argon2id_and_verify() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("wrong", &phc));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn key_file_is_made_once_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let a = InstallationKey::load_or_create(dir.path()).unwrap();
        let b = InstallationKey::load_or_create(dir.path()).unwrap();
        assert_eq!(a.mac("t", &[b"x"]), b.mac("t", &[b"x"]));
        assert_ne!(a.mac("t", &[b"x"]), a.mac("u", &[b"x"]));
        assert_ne!(a.mac("t", &[b"ab", b"c"]), a.mac("t", &[b"a", b"bc"]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn constant_time_eq() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
