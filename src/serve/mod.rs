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

use std::convert::Infallible;
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::{oneshot, watch as channel};

use crate::diagnostics::{self, Format};
use crate::engine::{LiveBuild, Rebuild, SiteFiles};
use crate::load::changes::{ChangeKind, classify};
pub use files::{Resolved, content_type, resolve};
use watch::Batch;

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

/// The watcher thread: rebuilds after each batch and publishes the result.
struct Rebuilder {
    live: LiveBuild,
    shared: Arc<Shared>,
    reporter: Reporter,
    indexer: Option<SearchIndexer>,
}

impl Rebuilder {
    fn run(mut self, watcher: watch::Watcher, stop: &AtomicBool) {
        watcher.run(stop, |batch| {
            self.rebuild(&batch);
            true
        });
    }

    fn rebuild(&mut self, batch: &Batch) {
        let started = Instant::now();
        let rebuild = if batch.rescan {
            Some(self.live.reload())
        } else {
            self.live.update(&batch.paths)
        };
        let Some(rebuild) = rebuild else {
            return; // saved without changes, or only files the site does not use
        };
        let elapsed = started.elapsed();
        self.reporter.rebuild(batch, &rebuild, &self.live, elapsed);
        let errors =
            (!rebuild.succeeded).then(|| self.reporter.plain_diagnostics(&rebuild, &self.live));
        let snapshot = self.next_snapshot(batch, &rebuild, errors, elapsed);
        let generation = snapshot.status.generation;
        let new_files = !Arc::ptr_eq(&snapshot.files, &self.shared.snapshot().files);
        self.shared.publish(snapshot);
        if let Some(indexer) = self.indexer.as_ref().filter(|_| new_files) {
            indexer.request(generation, &self.live);
        }
    }

    fn next_snapshot(
        &self,
        batch: &Batch,
        rebuild: &Rebuild,
        errors: Option<String>,
        elapsed: Duration,
    ) -> Snapshot {
        let previous = self.shared.snapshot();
        let mut status = previous.status.clone();
        status.rebuilds += 1;
        status.last_rebuild = elapsed;
        status.errors = errors;
        if !rebuild.succeeded || rebuild.changed_outputs.is_empty() {
            return Snapshot {
                files: Arc::clone(&previous.files),
                status,
                token: previous.token.clone(),
                stylesheet_change: previous.stylesheet_change.clone(),
            };
        }
        status.generation += 1;
        let only_stylesheets = !batch.rescan
            && rebuild
                .changed_sources
                .iter()
                .all(|path| classify(path) == ChangeKind::Stylesheet);
        let files = self.live.outputs();
        // Changed outputs include removed ones (the old hashed stylesheet): only
        // files that exist now can be swapped in.
        let present: Vec<String> = rebuild
            .changed_outputs
            .iter()
            .filter(|path| files.contains_key(path.as_str()))
            .cloned()
            .collect();
        Snapshot {
            files,
            token: format!("{}.{}", self.shared.instance, status.generation),
            status,
            stylesheet_change: only_stylesheets
                .then(|| (previous.token.clone(), stylesheet_urls(&present))),
        }
    }
}

/// Builds the search index off the rebuild path: a page reloads as soon as it is
/// rebuilt, and the index files join the served snapshot when ready, if no newer
/// rebuild replaced it meanwhile (then the newer one is indexed instead).
struct SearchIndexer {
    requests: std::sync::mpsc::Sender<IndexRequest>,
}

struct IndexRequest {
    generation: u64,
    files: Arc<SiteFiles>,
    language: String,
}

impl SearchIndexer {
    fn start(shared: Arc<Shared>) -> Self {
        let (requests, incoming) = std::sync::mpsc::channel::<IndexRequest>();
        // Detached: it ends when the rebuilder (holding the sender) is gone.
        std::thread::spawn(move || {
            while let Ok(mut request) = incoming.recv() {
                while let Ok(newer) = incoming.try_recv() {
                    request = newer; // only the latest build matters
                }
                index_and_publish(&shared, request);
            }
        });
        SearchIndexer { requests }
    }

    fn request(&self, generation: u64, live: &LiveBuild) {
        let _ = self.requests.send(IndexRequest {
            generation,
            files: live.outputs(),
            language: live.language().to_string(),
        });
    }
}

