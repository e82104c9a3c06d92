//! HTTP(S) for `olkit updates`: manifests, signatures and packages from a
//! server, with optional basic or bearer authentication, timeouts, a size
//! cap, and HTTPS verified by rustls (the bundled Mozilla roots, or the
//! roots of `--ca-file`).
//!
//! Secrets never show: passwords and tokens are not part of any error
//! message, of `--json` output or of `Debug` output, and the user and
//! password of a URL (`https://user:secret@host/`) are left out of the URL
//! shown in messages.

use std::fmt;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use clap::{ArgGroup, Args};
use ureq::config::AutoHeaderValue;
use ureq::http::{header, HeaderValue, Response, StatusCode};
use ureq::tls::{parse_pem, PemItem, RootCerts, TlsConfig};
use ureq::Body;

use crate::output::CliError;
use crate::trust::read_limited;

/// The default connect and read timeout.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A PEM file of root certificates is a few kilobytes (the whole Mozilla
/// bundle is about 250 KB).
const CA_FILE_LIMIT: usize = 4 << 20;

/// How the client authenticates to the server.
#[derive(Clone)]
pub(crate) enum Auth {
    /// HTTP basic authentication.
    Basic {
        /// The user name.
        user: String,
        /// The password (never shown).
        password: String,
    },
    /// A bearer token (never shown).
    Bearer(String),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Basic { user, .. } => f
                .debug_struct("Basic")
                .field("user", user)
                .field("password", &"<hidden>")
                .finish(),
            Auth::Bearer(_) => f.debug_tuple("Bearer").field(&"<hidden>").finish(),
        }
    }
}

impl Auth {
    /// The value of the `Authorization` header, marked sensitive.
    fn header_value(&self, url: &str) -> Result<HeaderValue, CliError> {
        let text = match self {
            Auth::Basic { user, password } => format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            ),
            Auth::Bearer(token) => format!("Bearer {token}"),
        };
        let mut value = HeaderValue::from_str(&text).map_err(|_| {
            url_error(
                url,
                "the credentials contain characters an HTTP header cannot carry (line breaks or other control characters)",
            )
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// How requests are made.
#[derive(Debug, Clone)]
pub(crate) struct HttpOptions {
    /// Authentication, if any.
    pub(crate) auth: Option<Auth>,
    /// The connect timeout, and the longest wait for the response and for
    /// each read of the body.
    pub(crate) timeout: Duration,
    /// PEM root certificates to trust instead of the bundled Mozilla roots
    /// (for a private CA, or tests).
    pub(crate) ca_file: Option<PathBuf>,
}

/// The HTTP options of the `olkit updates` commands.
#[derive(Args, Clone)]
#[command(group(
    ArgGroup::new("password_source")
        .args(["password", "password_env"])
        .requires("user")
))]
#[command(group(
    ArgGroup::new("bearer_source")
        .args(["bearer", "bearer_env"])
        .conflicts_with("user")
))]
pub(crate) struct HttpArgs {
    /// HTTP basic authentication: the user name (with --password or --password-env).
    #[arg(long, value_name = "NAME", requires = "password_source")]
    user: Option<String>,
    /// The basic authentication password (visible to other local users in the process list: prefer --password-env).
    #[arg(long, value_name = "TEXT")]
    password: Option<String>,
    /// The basic authentication password, from this environment variable.
    #[arg(long, value_name = "NAME")]
    password_env: Option<String>,
    /// A bearer token (visible in the process list: prefer --bearer-env).
    #[arg(long, value_name = "TOKEN")]
    bearer: Option<String>,
    /// A bearer token, from this environment variable.
    #[arg(long, value_name = "NAME")]
    bearer_env: Option<String>,
    /// Connect timeout and longest wait for each read, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,
    /// PEM root certificates to trust for HTTPS instead of the bundled Mozilla roots (a private CA).
    #[arg(long, value_name = "PEM")]
    ca_file: Option<PathBuf>,
}

impl fmt::Debug for HttpArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "<hidden>");
        f.debug_struct("HttpArgs")
            .field("user", &self.user)
            .field("password", &hidden(&self.password))
            .field("password_env", &self.password_env)
            .field("bearer", &hidden(&self.bearer))
            .field("bearer_env", &self.bearer_env)
            .field("timeout", &self.timeout)
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// The value of the environment variable `name`, for `option`.
fn secret_from_env(option: &str, name: &str) -> Result<String, CliError> {
    std::env::var(name).map_err(|e| {
        let why = match e {
            std::env::VarError::NotPresent => "is not set",
            std::env::VarError::NotUnicode(_) => "is not valid Unicode",
        };
        CliError::io(
            Path::new(option),
            io::Error::other(format!("the environment variable {name} {why}")),
        )
    })
}

