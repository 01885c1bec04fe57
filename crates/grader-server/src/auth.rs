//! Bearer tokens and roles. A token is shown once, when it is made; only
//! its SHA-256 is stored (tokens are 256 random bits, so a fast hash is
//! enough: there is nothing to guess).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::error::AppError;
pub use crate::model::{Caller, Role};
use crate::state::AppState;
use crate::store::Store;

/// Prefix of every token, so a leaked one is recognisable in logs and
/// secret scanners.
const PREFIX: &str = "grd_";

/// A new random token.
pub fn new_token() -> String {
    format!("{PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()))
}

/// What is stored of a token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes a token for `name` with `role` in `store`; returns the token.
pub async fn create_token<S: Store>(
    store: &S,
    name: &str,
    role: Role,
) -> Result<String, crate::store::StoreError> {
    let token = new_token();
    store.create_token(name, role, &hash(&token)).await?;
    Ok(token)
}

impl<S: Store> FromRequestParts<AppState<S>> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, AppError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .ok_or(AppError::Unauthorized(
                "send `Authorization: Bearer <token>`",
            ))?;
        let token = bearer_token(header).ok_or(AppError::Unauthorized(
            "send `Authorization: Bearer <token>`",
        ))?;
        let caller = state
            .store
            .caller(&hash(token))
            .await?
            .ok_or(AppError::Unauthorized("the token is not valid"))?;
        if let Some(wait) = state.limiter.check(caller.token_id) {
            return Err(AppError::RateLimited(wait));
        }
        Ok(caller)
    }
}

/// The token in an `Authorization` header value: the scheme `Bearer` in
/// any case (RFC 9110 makes auth schemes case-insensitive), then the token.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
