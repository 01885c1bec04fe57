//! The learner's page at `/` and the files it loads from `/assets/`, all
//! built into the binary so the page works with no network but the
//! service's. The page only calls the `/v1` API, with the learner's token,
//! which it keeps in the browser.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// What the page may load and run: its own files, and requests to this
/// service. No inline script, so a statement that slipped markup through
/// still could not run any.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $type:expr) => {
        Asset {
            path: $path,
            content_type: $type,
            body: include_bytes!(concat!("../../page/", $path)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// The page and the files under `/assets/`. CodeMirror comes from Debian's
/// `libjs-codemirror` (see `page/vendor/codemirror/README.md`), Chart.js
/// from `libjs-chart.js` (see `page/vendor/chartjs/README.md`).
static ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("page.js", JS),
    asset!("page.css", CSS),
    asset!("vendor/codemirror/codemirror.js", JS),
    asset!("vendor/codemirror/codemirror.css", CSS),
    asset!("vendor/codemirror/python.js", JS),
    asset!("vendor/codemirror/sql.js", JS),
    asset!("vendor/codemirror/runmode.js", JS),
    asset!("vendor/codemirror/matchbrackets.js", JS),
    asset!("vendor/codemirror/LICENSE", TEXT),
    asset!("vendor/chartjs/chart.min.js", JS),
    asset!("vendor/chartjs/LICENSE", TEXT),
];

/// The learner's page: sign in with a token, pick an exercise, read it,
/// edit the files, submit, follow the grading, read the feedback and the
/// history.
pub async fn index(headers: HeaderMap) -> Result<Response, AppError> {
    serve(&headers, "index.html")
}

/// One of the page's files.
pub async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    serve(&headers, &path)
}

/// The file at `path` with a validator: a browser asks again each time
/// (`no-cache`) and gets 304 while the binary is the same.
fn serve(headers: &HeaderMap, path: &str) -> Result<Response, AppError> {
    let (index, asset) = ASSETS
        .iter()
        .enumerate()
        .find(|(_, asset)| asset.path == path)
        .ok_or_else(|| AppError::NotFound(format!("no asset {path}")))?;
    let etag = etag(index);
    let common = [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (header::ETAG, etag.clone()),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(POLICY),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ];
    if headers.get(header::IF_NONE_MATCH) == Some(&etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((
        common,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        )],
        asset.body,
    )
        .into_response())
}

/// A strong validator of the `index`th asset, computed once for all.
fn etag(index: usize) -> HeaderValue {
    static ETAGS: OnceLock<Vec<HeaderValue>> = OnceLock::new();
    let all = ETAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|asset| {
                let digest = hex::encode(&Sha256::digest(asset.body)[..12]);
                HeaderValue::from_str(&format!("\"{digest}\""))
                    .unwrap_or(HeaderValue::from_static("\"\""))
            })
            .collect()
    });
    all[index].clone()
}