impl HttpArgs {
    /// The options these arguments give.
    pub(crate) fn options(&self) -> Result<HttpOptions, CliError> {
        let password = match (&self.password, &self.password_env) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(name)) => Some(secret_from_env("--password-env", name)?),
            (None, None) => None,
        };
        let bearer = match (&self.bearer, &self.bearer_env) {
            (Some(t), _) => Some(t.clone()),
            (None, Some(name)) => Some(secret_from_env("--bearer-env", name)?),
            (None, None) => None,
        };
        let auth = match (&self.user, password, bearer) {
            (Some(user), Some(password), None) => Some(Auth::Basic {
                user: user.clone(),
                password,
            }),
            (None, None, Some(token)) => Some(Auth::Bearer(token)),
            (None, None, None) => None,
            // clap's groups rule out the rest; stay explicit anyway.
            _ => return Err(CliError::io(
                Path::new("--user"),
                io::Error::other(
                    "give either --user with --password/--password-env, or --bearer/--bearer-env",
                ),
            )),
        };
        Ok(HttpOptions {
            auth,
            timeout: Duration::from_secs(self.timeout),
            ca_file: self.ca_file.clone(),
        })
    }
}

/// Whether `text` is an `http://` or `https://` URL (not a file name).
pub(crate) fn is_url(text: &str) -> bool {
    let starts = |prefix: &str| {
        text.get(..prefix.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(prefix))
    };
    starts("http://") || starts("https://")
}

/// `url` as shown in messages: without the user and password a URL may
/// carry (`https://user:secret@host/` becomes `https://host/`).
pub(crate) fn shown_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest_start = scheme_end + 3;
    let Some(rest) = url.get(rest_start..) else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end).unwrap_or(rest);
    match authority.rfind('@') {
        Some(at) => format!(
            "{}{}",
            url.get(..rest_start).unwrap_or_default(),
            rest.get(at + 1..).unwrap_or_default()
        ),
        None => url.to_owned(),
    }
}

/// An error about `url` (shown without credentials).
pub(crate) fn url_error(url: &str, message: impl Into<String>) -> CliError {
    CliError::io(Path::new(&shown_url(url)), io::Error::other(message.into()))
}

/// The roots of a PEM file.
fn read_roots(path: &Path) -> Result<RootCerts, CliError> {
    let pem = read_limited(path, CA_FILE_LIMIT)?;
    let mut certs = Vec::new();
    for item in parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => {
                return Err(CliError::io(
                    path,
                    io::Error::other(format!("not a PEM certificate file: {e}")),
                ))
            }
        }
    }
    if certs.is_empty() {
        return Err(CliError::io(
            path,
            io::Error::other("no PEM certificate (-----BEGIN CERTIFICATE-----) in the file"),
        ));
    }
    Ok(RootCerts::new_with_certs(&certs))
}

/// An agent configured as `options` say: timeouts, TLS roots, no
/// transparent compression (byte ranges must mean the stored bytes), and
/// HTTP error statuses left to [`get`] (which names them).
pub(crate) fn agent(options: &HttpOptions) -> Result<ureq::Agent, CliError> {
    let mut tls = TlsConfig::builder();
    if let Some(path) = &options.ca_file {
        tls = tls.root_certs(read_roots(path)?);
    }
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(options.timeout))
        .timeout_recv_response(Some(options.timeout))
        .timeout_per_read(Some(options.timeout))
        .accept_encoding(AutoHeaderValue::None)
        .user_agent(format!("olkit/{}", env!("CARGO_PKG_VERSION")))
        .tls_config(tls.build())
        .build();
    Ok(config.new_agent())
}

/// A transport error in words, with its cause chain (a refused
/// connection, a certificate that does not verify).
fn transport_error(url: &str, error: &ureq::Error) -> CliError {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    url_error(url, format!("cannot fetch: {text}"))
}

