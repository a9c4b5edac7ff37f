//! Integration tests of `survey serve`: a real server on a free port, fetched over
//! TCP, with files changed on disk. Waits poll with deadlines; nothing sleeps a fixed
//! time and hopes.

mod common;
mod serve_client;

use std::time::{Duration, Instant};

use common::TestSite;
use serve_client::{Events, TIMEOUT, eventually, get, request, token_of};
use survey::serve::{Options, Server};

fn start(site: &TestSite) -> Server {
    start_with_search(site, false)
}

fn start_with_search(site: &TestSite, search: bool) -> Server {
    Server::start(Options {
        root: site.root().to_path_buf(),
        interface: "127.0.0.1".parse().unwrap(),
        port: 0,
        quiet: true,
        search,
    })
    .expect("the server starts")
}

fn paper(title: &str) -> String {
    format!(
        "---\ntitle: \"{title}\"\nauthors: [Eve Epsilon]\nyear: 2021\nvenue: arXiv\ntopics: [methods/ranking/pairs]\n---\nSome notes.\n"
    )
}

#[test]
fn serves_pages_with_clean_urls_and_the_live_reload_tag() {
    let site = TestSite::fixture("basic");
    let server = start(&site);
    let home = get(server.address(), "/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(home.header("cache-control"), Some("no-store"));
    let html = home.text();
    assert!(html.contains("<title>Fixture Survey</title>"), "{html}");
    assert!(html.contains("src=\"/__survey/live.js\""), "{html}");
    assert_eq!(html.matches("/__survey/live.js").count(), 1);
    // Built with the local address as base URL.
    let base = format!("http://{}/", server.address());
    assert!(html.contains(&base), "{html}");

    let page = get(server.address(), "/papers/alpha2023first/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Alpha: The First Method"));

    let redirect = get(server.address(), "/papers/alpha2023first?x=1");
    assert_eq!(redirect.status, 302);
    assert_eq!(
        redirect.header("location"),
        Some("/papers/alpha2023first/?x=1")
    );
    let script = get(server.address(), "/__survey/live.js");
    assert_eq!(script.status, 200);
    assert!(script.text().contains("EventSource"));
}

#[test]
fn missing_pages_get_the_sites_own_404_page_with_status_404() {
    let site = TestSite::fixture("basic").write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}<p>Nothing here (custom 404).</p>{% endblock content %}",
    );
    let server = start(&site);
    for path in ["/nope/", "/papers/nobody/", "/style.css/", "/etc/passwd"] {
        let response = get(server.address(), path);
        assert_eq!(response.status, 404, "{path}");
        assert!(
            response.text().contains("Nothing here (custom 404)."),
            "{path}"
        );
        assert_eq!(
            response.header("content-type"),
            Some("text/html; charset=utf-8")
        );
    }
    assert_eq!(request(server.address(), "POST", "/").status, 405);
}

#[test]
fn no_request_reaches_outside_the_site() {
    let site = TestSite::fixture("basic");
    let server = start(&site);
    for path in [
        "/../site.yaml",
        "/../../../../etc/passwd",
        "/papers/../../site.yaml",
        "/%2e%2e/site.yaml",
        "/%2E%2E/%2E%2E/etc/passwd",
        "/papers/%2e%2e%2f%2e%2e%2fsite.yaml",
        "/..%2fsite.yaml",
        "/..%5csite.yaml",
        "//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/./index.html",
    ] {
        let response = get(server.address(), path);
        assert!(
            response.status == 400 || response.status == 404,
            "{path}: {}",
            response.status
        );
        let text = response.text();
        assert!(!text.contains("base_url"), "{path} leaked site.yaml");
        assert!(!text.contains("root:"), "{path} leaked /etc/passwd");
    }
    // Encoded traversal is refused outright, not looked up.
    assert_eq!(get(server.address(), "/%2e%2e/site.yaml").status, 400);
    // An absolute URL as the request target only names a path on this site.
    let absolute = get(server.address(), "http://127.0.0.1/../site.yaml");
    assert!(absolute.status == 400 || absolute.status == 404);
}

