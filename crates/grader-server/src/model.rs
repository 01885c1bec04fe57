//! The service's plain data, below everything else: who calls (a
//! [`Caller`] and their [`Role`]) and what changed ([`Update`]). It
//! depends on no other module of the crate.

use base64::Engine;
use serde::{Deserialize, Serialize};

/// A file's content as the service's JSON carries it: UTF-8 text as a
/// string, anything else (a git bundle) as `{"base64": "…"}`, the standard
/// alphabet with padding. Stored as it came.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum FileBody {
    /// UTF-8 text.
    Text(String),
    /// Any bytes.
    Binary(Base64File),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Base64File {
    /// The bytes, base64 (standard alphabet, padded).
    pub base64: String,
}

impl FileBody {
    /// `bytes` as text when they are UTF-8, else base64.
    pub fn of(bytes: Vec<u8>) -> FileBody {
        match String::from_utf8(bytes) {
            Ok(text) => FileBody::Text(text),
            Err(error) => FileBody::Binary(Base64File {
                base64: base64::engine::general_purpose::STANDARD.encode(error.as_bytes()),
            }),
        }
    }

    /// The file's bytes, or why they cannot be read.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        match self {
            FileBody::Text(text) => Ok(text.clone().into_bytes()),
            FileBody::Binary(file) => base64::engine::general_purpose::STANDARD
                .decode(&file.base64)
                .map_err(|error| format!("not valid base64: {error}")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Submits, and sees only their own submissions in the learner view.
    Learner,
    /// Sees every submission in the author view.
    Author,
    /// Everything an author may, and the operator's endpoints.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Author => "author",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "learner" => Some(Role::Learner),
            "author" => Some(Role::Author),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether this role sees everyone's submissions and hidden details.
    pub fn sees_all(self) -> bool {
        self != Role::Learner
    }
}

/// A token's holder, as the service knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub token_id: i64,
    pub name: String,
    pub role: Role,
}

/// A submission's status changed.
#[derive(Debug, Clone)]
pub struct Update {
    pub id: String,
}
