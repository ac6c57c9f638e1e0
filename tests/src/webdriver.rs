//! A small W3C WebDriver client over reqwest that drives Debian's headless Chromium through chromedriver, for
//! the web page's browser tests. `Browser::start` returns the reason when chromium or chromedriver is missing, so
//! the tests can skip with a message instead of failing.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

/// The key W3C WebDriver uses for element references.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// An element reference in the current page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element(String);

/// A headless Chromium session; the chromedriver process ends when this is dropped.
pub struct Browser {
    http: reqwest::Client,
    session_url: String,
    driver: tokio::process::Child,
    _profile: tempfile::TempDir,
}

/// The first `name` on `PATH`.
#[must_use]
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

/// Where screenshots go: `target/screenshots/` of the workspace.
#[must_use]
pub fn screenshot_dir() -> PathBuf {
    crate::workspace_root().join("target").join("screenshots")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session with a fresh profile.
    ///
    /// # Errors
    /// Why not, when chromium or chromedriver is not installed.
    ///
    /// # Panics
    /// When they are installed but do not start.
    pub async fn start() -> Result<Self, String> {
        let chromium = find_program("chromium").ok_or("chromium is not installed (apt-get install chromium)")?;
        let chromedriver =
            find_program("chromedriver").ok_or("chromedriver is not installed (apt-get install chromium-driver)")?;
        let port = free_port();
        let driver = tokio::process::Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        // reqwest is built without a default TLS provider; chromedriver is plain http, but the builder needs one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("http client");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let ready = http.get(format!("{base}/status")).send().await.ok();
            let ready = match ready {
                Some(r) => r.json::<Value>().await.ok().and_then(|v| v["value"]["ready"].as_bool()).unwrap_or(false),
                None => false,
            };
            if ready {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "chromedriver did not become ready on port {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("chromium profile dir");
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1280,900".to_owned(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": chromium.display().to_string(), "args": args },
        } } });
        let created: Value = http
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("json");
        let id = created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}")).to_owned();
        Ok(Self { http, session_url: format!("{base}/session/{id}"), driver, _profile: profile })
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.session_url);
        let mut request = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            request = request.json(&body);
        } else if method == reqwest::Method::POST {
            request = request.json(&json!({}));
        }
        let response: Value = request.send().await.expect("webdriver request").json().await.expect("webdriver json");
        if let Some(error) = response["value"]["error"].as_str() {
            panic!("webdriver {method} {path}: {error}: {}", response["value"]["message"]);
        }
        response["value"].clone()
    }

    /// Opens `url`.
    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    /// The current page's URL.
    pub async fn url(&self) -> String {
        self.command(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_owned()
    }

    /// The current page's HTML as the browser sees it.
    pub async fn source(&self) -> String {
        self.command(reqwest::Method::GET, "/source", None).await.as_str().unwrap_or_default().to_owned()
    }

    /// The first element matching the CSS `selector` (panics when there is none).
    pub async fn find(&self, selector: &str) -> Element {
        let found = self
            .command(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": selector })))
            .await;
        Element(found[ELEMENT_KEY].as_str().unwrap_or_else(|| panic!("no element {selector}: {found}")).to_owned())
    }

    /// How many elements match `selector`.
    pub async fn count(&self, selector: &str) -> usize {
        let found = self
            .command(reqwest::Method::POST, "/elements", Some(json!({ "using": "css selector", "value": selector })))
            .await;
        found.as_array().map_or(0, Vec::len)
    }

    /// Clicks `element`.
    pub async fn click(&self, element: &Element) {
        self.command(reqwest::Method::POST, &format!("/element/{}/click", element.0), None).await;
    }

    /// Types `text` into `element`.
    pub async fn type_into(&self, element: &Element, text: &str) {
        self.command(reqwest::Method::POST, &format!("/element/{}/value", element.0), Some(json!({ "text": text })))
            .await;
    }

    /// The rendered text of `element`.
    pub async fn text(&self, element: &Element) -> String {
        self.command(reqwest::Method::GET, &format!("/element/{}/text", element.0), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The rendered text of the first element matching `selector`.
    pub async fn text_of(&self, selector: &str) -> String {
        let element = self.find(selector).await;
        self.text(&element).await
    }

    /// Resizes the window (e.g. to a phone's 390 x 844).
    pub async fn resize(&self, width: u32, height: u32) {
        self.command(reqwest::Method::POST, "/window/rect", Some(json!({ "width": width, "height": height }))).await;
    }

    /// Saves a PNG screenshot of the viewport to `path`.
    pub async fn screenshot(&self, path: &Path) {
        let encoded = self.command(reqwest::Method::GET, "/screenshot", None).await;
        let png =
            base64::engine::general_purpose::STANDARD.decode(encoded.as_str().unwrap_or_default()).expect("png base64");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot dir");
        }
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Reloads `url` until the text of `selector` contains `needle`; returns that text.
    pub async fn wait_for_text(&self, url: &str, selector: &str, needle: &str, timeout: Duration) -> String {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            self.goto(url).await;
            let text = self.text_of(selector).await;
            if text.contains(needle) {
                return text;
            }
            assert!(tokio::time::Instant::now() < deadline, "`{selector}` never showed `{needle}`; last: {text}");
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Waits until the current URL contains `needle` (after a click that navigates); returns the URL.
    pub async fn wait_for_url(&self, needle: &str, timeout: Duration) -> String {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let url = self.url().await;
            if url.contains(needle) {
                return url;
            }
            assert!(tokio::time::Instant::now() < deadline, "the browser never reached `{needle}`; it is at {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Ends the session and chromedriver.
    pub async fn quit(mut self) {
        let _ = self.http.delete(&self.session_url).send().await;
        let _ = self.driver.kill().await;
    }
}