fn index_and_publish(shared: &Shared, request: IndexRequest) {
    let outputs: Vec<crate::emit::Output> = request
        .files
        .iter()
        .map(|(path, bytes)| crate::emit::Output {
            path: path.to_string(),
            bytes: bytes.to_vec(),
        })
        .collect();
    let index = match crate::search::index(&outputs, &request.language) {
        Ok(index) => index,
        Err(diagnostic) => {
            eprintln!("search index: {}", diagnostic.message);
            return;
        }
    };
    let mut guard = shared.snapshot.lock().unwrap_or_else(|e| e.into_inner());
    if guard.status.generation != request.generation || !Arc::ptr_eq(&guard.files, &request.files) {
        return; // a newer build is served; its own request follows
    }
    let mut files = SiteFiles::clone(&request.files);
    for output in index.outputs {
        files.insert(Arc::from(output.path), Arc::from(output.bytes));
    }
    let snapshot = Snapshot {
        files: Arc::new(files),
        status: guard.status.clone(),
        token: guard.token.clone(),
        stylesheet_change: guard.stylesheet_change.clone(),
    };
    *guard = Arc::new(snapshot);
}

/// `{"style.css": "/style.1a2b3c4d5e.css", ...}` for the stylesheets among `paths`
/// (which must all exist in the new build):
/// the name a page's `<link>` is matched by, and the URL it should load now.
fn stylesheet_urls(paths: &[String]) -> String {
    let mut urls = std::collections::BTreeMap::new();
    for path in paths.iter().filter(|p| p.ends_with(".css")) {
        let logical = match path.rsplitn(3, '.').collect::<Vec<_>>().as_slice() {
            [_, hash, stem] if hash.len() == 10 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
                format!("{stem}.css")
            }
            _ => path.clone(),
        };
        let url = format!("/{path}");
        let hashed = logical != *path;
        if hashed || !urls.contains_key(&logical) {
            urls.insert(logical, url);
        }
    }
    serde_json::to_string(&urls).unwrap_or_else(|_| "{}".into())
}

/// Terminal output: the URL, each rebuild's duration and what changed, and the same
/// diagnostics `survey check` prints.
struct Reporter {
    quiet: bool,
    color: bool,
}

impl Reporter {
    fn new(quiet: bool) -> Self {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Reporter { quiet, color }
    }

    fn first_build(&self, first: &Rebuild, live: &LiveBuild, elapsed: Duration) {
        if self.quiet {
            return;
        }
        self.print_diagnostics(first, live);
        let files = live.outputs().len();
        if first.succeeded {
            println!("built {files} files in {} ms", elapsed.as_millis());
        } else {
            println!("the site does not build yet: the browser shows the errors until it does");
        }
    }

    fn rebuild(&self, batch: &Batch, rebuild: &Rebuild, live: &LiveBuild, elapsed: Duration) {
        if self.quiet {
            return;
        }
        self.print_diagnostics(rebuild, live);
        let what = describe_paths(batch, &rebuild.changed_sources);
        if rebuild.succeeded {
            println!(
                "{what} changed: rebuilt in {} ms, {} page{} rendered, {} file{} changed{}",
                elapsed.as_millis(),
                rebuild.rendered,
                plural(rebuild.rendered),
                rebuild.changed_outputs.len(),
                plural(rebuild.changed_outputs.len()),
                describe_outputs(&rebuild.changed_outputs)
            );
        } else {
            println!(
                "{what} changed: the site does not build ({} error{}, {} ms); still serving the last good build",
                rebuild.diagnostics.error_count(),
                plural(rebuild.diagnostics.error_count()),
                elapsed.as_millis()
            );
        }
    }

    fn print_diagnostics(&self, rebuild: &Rebuild, live: &LiveBuild) {
        if !rebuild.diagnostics.is_empty() {
            eprint!("{}", self.diagnostics(rebuild, live, self.color));
        }
    }

    /// The diagnostics without colour, for the browser overlay.
    fn plain_diagnostics(&self, rebuild: &Rebuild, live: &LiveBuild) -> String {
        self.diagnostics(rebuild, live, false)
    }

    fn diagnostics(&self, rebuild: &Rebuild, live: &LiveBuild, color: bool) -> String {
        let sources = live.sources();
        diagnostics::render(&rebuild.diagnostics, Format::Human, color, &|path| {
            sources.text_of(path)
        })
    }
}

fn describe_paths(batch: &Batch, changed: &[PathBuf]) -> String {
    if batch.rescan {
        return "many files (rescanned)".to_string();
    }
    let shown: Vec<String> = changed
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    match changed.len() {
        n if n > 3 => format!("{} and {} more", shown.join(", "), n - 3),
        _ => shown.join(", "),
    }
}

