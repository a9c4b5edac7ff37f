//! `survey serve`: the site built in memory, served over HTTP, rebuilt on every change
//! and pushed to open pages.
//!
//! Three threads: the caller's; the watcher, which owns the [`LiveBuild`] and rebuilds
//! after each debounced batch of changes; and the HTTP server (axum on a tokio
//! runtime), which only reads the latest [`Snapshot`].
//!
//! Invariants:
//! - the server only ever serves a complete, successful build: a failed rebuild keeps
//!   the previous files and adds its diagnostics, shown in an overlay on every open page
//!   until a rebuild succeeds;
//! - built files are never modified for serving except HTML, which gets one `<script>`
//!   (the live-reload client) before `</body>`; the built site itself stays equal to
//!   `survey build` with the local base URL;
//! - a page knows which build it shows (a token in the injected tag), so a page loaded
//!   just before a rebuild is still told to reload.

pub mod watch;

pub mod files;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use tokio::sync::{oneshot, watch as channel};

use crate::engine::{LiveBuild, Rebuild, SiteFiles};
pub use files::{Resolved, content_type, resolve};

mod rebuild;
mod report;
mod routes;

use rebuild::{Rebuilder, SearchIndexer};
use report::Reporter;
use routes::serve_http;

/// Where the live-reload client and its event stream live; no built file can be there
/// (chapter and paper names start with a letter or digit).
const LIVE_SCRIPT: &str = "/__survey/live.js";
const EVENTS: &str = "/__survey/events";

#[derive(Debug, Clone)]
pub struct Options {
    /// The site's root folder (holding site.yaml and content/).
    pub root: PathBuf,
    pub interface: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Print nothing (for tests and benchmarks).
    pub quiet: bool,
    /// Build the search index too, in the background after each rebuild (as
    /// `survey build` does, but without delaying the reload).
    pub search: bool,
}

/// The state of the served site.
#[derive(Debug, Clone)]
pub struct Status {
    /// Successful rebuilds that changed the served files (0 for the first build).
    pub generation: u64,
    /// Rebuilds done after the first build, successful or not.
    pub rebuilds: u64,
    /// The diagnostics of the last rebuild if it failed, as `survey check` prints them.
    pub errors: Option<String>,
    /// How long the last rebuild took.
    pub last_rebuild: Duration,
}

/// What the HTTP side serves: replaced as a whole after each rebuild.
struct Snapshot {
    files: Arc<SiteFiles>,
    status: Status,
    /// Identifies the served build for pages: this server's instance and generation.
    token: String,
    /// Set when the last change only replaced stylesheets: the token it changed from
    /// and the new stylesheet URLs by name, as JSON.
    stylesheet_change: Option<(String, String)>,
}

/// What the threads share.
struct Shared {
    snapshot: Mutex<Arc<Snapshot>>,
    rebuilt: Condvar,
    /// Bumped on every new snapshot; `true` once the server is stopping.
    notices: channel::Sender<(u64, bool)>,
    instance: String,
}

impl Shared {
    fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn publish(&self, snapshot: Snapshot) {
        *self.snapshot.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(snapshot);
        self.rebuilt.notify_all();
        self.notices.send_modify(|(version, _)| *version += 1);
    }
}

