//! What a campaign is expected to cost and take before it runs, and what the ledger books per
//! call: the draft pass rate (measured, or the sim profile's), the wall time from measured
//! latencies, and the campaign's price overrides.
use std::path::Path;

use darkroom_campaign::{Campaign, ProviderKind};
use darkroom_ledger::Ledger;

use crate::ledger_location;

/// The draft pass rate to expect, and where the figure comes from: what this campaign's ledger
/// measured if it has judged drafts; for a `sim` draft tier, the profile's instruction drop
/// rates over the shots' prompts; otherwise unknown.
pub fn expected_pass_rate(campaign: &Campaign, base: &Path) -> Option<(f64, String)> {
    let db = ledger_location(campaign, &base.join(&campaign.output));
    if db.exists() {
        if let Ok((passed, judged)) =
            Ledger::open_at(&db, &campaign.name).and_then(|l| l.gate_counts())
        {
            if judged > 0 {
                return Some((
                    passed as f64 / judged as f64,
                    format!(
                        "measured: {passed} of {judged} drafts passed in this campaign's ledger"
                    ),
                ));
            }
        }
    }
    let dp = campaign.providers.get(&campaign.draft.provider)?;
    if dp.kind != ProviderKind::Sim || campaign.shots.is_empty() {
        return None;
    }
    let profile = darkroom_providers::build::sim_profile(dp);
    let rates: Vec<f64> = campaign
        .shots
        .iter()
        .filter_map(|s| darkroom_prompt::parse(&s.prompt).ok())
        .map(|scene| profile.keeps_all(&scene))
        .collect();
    if rates.is_empty() {
        return None;
    }
    Some((
        rates.iter().sum::<f64>() / rates.len() as f64,
        format!(
            "the simulated `{}` profile keeps every instruction this often",
            profile.name
        ),
    ))
}

/// The wall time a run of `campaign` is expected to take, from the latencies its ledger
/// measured (per tier, divided by each tier's provider concurrency); `None` before a run.
pub fn measured_seconds(
    campaign: &Campaign,
    base: &Path,
    draft_calls: u32,
    finish_calls: u32,
) -> Option<f64> {
    let db = ledger_location(campaign, &base.join(&campaign.output));
    if !db.exists() {
        return None;
    }
    let lat = Ledger::open_at(&db, &campaign.name)
        .ok()?
        .latencies()
        .ok()?;
    let mean = |tiers: &[&str]| {
        let v: Vec<f64> = lat
            .iter()
            .filter(|(t, ..)| tiers.contains(&t.as_str()))
            .map(|x| x.3)
            .collect();
        (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
    };
    let conc = |name: &str| {
        campaign
            .providers
            .get(name)
            .map_or(1.0, |p| f64::from(p.concurrency.max(1)))
    };
    let draft = mean(&["draft"])?;
    let finish = mean(&["finish", "deliver"]).unwrap_or(draft);
    Some(
        f64::from(draft_calls) * draft / conc(&campaign.draft.provider)
            + f64::from(finish_calls) * finish / conc(&campaign.finish.provider),
    )
}

/// The cost the ledger books for an image from provider `name`: the campaign's `prices`
/// override for the request's size where it has one, else what the provider reports.
pub fn priced(
    campaign: &Campaign,
    name: &str,
    req: &darkroom_core::provider::Request,
) -> impl Fn(darkroom_core::provider::Cost) -> darkroom_core::provider::Cost + Send + Sync + 'static
{
    let usd = campaign
        .providers
        .get(name)
        .and_then(|p| p.prices)
        .and_then(|x| x.usd(req.width, req.height));
    move |reported| match usd {
        Some(usd) => darkroom_core::provider::Cost::from_usd(usd),
        None => reported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan's estimate and the budget's reservation price the same requests alike, for
    /// every paid family, with and without a campaign `prices` override: the estimate cannot
    /// promise less than the run will hold back.
    #[test]
    fn the_estimate_and_the_reservation_agree_for_every_family() {
        let families = [
            (
                "gemini",
                "gemini-2.5-flash-image",
                "gemini-3-pro-image-preview",
            ),
            (
                "gemini",
                "gemini-3.1-flash-image-preview",
                "gemini-3-pro-image-preview",
            ),
            ("openai", "gpt-image-1-mini", "gpt-image-1"),
            ("stability", "sd3.5-flash", "ultra"),
            ("sim", "fast-draft", "pro"),
        ];
        for (kind, draft, finish) in families {
            for prices in ["", "prices = { \"1K\" = 0.05, image = 0.5 }\n"] {
                let text = format!(
                    "[campaign]\nname = \"p\"\noutput = \"out\"\n\
                     [providers.d]\nkind = \"{kind}\"\nmodel = \"{draft}\"\n{prices}\
                     [providers.f]\nkind = \"{kind}\"\nmodel = \"{finish}\"\n{prices}\
                     [tiers.draft]\nprovider = \"d\"\nsize = \"1K\"\nvariants = 3\n\
                     [tiers.finish]\nprovider = \"f\"\nsize = \"2K\"\nkeep = 1\n\
                     [[shots]]\nid = \"a\"\nprompt = \"a red cube on a table\"\ndeliver = [\"16:9\"]\n"
                );
                let c = darkroom_campaign::load(&text, "p.toml").unwrap();
                let plan = darkroom_campaign::plan::plan(&c);
                let reserve = |name: &str, req: &darkroom_core::provider::Request| {
                    let entry = &c.providers[name];
                    let p = darkroom_providers::build::provider_with(name, entry, &|_| {
                        Some("k".into())
                    })
                    .unwrap();
                    priced(&c, name, req)(darkroom_core::provider::Provider::price(&p, req)).usd
                };
                let s = &c.shots[0];
                let drafts: f64 = (0..3)
                    .map(|k| {
                        reserve(
                            "d",
                            &darkroom_campaign::plan::draft_request(&c, s, 1, k, &s.prompt),
                        )
                    })
                    .sum();
                let first = darkroom_campaign::plan::draft_request(&c, s, 1, 0, &s.prompt);
                let edits =
                    darkroom_core::catalog::capabilities(c.providers["f"].kind, finish).edit;
                let finish_req =
                    darkroom_campaign::plan::finish_request(&c, s, &first, edits.then(Vec::new));
                let e = &plan.estimate;
                assert!(
                    (e.draft_round_money - drafts).abs() < 1e-12,
                    "{kind} {draft} {prices}: estimate {} against reservation {drafts}",
                    e.draft_round_money
                );
                assert!(
                    (e.finish_money - reserve("f", &finish_req)).abs() < 1e-12,
                    "{kind} {finish} {prices}: estimate {} against reservation {}",
                    e.finish_money,
                    reserve("f", &finish_req)
                );
            }
        }
    }
}
