//! How a command fails, which decides the exit code.

/// A command's failure.
pub enum Fail {
    /// Bad input from the user (exit 2): the message names the value and what is accepted.
    Input(String),
    /// A provider call failed for good (refused, auth, out of tries) (exit 1: the work failed,
    /// the input was fine).
    Remote(String),
    /// A bug or an environment failure that is not the user's input (exit 3).
    #[allow(dead_code)]
    Internal(anyhow::Error),
}

impl Fail {
    /// An input error from anything displayable.
    pub fn input(e: impl std::fmt::Display) -> Fail {
        Fail::Input(e.to_string())
    }
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fail::Input(m) | Fail::Remote(m) => f.write_str(m),
            Fail::Internal(e) => write!(f, "{e:#}"),
        }
    }
}
