//! Key pairs and signatures made by the real `minisign` tool, in a
//! temporary directory per test.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// A minisign key pair generated without a password.
pub struct Keys {
    dir: TempDir,
    /// The `.pub` file's text.
    pub public: String,
    secret: PathBuf,
}

fn run(command: &mut Command) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .expect("minisign runs (apt-get install -y minisign)");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Keys {
    pub fn generate() -> Keys {
        let dir = TempDir::new().unwrap();
        let public = dir.path().join("key.pub");
        let secret = dir.path().join("key.sec");
        run(Command::new("minisign")
            .args(["-G", "-W", "-p"])
            .arg(&public)
            .arg("-s")
            .arg(&secret));
        Keys {
            public: std::fs::read_to_string(&public).unwrap(),
            dir,
            secret,
        }
    }

    /// The base64 line of the `.pub` file.
    pub fn base64(&self) -> &str {
        self.public.lines().nth(1).unwrap()
    }

    /// The key id minisign writes in the `.pub` file's comment.
    pub fn id(&self) -> &str {
        self.public
            .lines()
            .next()
            .unwrap()
            .strip_prefix("untrusted comment: minisign public key ")
            .unwrap()
            .trim()
    }

    /// The `.pub` file.
    pub fn public_path(&self) -> PathBuf {
        self.dir.path().join("key.pub")
    }

    /// Signs `bytes` (written as `name`) with `minisign -S`, or `-S -l`
    /// for a legacy signature; gives the `.minisig` file's bytes.
    pub fn sign(&self, name: &str, bytes: &[u8], legacy: bool) -> Vec<u8> {
        let file = self.dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        self.sign_file(&file, legacy)
    }

    /// Signs an existing file; the signature is also left as FILE.minisig.
    pub fn sign_file(&self, file: &Path, legacy: bool) -> Vec<u8> {
        let mut command = Command::new("minisign");
        command.arg("-S");
        if legacy {
            command.arg("-l");
        }
        run(command.arg("-s").arg(&self.secret).arg("-m").arg(file));
        let mut sig = file.as_os_str().to_owned();
        sig.push(".minisig");
        std::fs::read(sig).unwrap()
    }
}

/// A manifest in olkit's extended format with one product.
pub fn manifest(serial: Option<u64>, expires: Option<&str>) -> Vec<u8> {
    let mut attributes = String::new();
    if let Some(serial) = serial {
        attributes.push_str(&format!(" olkit:serial=\"{serial}\""));
    }
    if let Some(expires) = expires {
        attributes.push_str(&format!(" olkit:expires=\"{expires}\""));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Products xmlns:olkit=\"urn:olkit:manifest:1\"{attributes}>\n\
         <Product>\n\
         <Name>OXtender for Microsoft Outlook</Name>\n\
         <Version>7.2.0.4567</Version>\n\
         <olkit:Size>3</olkit:Size>\n\
         </Product>\n\
         </Products>\n"
    )
    .into_bytes()
}