/// Sends a GET for `url` with the authentication of `options`, and from
/// byte `range_from` on when given; any status.
fn send(
    agent: &ureq::Agent,
    url: &str,
    options: &HttpOptions,
    range_from: Option<u64>,
) -> Result<Response<Body>, CliError> {
    let mut request = agent.get(url);
    if let Some(auth) = &options.auth {
        request = request.header(header::AUTHORIZATION, auth.header_value(url)?);
    }
    if let Some(from) = range_from {
        request = request.header(header::RANGE, format!("bytes={from}-"));
    }
    request.call().map_err(|e| transport_error(url, &e))
}

/// The error of a status other than 2xx.
fn status_error(url: &str, status: StatusCode, options: &HttpOptions) -> CliError {
    let hint = match status {
        StatusCode::UNAUTHORIZED if options.auth.is_none() => {
            " (the server wants authentication: --user with --password-env, or --bearer-env)"
        }
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN if options.auth.is_some() => {
            " (the credentials were not accepted)"
        }
        _ => "",
    };
    url_error(url, format!("the server answered {status}{hint}"))
}

/// Sends a GET for `url` with the authentication of `options`, and from
/// byte `range_from` on when given (a `Range` request: the answer is 206
/// when the server honoured it, 200 with the whole body when it did not).
/// A status other than 2xx is an error naming the URL and the status.
pub(crate) fn get(
    agent: &ureq::Agent,
    url: &str,
    options: &HttpOptions,
    range_from: Option<u64>,
) -> Result<Response<Body>, CliError> {
    let response = send(agent, url, options, range_from)?;
    let status = response.status();
    if !status.is_success() {
        return Err(status_error(url, status, options));
    }
    Ok(response)
}

/// The whole body of a response; refused past `limit` bytes (without
/// reading more than one byte past it).
fn read_body(url: &str, response: Response<Body>, limit: u64) -> Result<Vec<u8>, CliError> {
    let too_large = || url_error(url, format!("larger than {limit} bytes: refused"));
    if response.body().content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_with_config()
        .limit(u64::MAX)
        .reader()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| url_error(url, format!("reading the answer: {e}")))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The whole body of `url`; refused past `limit` bytes (without reading
/// more than one byte past it).
pub(crate) fn get_bytes(url: &str, options: &HttpOptions, limit: u64) -> Result<Vec<u8>, CliError> {
    let agent = agent(options)?;
    let response = get(&agent, url, options, None)?;
    read_body(url, response, limit)
}

/// As [`get_bytes`], but a resource the server does not have (404 Not
/// Found, 410 Gone) is `None` rather than an error: for optional files
/// such as a signature beside a manifest.
pub(crate) fn get_bytes_if_present(
    url: &str,
    options: &HttpOptions,
    limit: u64,
) -> Result<Option<Vec<u8>>, CliError> {
    let agent = agent(options)?;
    let response = send(&agent, url, options, None)?;
    let status = response.status();
    if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(status_error(url, status, options));
    }
    read_body(url, response, limit).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("http://example.com/x.xml"));
        assert!(is_url("HTTPS://example.com/x.xml"));
        assert!(!is_url("httpx://example.com"));
        assert!(!is_url("C:\\updates\\products.xml"));
        assert!(!is_url("http"));
        assert!(!is_url("ftp://example.com/"));
    }

    #[test]
    fn shown_urls_have_no_credentials() {
        assert_eq!(
            shown_url("https://admin:s3cret@host:8443/a/b.xml?x=1"),
            "https://host:8443/a/b.xml?x=1"
        );
        assert_eq!(shown_url("http://host/a@b/c.xml"), "http://host/a@b/c.xml");
        assert_eq!(shown_url("http://u@h/"), "http://h/");
        assert_eq!(shown_url("products.xml"), "products.xml");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let auth = Auth::Basic {
            user: "admin".to_owned(),
            password: "s3cret".to_owned(),
        };
        let text = format!("{auth:?} {:?}", Auth::Bearer("t0ken".to_owned()));
        assert!(text.contains("admin"));
        assert!(!text.contains("s3cret"));
        assert!(!text.contains("t0ken"));
    }

    #[test]
    fn basic_auth_header_is_base64_of_user_and_password() {
        let auth = Auth::Basic {
            user: "Aladdin".to_owned(),
            password: "open sesame".to_owned(),
        };
        // RFC 7617's example.
        let value = auth.header_value("http://h/").unwrap();
        assert_eq!(
            value.to_str().unwrap(),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert!(value.is_sensitive());
        let bad = Auth::Bearer("a\nb".to_owned()).header_value("http://h/");
        let message = bad.err().unwrap().to_string();
        assert!(!message.contains("a\nb"), "{message}");
    }
}
