//! The service's plain data, below everything else: who calls (a
//! [`Caller`] and their [`Role`]) and what changed ([`Update`]). It
//! depends on no other module of the crate.

use serde::{Deserialize, Serialize};

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
