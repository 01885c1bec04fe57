//! A real browser for the page's tests: Debian's `chromedriver` started on
//! a free port, driving headless `chromium` through WebDriver (fantoccini).
//! Without them the tests fail and say how to install them. Whatever a
//! test leaves running when it fails is killed with the driver.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};

use crate::support::free_port;

const INSTALL: &str = "the page's tests need Debian's chromium and chromium-driver: \
    ci/setup test installs them (ci/packages.txt)";

/// `name` on the PATH.
fn find(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// A `chromedriver` process; killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
}

impl Driver {
    pub async fn start() -> Driver {
        let driver = find("chromedriver").unwrap_or_else(|| panic!("no chromedriver: {INSTALL}"));
        let chromium = find("chromium").unwrap_or_else(|| panic!("no chromium: {INSTALL}"));
        let port = free_port();
        // Its own process group, which the browsers it starts join: a
        // failing test kills the whole group, not chromedriver alone.
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("chromedriver did not start ({error}): {INSTALL}"));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
        };
        let started = Instant::now();
        loop {
            let ready = reqwest::get(format!("{}/status", driver.url))
                .await
                .ok()
                .filter(|response| response.status().is_success());
            if ready.is_some() {
                return driver;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not answer on {} within 20 s",
                driver.url
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A new headless browser: a desktop window of `width` × `height`, or,
    /// with `phone`, Chromium's emulation of a touch phone that wide.
    pub async fn browser(&self, width: u32, height: u32, phone: bool) -> Client {
        let mut arguments = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--no-first-run".to_owned(),
            "--lang=en-GB".to_owned(),
        ];
        if !phone {
            arguments.push(format!("--window-size={width},{height}"));
        }
        let mut options = serde_json::json!({
            "binary": self.chromium,
            "args": arguments,
        });
        if phone {
            options["mobileEmulation"] = serde_json::json!({
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2, "touch": true},
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
            });
        }
        let mut capabilities = Capabilities::new();
        capabilities.insert("goog:chromeOptions".to_owned(), options);
        capabilities.insert(
            "goog:loggingPrefs".to_owned(),
            serde_json::json!({"browser": "ALL"}),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|error| panic!("chromium did not start under chromedriver: {error}"))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group is chromedriver's and its browsers' only (it was made
        // for it); a test that passed closed its browsers already.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chromium's console since the last call: `(level, message)`, errors as
/// `SEVERE` (an uncaught exception, a failed request, a refused script).
pub async fn console(browser: &Client) -> Vec<(String, String)> {
    #[derive(Debug)]
    struct BrowserLog;
    impl WebDriverCompatibleCommand for BrowserLog {
        fn endpoint(
            &self,
            base: &url::Url,
            session: Option<&str>,
        ) -> Result<url::Url, url::ParseError> {
            base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
        }

        fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
            (http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
        }
    }
    let entries = browser.issue_cmd(BrowserLog).await.unwrap();
    entries
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["level"].as_str().unwrap_or_default().to_owned(),
                entry["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The console's errors since the last look.
pub async fn console_errors(browser: &Client) -> Vec<String> {
    console(browser)
        .await
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .map(|(_, message)| message)
        .collect()
}

/// Writes what the browser shows to `target/page-screenshots/<name>.png`.
pub async fn screenshot(browser: &Client, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../page-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, browser.screenshot().await.unwrap()).unwrap();
    path
}

/// The widths of the page's layout and of the viewport, in CSS pixels.
pub async fn widths(browser: &Client) -> (u64, u64) {
    let value = browser
        .execute(
            "return [Math.max(document.documentElement.scrollWidth, document.body.scrollWidth), \
             window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    (value[0].as_u64().unwrap(), value[1].as_u64().unwrap())
}

/// Fails when the page is wider than the viewport, naming the elements
/// that stick out.
pub async fn assert_no_horizontal_overflow(browser: &Client, when: &str) {
    let (page, viewport) = widths(browser).await;
    if page <= viewport {
        return;
    }
    let culprits = browser
        .execute(
            "const out = []; for (const e of document.querySelectorAll('body *')) { \
               const r = e.getBoundingClientRect(); \
               if (r.right > window.innerWidth + 0.5 && r.width > 0) \
                 out.push(e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' right=' + r.right); } \
             return out.slice(0, 15);",
            vec![],
        )
        .await
        .unwrap();
    panic!(
        "{when}: the page is {page} px wide in a {viewport} px viewport; sticking out: {culprits:#}"
    );
}
