//! The unit a campaign counts its spend in. Providers price in USD; a campaign whose budget is
//! `money = "5.00 USD"` counts in dollars, one whose budget is `credits` counts in credits at
//! [`crate::provider::USD_PER_CREDIT`]. Everything that prints or records an amount asks the
//! campaign's [`Unit`] instead of spelling the currency itself, and an amount that leaves the
//! ledger for a person (a cap, why the budget stopped a run, a card's cost) is a [`Money`]: the
//! figure with its unit, so it can never be printed in the wrong one.

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

/// An amount in a unit: a cap, a committed total, a call's cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Money {
    /// The figure.
    pub amount: f64,
    /// What it counts.
    pub unit: Unit,
}

impl Money {
    /// `amount` counted in `unit`.
    pub const fn new(amount: f64, unit: Unit) -> Money {
        Money { amount, unit }
    }

    /// The same unit, another amount (what is left of a cap, a share of a total).
    pub const fn with(self, amount: f64) -> Money {
        Money {
            amount,
            unit: self.unit,
        }
    }

    /// What is left of `self` after `spent` (never below zero), in `self`'s unit.
    pub fn left_after(self, spent: Money) -> Money {
        debug_assert_eq!(self.unit, spent.unit, "amounts in two units");
        self.with((self.amount - spent.amount).max(0.0))
    }

    /// Printed with `decimals` digits: `$1.50` for dollars, `150.0 credits` for credits.
    pub fn shown(self, decimals: usize) -> String {
        match self.unit {
            Unit::Usd => format!("${:.*}", decimals, self.amount),
            Unit::Credits => format!("{:.*} credits", decimals, self.amount),
        }
    }
}

/// Three decimals and the unit's name: `1.500 USD`, `150.000 credits`.
impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3} {}", self.amount, self.unit)
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

    #[test]
    fn money_prints_in_its_own_unit() {
        let cap = Money::new(2.0, Unit::Usd);
        assert_eq!(cap.to_string(), "2.000 USD");
        assert_eq!(cap.shown(2), "$2.00");
        assert_eq!(cap.left_after(cap.with(2.5)).amount, 0.0);
        let credits = Money::new(150.0, Unit::Credits);
        assert_eq!(credits.shown(1), "150.0 credits");
        assert_eq!(credits.left_after(credits.with(50.0)), credits.with(100.0));
    }
}
