//! The one HTTP client of the tool, for `import` by identifier and `check --links`.
//!
//! Invariants: every request carries the same descriptive User-Agent, has a connect and
//! an overall timeout, follows at most [`MAX_REDIRECTS`] redirects, and is retried with
//! growing back-off only when the server says to come back later (429, 503), honouring a
//! short `Retry-After`. HTTP error statuses are values ([`Reply::status`]), not errors;
//! only a request that got no answer at all is an [`Err`]. TLS is rustls: nothing to
//! install on the machine.

use std::io::Read as _;
use std::time::Duration;

/// Sent with every request, so a host can tell who is asking.
pub const USER_AGENT: &str = concat!(
    "survey/",
    env!("CARGO_PKG_VERSION"),
    " (static-site generator for literature surveys; metadata import and link checking)"
);

/// More than this many redirects in a row count as a dead link.
pub const MAX_REDIRECTS: u32 = 10;

/// How a failed name lookup is described (the start of the error text).
pub const UNRESOLVED: &str = "the host name does not resolve";

/// The largest body read, so a misbehaving server cannot exhaust memory.
const MAX_BODY: u64 = 8 * 1024 * 1024;

/// The longest `Retry-After` honoured; a longer wait gives up instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// How long to wait and how often to try.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// For the whole request, redirects included.
    pub timeout: Duration,
    /// Tries in all, for 429 and 503 answers.
    pub attempts: u32,
    /// The wait before the second try; it doubles for each further try.
    pub backoff: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Duration::from_secs(20),
            attempts: 3,
            backoff: Duration::from_secs(2),
        }
    }
}

impl Settings {
    /// The defaults, with `SURVEY_HTTP_TIMEOUT` (seconds) and `SURVEY_HTTP_BACKOFF_MS`
    /// from the environment when set (tests shorten both).
    pub fn from_env() -> Self {
        let mut settings = Settings::default();
        if let Some(seconds) = env_number("SURVEY_HTTP_TIMEOUT") {
            settings.timeout = Duration::from_secs_f64(seconds.max(0.1));
        }
        if let Some(millis) = env_number("SURVEY_HTTP_BACKOFF_MS") {
            settings.backoff = Duration::from_millis(millis.max(0.0) as u64);
        }
        settings
    }
}

/// A number from the environment variable `name`, if it is set and parses.
pub fn env_number(name: &str) -> Option<f64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

/// What a server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// The body as text; empty for [`Client::status`].
    pub body: String,
}

/// A blocking client; cheap to share between threads (`&Client`).
pub struct Client {
    agent: ureq::Agent,
    settings: Settings,
}

impl Client {
    pub fn new(settings: Settings) -> Self {
        let config = ureq::Agent::config_builder()
            .user_agent(USER_AGENT)
            .timeout_global(Some(settings.timeout))
            .timeout_connect(Some(settings.timeout.min(Duration::from_secs(10))))
            .max_redirects(MAX_REDIRECTS)
            .http_status_as_error(false)
            .build();
        Client {
            agent: config.into(),
            settings,
        }
    }

    /// GET `url` asking for `accept`, and read the body.
    pub fn get(&self, url: &str, accept: &str) -> Result<Reply, String> {
        self.with_retries(|| {
            let mut response = self
                .agent
                .get(url)
                .header("Accept", accept)
                .call()
                .map_err(describe)?;
            let status = response.status().as_u16();
            let retry_after = retry_after(&response);
            let mut body = String::new();
            response
                .body_mut()
                .as_reader()
                .take(MAX_BODY)
                .read_to_string(&mut body)
                .map_err(|error| format!("reading the answer failed: {error}"))?;
            Ok((Reply { status, body }, retry_after))
        })
    }

    /// The status `url` answers with after redirects, without reading the body.
    pub fn status(&self, url: &str) -> Result<u16, String> {
        self.with_retries(|| {
            let response = self
                .agent
                .get(url)
                .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
                .call()
                .map_err(describe)?;
            let status = response.status().as_u16();
            Ok((
                Reply {
                    status,
                    body: String::new(),
                },
                retry_after(&response),
            ))
        })
        .map(|reply| reply.status)
    }

    /// Runs `request` until it is not told to come back later, or tries run out.
    fn with_retries(
        &self,
        request: impl Fn() -> Result<(Reply, Option<Duration>), String>,
    ) -> Result<Reply, String> {
        let mut wait = self.settings.backoff;
        let mut attempt = 1;
        loop {
            let (reply, retry_after) = request()?;
            let busy = matches!(reply.status, 429 | 503);
            if !busy || attempt >= self.settings.attempts {
                return Ok(reply);
            }
            match retry_after {
                Some(asked) if asked > MAX_RETRY_AFTER => return Ok(reply),
                Some(asked) => std::thread::sleep(asked.max(wait)),
                None => std::thread::sleep(wait),
            }
            wait *= 2;
            attempt += 1;
        }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare for these hosts and ignored).
fn retry_after(response: &ureq::http::Response<ureq::Body>) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    value.trim().parse().ok().map(Duration::from_secs)
}

/// A transport error in words a maintainer can act on.
fn describe(error: ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "no answer within the time limit".to_string(),
        ureq::Error::HostNotFound => format!("{UNRESOLVED} (offline?)"),
        ureq::Error::TooManyRedirects => format!("more than {MAX_REDIRECTS} redirects"),
        // The resolver's failure arrives as an I/O error; say what it usually means.
        ureq::Error::Io(error) if error.to_string().contains("lookup address") => {
            format!("{UNRESOLVED} (offline?): {error}")
        }
        ureq::Error::Io(error) => format!("connection failed: {error}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_agent_names_the_tool_and_version() {
        assert!(USER_AGENT.starts_with(&format!("survey/{} (", env!("CARGO_PKG_VERSION"))));
    }

    #[test]
    fn a_closed_port_is_an_error_not_a_status() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let client = Client::new(Settings {
            timeout: Duration::from_secs(2),
            ..Settings::default()
        });
        let error = client
            .status(&format!("http://127.0.0.1:{port}/"))
            .unwrap_err();
        assert!(error.starts_with("connection failed"), "{error}");
    }
}
