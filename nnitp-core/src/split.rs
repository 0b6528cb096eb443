//! The two data sets of an explanation session.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Which data set a figure was measured on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// The training samples (the search's data).
    Train,
    /// The held-out test samples.
    Test,
}

impl Split {
    /// The data set's name as it qualifies a noun: `training` or `test`
    /// (as in "training image 12").
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "training",
            Split::Test => "test",
        }
    }
}

/// `training set` or `test set`.
impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} set", self.name())
    }
}
