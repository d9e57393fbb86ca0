//! Who is signed in, and which office they belong to.

use serde::{Deserialize, Serialize};

/// What a user may do: inspectors and heads belong to one office, the task force sees all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Inspector,
    Head,
    Taskforce,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Inspector, Role::Head, Role::Taskforce];

    /// The name used on the wire, in the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Inspector => "inspector",
            Role::Head => "head",
            Role::Taskforce => "taskforce",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Inspectors and heads work for exactly one office; the task force for none in particular.
    pub fn needs_office(self) -> bool {
        self != Role::Taskforce
    }

    /// Heads and the task force keep the roster; inspectors only read it.
    pub fn can_edit_roster(self) -> bool {
        self != Role::Inspector
    }

    /// Where the app opens after signing in: inspectors work in the field (whose pages the
    /// phone keeps for use with no network), heads and the task force on the roster.
    pub fn home_page(self) -> &'static str {
        match self {
            Role::Inspector => "/field",
            Role::Head | Role::Taskforce => "/",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Role::Inspector => "role.inspector",
            Role::Head => "role.head",
            Role::Taskforce => "role.taskforce",
        }
    }
}

/// A market-supervision office (市场监管所).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Office {
    pub code: String,
    pub name: String,
}

/// Someone the signed-in user may inspect with (the law requires two inspectors).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Colleague {
    pub username: String,
    pub name: String,
    pub role: Role,
    pub office_code: Option<String>,
}

/// The signed-in user, as `GET /api/v1/me` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub username: String,
    pub name: String,
    pub role: Role,
    pub office: Option<Office>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
