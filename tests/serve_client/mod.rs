//! A minimal HTTP/1.1 client over `TcpStream` for the `survey serve` tests: raw
//! request paths (so traversal attempts reach the server unaltered), chunked bodies,
//! and a reader for the server's event stream. Every wait has a deadline.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The build token a served page carries in its live-reload tag.
pub fn token_of(html: &str) -> String {
    let (_, rest) =
        (html.split_once("data-generation=\"")).expect("a served page carries the live-reload tag");
    rest.split('"').next().unwrap().to_string()
}

/// `GET raw_path` with `Connection: close`.
pub fn get(address: SocketAddr, raw_path: &str) -> Response {
    request(address, "GET", raw_path)
}

pub fn request(address: SocketAddr, method: &str, raw_path: &str) -> Response {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    write!(
        stream,
        "{method} {raw_path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the response");
    parse(&raw)
}

fn parse(raw: &[u8]) -> Response {
    let split = find(raw, b"\r\n\r\n").expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let body = if chunked {
        dechunk(rest).0
    } else {
        rest.to_vec()
    };
    Response {
        status,
        headers,
        body,
    }
}

/// Decodes complete chunks; returns the body so far and whether the last chunk came.
fn dechunk(mut raw: &[u8]) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    while let Some(line_end) = find(raw, b"\r\n") {
        let size_text = String::from_utf8_lossy(&raw[..line_end]);
        let Ok(size) = usize::from_str_radix(size_text.trim(), 16) else {
            break;
        };
        if size == 0 {
            return (body, true);
        }
        let start = line_end + 2;
        if raw.len() < start + size + 2 {
            break;
        }
        body.extend_from_slice(&raw[start..start + size]);
        raw = &raw[start + size + 2..];
    }
    (body, false)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// An open `/__survey/events` stream.
pub struct Events {
    stream: TcpStream,
    raw: Vec<u8>,
    /// Events already returned (by count).
    seen: usize,
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: String,
    pub data: String,
}

impl Events {
    pub fn open(address: SocketAddr, since: &str) -> Events {
        let mut stream = TcpStream::connect(address).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        write!(
            stream,
            "GET /__survey/events?since={since} HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        Events {
            stream,
            raw: Vec::new(),
            seen: 0,
        }
    }

    /// Waits for the next event named `name`, skipping others; panics after [`TIMEOUT`].
    pub fn expect(&mut self, name: &str) -> Event {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(event) = self.next_event(deadline) {
                if event.name == name {
                    return event;
                }
                continue;
            }
            panic!(
                "no `{name}` event within {TIMEOUT:?}; received so far:\n{}",
                String::from_utf8_lossy(&self.raw)
            );
        }
    }

    /// The next event, or `None` at the deadline or when the stream ends.
    pub fn next_event(&mut self, deadline: Instant) -> Option<Event> {
        loop {
            let events = self.events();
            if events.len() > self.seen {
                self.seen += 1;
                return Some(events[self.seen - 1].clone());
            }
            if Instant::now() > deadline || !self.read_more() {
                return None;
            }
        }
    }

    /// Whether the stream is closed by the server before `deadline`.
    pub fn closes_before(&mut self, deadline: Instant) -> bool {
        while Instant::now() < deadline {
            let mut buffer = [0; 4096];
            match self.stream.read(&mut buffer) {
                Ok(0) => return true,
                Ok(n) => self.raw.extend_from_slice(&buffer[..n]),
                Err(e) if is_timeout(&e) => {}
                Err(_) => return true,
            }
        }
        false
    }

    /// Reads what arrived; false when the connection is closed.
    fn read_more(&mut self) -> bool {
        let mut buffer = [0; 4096];
        match self.stream.read(&mut buffer) {
            Ok(0) => false,
            Ok(n) => {
                self.raw.extend_from_slice(&buffer[..n]);
                true
            }
            Err(e) if is_timeout(&e) => true,
            Err(_) => false,
        }
    }

    fn events(&self) -> Vec<Event> {
        let Some(split) = find(&self.raw, b"\r\n\r\n") else {
            return Vec::new();
        };
        let (body, _) = dechunk(&self.raw[split + 4..]);
        let text = String::from_utf8_lossy(&body).replace("\r\n", "\n");
        let mut events = Vec::new();
        // Only complete events (terminated by a blank line) count.
        let complete = text.rfind("\n\n").map_or("", |end| &text[..end]);
        for block in complete.split("\n\n") {
            let mut event = Event {
                name: "message".into(),
                data: String::new(),
            };
            let mut data_lines = Vec::new();
            for line in block.lines() {
                if let Some(name) = line.strip_prefix("event:") {
                    event.name = name.trim().to_string();
                } else if let Some(data) = line.strip_prefix("data:") {
                    data_lines.push(data.strip_prefix(' ').unwrap_or(data).to_string());
                }
            }
            if !data_lines.is_empty() {
                event.data = data_lines.join("\n");
                events.push(event);
            }
        }
        events
    }
}

fn is_timeout(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// Polls `check` until it returns `Some`, or panics with `what` after [`TIMEOUT`].
pub fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(value) = check() {
            return value;
        }
        if Instant::now() > deadline {
            panic!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