#[test]
fn every_file_type_is_served_with_its_content_type() {
    let site = TestSite::fixture("basic")
        .write("static/data/index.json", "{}")
        .write("static/app.wasm", "\0asm")
        .write("static/fonts/serif.woff2", "wOF2")
        .write("static/pagefind/pagefind.en_1a.pf_meta", "m")
        .write("static/pagefind/index/en_1b.pf_index", "i")
        .write("static/pagefind/fragment/en_1c.pf_fragment", "f")
        .write("static/pagefind/filter/en_1d.pf_filter", "l")
        .write("static/pagefind/pagefind.js", "export {}");
    let server = start(&site);
    let home = get(server.address(), "/").text();
    let stylesheet = home
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a stylesheet link")
        .to_string();
    let cases = [
        ("/", "text/html; charset=utf-8"),
        (stylesheet.as_str(), "text/css; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/survey.js", "text/javascript; charset=utf-8"),
        ("/favicon.svg", "image/svg+xml"),
        ("/sitemap.xml", "application/xml"),
        ("/robots.txt", "text/plain; charset=utf-8"),
        ("/data/index.json", "application/json"),
        ("/app.wasm", "application/wasm"),
        ("/fonts/serif.woff2", "font/woff2"),
        ("/pagefind/pagefind.js", "text/javascript; charset=utf-8"),
        (
            "/pagefind/pagefind.en_1a.pf_meta",
            "application/octet-stream",
        ),
        ("/pagefind/index/en_1b.pf_index", "application/octet-stream"),
        (
            "/pagefind/fragment/en_1c.pf_fragment",
            "application/octet-stream",
        ),
        (
            "/pagefind/filter/en_1d.pf_filter",
            "application/octet-stream",
        ),
    ];
    for (path, expected) in cases {
        let response = get(server.address(), path);
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.header("content-type"), Some(expected), "{path}");
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
    }
    let wasm = get(server.address(), "/app.wasm");
    assert_eq!(
        wasm.body, b"\0asm",
        "non-HTML files are served byte for byte"
    );
}

#[test]
fn an_edit_reloads_open_pages_and_serves_the_new_content() {
    let site = TestSite::fixture("basic");
    let server = start(&site);
    let page = get(server.address(), "/papers/beta2022second/").text();
    let mut events = Events::open(server.address(), &token_of(&page));
    let text = site.read("content/papers/beta2022second.md");
    std::fs::write(
        site.root().join("content/papers/beta2022second.md"),
        text.replace("Beta & the <Second> Idea", "Beta, Revised"),
    )
    .unwrap();
    let reload = events.expect("reload");
    let new_page = get(server.address(), "/papers/beta2022second/").text();
    assert!(new_page.contains("Beta, Revised"), "{new_page}");
    assert_eq!(token_of(&new_page), reload.data);
    // The citing page shows the new title in its reference list too.
    let chapter = get(server.address(), "/methods/").text();
    assert!(chapter.contains("Beta, Revised"));
    let status = server.status();
    assert_eq!(status.generation, 1);
    assert!(status.errors.is_none());
}

#[test]
fn a_page_loaded_before_a_rebuild_is_told_to_reload_when_it_connects() {
    let site = TestSite::fixture("basic");
    let server = start(&site);
    let old_token = token_of(&get(server.address(), "/").text());
    let text = site.read("content/_index.md");
    std::fs::write(
        site.root().join("content/_index.md"),
        text.replace("exercises", "tests"),
    )
    .unwrap();
    eventually("the rebuild", || {
        (server.status().generation == 1).then_some(())
    });
    let mut events = Events::open(server.address(), &old_token);
    events.expect("reload");
}

#[test]
fn errors_show_in_an_overlay_until_the_next_good_build() {
    let site = TestSite::fixture("basic");
    let server = start(&site);
    let page = get(server.address(), "/methods/").text();
    let mut events = Events::open(server.address(), &token_of(&page));
    let gamma = site.read("content/papers/gamma2023tool.md");
    std::fs::remove_file(site.root().join("content/papers/gamma2023tool.md")).unwrap();
    let errors = events.expect("errors");
    assert!(
        errors
            .data
            .contains("error: unknown citation key `gamma2023tool`"),
        "{}",
        errors.data
    );
    assert!(
        errors.data.contains("--> content/methods/_index.md:7:"),
        "{}",
        errors.data
    );
    // The last good build is still served, the server still answers.
    assert_eq!(get(server.address(), "/papers/gamma2023tool/").status, 200);
    assert!(server.status().errors.is_some());
    std::fs::write(site.root().join("content/papers/gamma2023tool.md"), gamma).unwrap();
    // Same files as before: nothing to reload, the overlay just goes away.
    events.expect("ok");
    assert!(server.status().errors.is_none());
}

