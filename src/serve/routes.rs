//! The HTTP side: the site's files from the latest snapshot (HTML with the live-reload
//! script), the script itself, and the event stream that tells open pages to reload.

use std::convert::Infallible;
use std::sync::Arc;

use anyhow::Result;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::oneshot;
use tokio::sync::watch as channel;

use super::files::{self, Resolved};
use super::{EVENTS, LIVE_SCRIPT, Shared, Snapshot};

pub(super) async fn serve_http(
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

pub(super) fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// `html` with the live-reload client before its last `</body>` (or at the end).
pub(super) fn inject_live_script(html: &[u8], token: &str) -> Vec<u8> {
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
pub(super) async fn events(State(shared): State<Arc<Shared>>, uri: Uri) -> impl IntoResponse {
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
    pub(super) shared: Arc<Shared>,
    pub(super) notices: channel::Receiver<(u64, bool)>,
    /// The build the page shows.
    pub(super) page_token: String,
    /// The diagnostics the page's overlay shows.
    pub(super) shown_errors: Option<String>,
    pub(super) first: bool,
    pub(super) done: bool,
}

impl PageListener {
    pub(super) async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
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
