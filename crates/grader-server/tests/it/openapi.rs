//! The OpenAPI description the service serves is the one in the
//! repository: a change to the API shows up in review.

use utoipa::OpenApi;

use crate::support::root;

#[test]
fn the_committed_openapi_description_is_current() {
    let generated = grader_server::routes::ApiDoc::openapi()
        .to_pretty_json()
        .unwrap()
        + "\n";
    let path = root().join("crates/grader-server/openapi.json");
    if std::env::var_os("GRADER_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "crates/grader-server/openapi.json is out of date; regenerate it with \
         `GRADER_UPDATE_OPENAPI=1 cargo test -p grader-server --test it openapi` and review the diff"
    );
}