#[test]
fn created_renamed_and_deleted_papers_appear_and_disappear() {
    let site = TestSite::fixture("basic");
    let server = start(&site);
    let papers = site.root().join("content/papers");
    std::fs::write(papers.join("delta2021new.md"), paper("Delta: A New Paper")).unwrap();
    let page = eventually("the new paper's page", || {
        let response = get(server.address(), "/papers/delta2021new/");
        (response.status == 200).then_some(response)
    });
    assert!(page.text().contains("Delta: A New Paper"));
    std::fs::rename(
        papers.join("delta2021new.md"),
        papers.join("delta2021renamed.md"),
    )
    .unwrap();
    eventually("the renamed page", || {
        (get(server.address(), "/papers/delta2021renamed/").status == 200).then_some(())
    });
    assert_eq!(get(server.address(), "/papers/delta2021new/").status, 404);
    std::fs::remove_file(papers.join("delta2021renamed.md")).unwrap();
    eventually("the deleted page to go", || {
        (get(server.address(), "/papers/delta2021renamed/").status == 404).then_some(())
    });
    let index = get(server.address(), "/papers/").text();
    assert!(!index.contains("Delta: A New Paper"));
}

#[test]
fn a_stylesheet_change_swaps_stylesheets_without_a_reload() {
    let site = TestSite::fixture("basic").write("static/style.css", "body { color: black; }\n");
    let server = start(&site);
    let page = get(server.address(), "/").text();
    let mut events = Events::open(server.address(), &token_of(&page));
    let site = site.write("static/style.css", "body { color: rebeccapurple; }\n");
    let css = events.expect("css");
    let hashed = css
        .data
        .split("\"style.css\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the new URL of style.css")
        .to_string();
    let old = page
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page's stylesheet link")
        .to_string();
    assert_ne!(hashed, old, "the new URL names the new file");
    assert_eq!(get(server.address(), &old).status, 404);
    let stylesheet = get(server.address(), &hashed);
    assert_eq!(stylesheet.status, 200);
    assert_eq!(stylesheet.text(), "body { color: rebeccapurple; }\n");
    // A template change is not a stylesheet change: pages reload.
    let _site = site.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block content %}gone{% endblock content %}",
    );
    events.expect("reload");
}

#[test]
fn stopping_ends_open_event_streams_promptly() {
    let site = TestSite::fixture("basic");
    let server = start(&site);
    let page = get(server.address(), "/").text();
    let mut events = Events::open(server.address(), &token_of(&page));
    // Make sure the stream is established before stopping.
    let address = server.address();
    eventually("the stream to be open", || {
        (get(address, "/").status == 200).then_some(())
    });
    let started = Instant::now();
    server.stop();
    assert!(
        started.elapsed() < TIMEOUT,
        "stop took {:?}",
        started.elapsed()
    );
    assert!(events.closes_before(Instant::now() + Duration::from_secs(5)));
    assert!(std::net::TcpStream::connect(address).is_err());
}

#[test]
fn the_search_index_is_built_in_the_background_and_follows_edits() {
    let site = TestSite::fixture("basic");
    let server = start_with_search(&site, true);
    let script = eventually("the search index", || {
        let response = get(server.address(), "/pagefind/pagefind.js");
        (response.status == 200).then_some(response)
    });
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let text = site.read("content/papers/gamma2023tool.md");
    std::fs::write(
        site.root().join("content/papers/gamma2023tool.md"),
        text.replace("GammaKit: A Toolkit", "GammaKit: A Renamed Toolkit"),
    )
    .unwrap();
    eventually("the rebuilt page", || {
        let page = get(server.address(), "/papers/gamma2023tool/").text();
        page.contains("A Renamed Toolkit").then_some(())
    });
    // The new build is indexed again: the index files come back with it.
    eventually("the index of the new build", || {
        (get(server.address(), "/pagefind/pagefind.js").status == 200).then_some(())
    });
}
