//! `[budget]`: the cap in credits or money, and the most draft rounds.

use super::*;

/// Checks `[budget]`.
pub(super) fn check(v: &mut V<'_>, node: Option<&Node>) -> Budget {
    let mut budget = Budget {
        credits: None,
        money: None,
        max_rounds: 3,
    };
    if let Some(b) = node {
        for (k, n) in v.keys(b, "budget", &["credits", "money", "max_rounds"]) {
            let kp = format!("budget.{k}");
            match k {
                "credits" => budget.credits = v.number(n, &kp, 0.0, 1e12),
                "money" => {
                    if let Some(s) = v.string(n, &kp) {
                        let mut it = s.split_whitespace();
                        match (it.next().and_then(|a| a.parse::<f64>().ok()), it.next(), it.next()) {
                            // Prices are in USD: another currency would be compared with
                            // USD figures as if it were USD.
                            (Some(a), Some("USD"), None) if a.is_finite() && (0.0..=1e9).contains(&a) => {
                                budget.money = Some(a)
                            }
                            (Some(a), Some("USD"), None) => v.err(&n.span(), &kp, format!("`{s}`: the amount {a} is not between 0 and 1000000000")),
                            (Some(_), Some(c), None) if c.len() == 3 && c.chars().all(|x| x.is_ascii_uppercase()) => v.err(&n.span(), &kp, format!("`{s}`: only USD is accepted (providers price in USD), like \"5.00 USD\"; for {c}, convert the amount")),
                            _ => v.err(&n.span(), &kp, format!("`{s}` is not an amount and a currency; accepted like \"5.00 USD\"")),
                        }
                    }
                }
                _ => budget.max_rounds = v.int(n, &kp, 1, 20).unwrap_or(3) as u32,
            }
        }
    }
    budget
}