/// A running preview server. Dropping it stops it.
pub struct Server {
    address: SocketAddr,
    shared: Arc<Shared>,
    stop_watching: Arc<AtomicBool>,
    stop_serving: Option<oneshot::Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

impl Server {
    /// Binds, builds the site, and starts watching and serving in the background.
    pub fn start(options: Options) -> Result<Server> {
        let root = options
            .root
            .canonicalize()
            .with_context(|| format!("cannot open the site folder {}", options.root.display()))?;
        let listener = std::net::TcpListener::bind((options.interface, options.port))
            .with_context(|| format!("cannot listen on {}:{}", options.interface, options.port))?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let reporter = Reporter::new(options.quiet);
        let started = Instant::now();
        let (live, first) = LiveBuild::new(&root, Some(&base_url(address)));
        reporter.first_build(&first, &live, started.elapsed());
        let watcher = watch::Watcher::start(&root)?;
        let shared = Arc::new(Shared::new(&live, &first, &reporter));
        let stop_watching = Arc::new(AtomicBool::new(false));
        let (stop_serving, stopped) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the HTTP runtime")?;
        let http = {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || runtime.block_on(serve_http(listener, shared, stopped)))
        };
        let indexer = options
            .search
            .then(|| SearchIndexer::start(Arc::clone(&shared)));
        if let Some(indexer) = &indexer {
            indexer.request(shared.snapshot().status.generation, &live);
        }
        let rebuilder = Rebuilder {
            live,
            shared: Arc::clone(&shared),
            reporter,
            indexer,
        };
        let watching = {
            let stop = Arc::clone(&stop_watching);
            std::thread::spawn(move || rebuilder.run(watcher, &stop))
        };
        Ok(Server {
            address,
            shared,
            stop_watching,
            stop_serving: Some(stop_serving),
            threads: vec![watching, http],
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The address to open in a browser.
    pub fn url(&self) -> String {
        base_url(self.address)
    }

    pub fn status(&self) -> Status {
        self.shared.snapshot().status.clone()
    }

    /// Waits until at least `rebuilds` rebuilds have happened; `None` on timeout.
    pub fn wait_for_rebuild(&self, rebuilds: u64, timeout: Duration) -> Option<Status> {
        let guard = self
            .shared
            .snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let (guard, result) = self
            .shared
            .rebuilt
            .wait_timeout_while(guard, timeout, |s| s.status.rebuilds < rebuilds)
            .unwrap_or_else(|e| e.into_inner());
        (!result.timed_out()).then(|| guard.status.clone())
    }

    /// Stops watching and serving; open event streams end, so pages stop listening.
    pub fn stop(self) {
        drop(self);
    }

    fn shut_down(&mut self) {
        self.stop_watching.store(true, Ordering::Relaxed);
        self.shared
            .notices
            .send_modify(|(_, stopping)| *stopping = true);
        if let Some(stop) = self.stop_serving.take() {
            let _ = stop.send(());
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// `survey serve`: starts the server, prints its address, optionally opens a browser,
/// and runs until Ctrl-C (or, on Unix, SIGTERM).
pub fn run(options: Options, open: bool) -> Result<()> {
    // Listen for the stop signal before the first build, so one sent meanwhile counts.
    let stop = StopSignal::register()?;
    let server = Server::start(options)?;
    let url = server.url();
    println!("serving at {url} (Ctrl-C to stop)");
    if open {
        open_in_browser(&url);
    }
    stop.wait();
    println!("stopping");
    server.stop();
    Ok(())
}

/// Ctrl-C (and SIGTERM on Unix), registered when created.
struct StopSignal {
    runtime: tokio::runtime::Runtime,
    #[cfg(unix)]
    signals: [tokio::signal::unix::Signal; 2],
    #[cfg(not(unix))]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl StopSignal {
    fn register() -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot listen for Ctrl-C")?;
        let _entered = runtime.enter();
        #[cfg(unix)]
        let signals = {
            use tokio::signal::unix::{SignalKind, signal};
            [
                signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?,
                signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            ]
        };
        #[cfg(not(unix))]
        let ctrl_c = tokio::signal::windows::ctrl_c().context("cannot listen for Ctrl-C")?;
        drop(_entered);
        Ok(StopSignal {
            runtime,
            #[cfg(unix)]
            signals,
            #[cfg(not(unix))]
            ctrl_c,
        })
    }

    fn wait(self) {
        #[cfg(unix)]
        {
            let StopSignal {
                runtime,
                signals: [mut interrupt, mut terminate],
            } = self;
            runtime.block_on(async {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            });
        }
        #[cfg(not(unix))]
        {
            let StopSignal {
                runtime,
                mut ctrl_c,
            } = self;
            runtime.block_on(ctrl_c.recv());
        }
    }
}

fn open_in_browser(url: &str) {
    let command = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if let Err(error) = command {
        eprintln!("note: cannot open a browser ({error}); open {url} yourself");
    }
}

/// The base URL pages are built with: the address the server answers on.
fn base_url(address: SocketAddr) -> String {
    let host = match address.ip() {
        ip if ip.is_unspecified() && ip.is_ipv6() => "[::1]".to_string(),
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
        IpAddr::V4(ip) => ip.to_string(),
    };
    format!("http://{host}:{}/", address.port())
}

impl Shared {
    fn new(live: &LiveBuild, first: &Rebuild, reporter: &Reporter) -> Self {
        let instance = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let instance = format!("{instance:x}");
        let snapshot = Snapshot {
            files: live.outputs(),
            status: Status {
                generation: 0,
                rebuilds: 0,
                errors: (!first.succeeded).then(|| reporter.plain_diagnostics(first, live)),
                last_rebuild: Duration::ZERO,
            },
            token: format!("{instance}.0"),
            stylesheet_change: None,
        };
        Shared {
            snapshot: Mutex::new(Arc::new(snapshot)),
            rebuilt: Condvar::new(),
            notices: channel::Sender::new((0, false)),
            instance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::rebuild::stylesheet_urls;
    use super::routes::inject_live_script;
    use super::*;

    #[test]
    fn the_live_script_goes_before_the_closing_body_tag() {
        let html = inject_live_script(b"<html><body><p>x</p></BODY></html>", "a.1");
        let html = String::from_utf8(html).unwrap();
        assert!(html.ends_with("defer></script>\n</BODY></html>"), "{html}");
        assert!(html.contains("data-generation=\"a.1\""));
        let bare = String::from_utf8(inject_live_script(b"<p>x</p>", "a.1")).unwrap();
        assert!(bare.starts_with("<p>x</p><script"), "{bare}");
    }

    #[test]
    fn stylesheet_urls_map_names_to_the_new_hashed_files() {
        let json = stylesheet_urls(&[
            "index.html".into(),
            "style.0123456789.css".into(),
            "style.css".into(),
            "print.css".into(),
        ]);
        assert_eq!(
            json,
            r#"{"print.css":"/print.css","style.css":"/style.0123456789.css"}"#
        );
    }

    #[test]
    fn base_url_names_a_reachable_address() {
        let url = |a: &str| base_url(a.parse().unwrap());
        assert_eq!(url("127.0.0.1:1111"), "http://127.0.0.1:1111/");
        assert_eq!(url("0.0.0.0:80"), "http://127.0.0.1:80/");
        assert_eq!(url("[::1]:8080"), "http://[::1]:8080/");
    }
}
