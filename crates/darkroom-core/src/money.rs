//! The unit a campaign counts its spend in. Providers price in USD; a campaign whose budget is
//! `money = "5.00 USD"` counts in dollars, one whose budget is `credits` counts in credits at
//! [`crate::provider::USD_PER_CREDIT`]. Everything that prints or records an amount asks the
//! campaign's [`Unit`] instead of spelling the currency itself.

/// The unit spend is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// US dollars (`[budget] money = "… USD"`).
    Usd,
    /// Credits (`[budget] credits`, or no cap).
    Credits,
}

impl Unit {
    /// `USD` when the campaign counts money, else `credits`.
    pub fn of(in_money: bool) -> Unit {
        if in_money {
            Unit::Usd
        } else {
            Unit::Credits
        }
    }

    /// The unit as printed and recorded: `USD` or `credits`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Unit::Usd => "USD",
            Unit::Credits => "credits",
        }
    }

    /// The unit a name printed by [`Unit::as_str`] stands for.
    pub fn parse(s: &str) -> Option<Unit> {
        match s {
            "USD" => Some(Unit::Usd),
            "credits" => Some(Unit::Credits),
            _ => None,
        }
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_reads_back_as_it_prints() {
        for u in [Unit::Usd, Unit::Credits] {
            assert_eq!(Unit::parse(u.as_str()), Some(u));
        }
        assert_eq!(Unit::parse("EUR"), None);
        assert_eq!(Unit::of(true).to_string(), "USD");
    }
}