fn describe_outputs(paths: &[String]) -> String {
    match paths.len() {
        0 => String::new(),
        1..=4 => format!(" ({})", paths.join(", ")),
        n => format!(" ({}, ... {} more)", paths[..3].join(", "), n - 3),
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

async fn serve_http(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    stopped: oneshot::Receiver<()>,
) {
    let listener = match tokio::net::TcpListener::from_std(listener) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot serve: {error}");
            return;
        }
    };
    let app = axum::Router::new()
        .route(LIVE_SCRIPT, get(live_script))
        .route(EVENTS, get(events))
        .fallback(site_file)
        .with_state(shared);
    let server = axum::serve(listener, app).with_graceful_shutdown(async {
        let _ = stopped.await;
    });
    if let Err(error) = server.await {
        eprintln!("error: the server stopped: {error}");
    }
}

async fn site_file(State(shared): State<Arc<Shared>>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let snapshot = shared.snapshot();
    match files::resolve(uri.path(), &snapshot.files) {
        Resolved::File(path) => file_response(StatusCode::OK, &path, &snapshot),
        Resolved::Redirect(location) => redirect(&location, uri.query()),
        Resolved::NotFound if snapshot.files.contains_key("404.html") => {
            file_response(StatusCode::NOT_FOUND, "404.html", &snapshot)
        }
        Resolved::NotFound => plain(StatusCode::NOT_FOUND, "not found\n"),
        Resolved::BadRequest => plain(
            StatusCode::BAD_REQUEST,
            "bad request: not a path inside the site\n",
        ),
    }
}

fn file_response(status: StatusCode, path: &str, snapshot: &Snapshot) -> Response {
    let Some(bytes) = snapshot.files.get(path) else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let content_type = files::content_type(path);
    let body = if content_type.starts_with("text/html") {
        Body::from(inject_live_script(bytes, &snapshot.token))
    } else {
        Body::from(Bytes::from_owner(Arc::clone(bytes)))
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // A preview must never show a cached copy of an older build.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A temporary redirect (302): the site may change while it is previewed, so the
/// browser must not remember it.
fn redirect(location: &str, query: Option<&str>) -> Response {
    let target = match query {
        Some(query) => format!("{location}?{query}"),
        None => location.to_string(),
    };
    let mut response = plain(StatusCode::FOUND, "");
    if let Ok(value) = HeaderValue::from_str(&target) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `html` with the live-reload client before its last `</body>` (or at the end).
fn inject_live_script(html: &[u8], token: &str) -> Vec<u8> {
    let tag =
        format!("<script src=\"{LIVE_SCRIPT}\" data-generation=\"{token}\" defer></script>\n");
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

async fn live_script() -> Response {
    let mut response = include_str!("live.js").into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The event stream of one open page: `reload`, `css`, `errors` or `ok`, decided
/// from the latest snapshot and what this page has been told.
async fn events(State(shared): State<Arc<Shared>>, uri: Uri) -> impl IntoResponse {
    let since = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("since="))
        .unwrap_or("")
        .to_string();
    let notices = shared.notices.subscribe();
    let listener = PageListener {
        shared,
        notices,
        page_token: since,
        shown_errors: None,
        first: true,
        done: false,
    };
    let stream = futures_util::stream::unfold(listener, PageListener::next);
    Sse::new(stream).keep_alive(KeepAlive::default())
}

struct PageListener {
    shared: Arc<Shared>,
    notices: channel::Receiver<(u64, bool)>,
    /// The build the page shows.
    page_token: String,
    /// The diagnostics the page's overlay shows.
    shown_errors: Option<String>,
    first: bool,
    done: bool,
}

impl PageListener {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        loop {
            if self.done {
                return None;
            }
            if !std::mem::take(&mut self.first) && self.notices.changed().await.is_err() {
                return None;
            }
            if self.notices.borrow_and_update().1 {
                return None; // the server is stopping
            }
            let snapshot = self.shared.snapshot();
            if let Some(event) = self.decide(&snapshot) {
                return Some((Ok(event), self));
            }
        }
    }

    fn decide(&mut self, snapshot: &Snapshot) -> Option<Event> {
        if snapshot.token != self.page_token {
            if let Some((from, urls)) = &snapshot.stylesheet_change
                && *from == self.page_token
                && snapshot.status.errors.is_none()
            {
                self.page_token = snapshot.token.clone();
                let data = format!(
                    "{{\"generation\":{},\"stylesheets\":{urls}}}",
                    snapshot.status.generation
                );
                return Some(Event::default().event("css").data(data));
            }
            self.done = true;
            return Some(Event::default().event("reload").data(&snapshot.token));
        }
        match &snapshot.status.errors {
            Some(errors) if self.shown_errors.as_ref() != Some(errors) => {
                self.shown_errors = Some(errors.clone());
                Some(Event::default().event("errors").data(errors))
            }
            Some(_) => None,
            None => self
                .shown_errors
                .take()
                .map(|_| Event::default().event("ok").data("ok")),
        }
    }
}

#[cfg(test)]
mod tests {
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
