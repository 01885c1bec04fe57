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

/// Regression: `wait` and `limit` were declared as required path
/// parameters, so a client generated from the description sent them in
/// the path.
#[test]
fn wait_and_limit_are_optional_query_parameters() {
    let description = serde_json::to_value(grader_server::routes::ApiDoc::openapi()).unwrap();
    let operations = [
        ("/v1/submissions", "post", "wait"),
        ("/v1/submissions/{id}", "get", "wait"),
        ("/v1/submissions", "get", "limit"),
    ];
    for (path, method, name) in operations {
        let parameters = description["paths"][path][method]["parameters"]
            .as_array()
            .unwrap();
        let parameter = parameters
            .iter()
            .find(|parameter| parameter["name"] == name)
            .unwrap_or_else(|| panic!("{method} {path} has no `{name}`"));
        assert_eq!(parameter["in"], "query", "{method} {path} {name}");
        assert_ne!(parameter["required"], true, "{method} {path} {name}");
    }
}

/// Every operation that needs a token says it may answer 401 (no or bad
/// token) and 429 (over the token's rate): the `Caller` extractor answers
/// both before any handler runs.
#[test]
fn every_operation_with_a_token_declares_401_and_429() {
    let description = serde_json::to_value(grader_server::routes::ApiDoc::openapi()).unwrap();
    let mut checked = 0;
    for (path, operations) in description["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            if operation.get("security").is_none() {
                continue;
            }
            for status in ["401", "429"] {
                assert!(
                    operation["responses"].get(status).is_some(),
                    "{method} {path} does not declare {status}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 10);
}

/// Regression (issue 26): the description listed neither the 405 every
/// path answers to a method it does not take, nor health's 503.
#[test]
fn every_operation_lists_405_and_health_lists_503() {
    let description = serde_json::to_value(grader_server::routes::ApiDoc::openapi()).unwrap();
    let paths = description["paths"].as_object().unwrap();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                operation["responses"].get("405").is_some(),
                "{method} {path} does not list 405"
            );
        }
    }
    assert!(description["paths"]["/v1/health"]["get"]["responses"]["503"].is_object());
}
