//! Text on images: how a shot's quoted text gets into its images, and how set lines align.

use std::str::FromStr;

/// Where set lines sit in their box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred (the default).
    #[default]
    Center,
    /// Flush right.
    Right,
}

impl FromStr for Align {
    type Err = String;
    fn from_str(s: &str) -> Result<Align, String> {
        match s {
            "left" => Ok(Align::Left),
            "center" | "centre" => Ok(Align::Center),
            "right" => Ok(Align::Right),
            other => Err(format!(
                "align {other:?} is not one of \"left\", \"center\", \"right\""
            )),
        }
    }
}

impl Align {
    /// As written in a campaign.
    pub fn as_str(&self) -> &'static str {
        match self {
            Align::Left => "left",
            Align::Center => "center",
            Align::Right => "right",
        }
    }
}

/// Who puts a shot's quoted text ("a sign that says \"OPEN\"") into its images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextBy {
    /// The model draws it, as the prompt asks (the default).
    #[default]
    Model,
    /// darkroom typesets it on the finished image; the model is asked for the surface blank.
    Typeset,
    /// darkroom chooses from the draft provider's measured text pass rate.
    Auto,
}

impl FromStr for TextBy {
    type Err = String;
    fn from_str(s: &str) -> Result<TextBy, String> {
        match s {
            "model" => Ok(TextBy::Model),
            "typeset" => Ok(TextBy::Typeset),
            "auto" => Ok(TextBy::Auto),
            other => Err(format!(
                "text_by {other:?} is not one of \"model\", \"typeset\", \"auto\""
            )),
        }
    }
}

impl TextBy {
    /// As written in a campaign.
    pub fn as_str(&self) -> &'static str {
        match self {
            TextBy::Model => "model",
            TextBy::Typeset => "typeset",
            TextBy::Auto => "auto",
        }
    }
}
