//! What a run leaves behind once its funnel is done, so `darkroom run` and `darkroom worker`
//! only print it: the paid fixes a person queued in review while the run held the campaign
//! (made now, each through the one call path), the report rewritten from the ledger (skipped
//! when nothing in the ledger or the campaign changed), and the model versions the providers
//! reported, which the recipe lock's drift warning compares with what it locked.

use std::path::Path;

use darkroom_campaign::Campaign;
use darkroom_readout::{ReadoutError, ReportWritten};

use crate::fix::MadeQueued;
use crate::EngineError;

/// What [`afterwards`] did.
#[derive(Debug)]
pub struct Afterwards {
    /// The queued fixes made, failed, or still waiting.
    pub fixes: MadeQueued,
    /// The report's page, or why it was not written (a failure loses no work: a warning).
    pub report: Result<ReportWritten, ReadoutError>,
    /// `(shot, model version)` pairs the draft tier's providers reported, each once.
    pub model_versions: Result<Vec<(String, String)>, EngineError>,
}

/// The after-work of a run over `campaign` (its output folder under `base`): queued fixes,
/// then the report at `<output>/report.html`, then the reported model versions. Only a fix's
/// ledger failure is an error; the report and the versions say theirs in [`Afterwards`].
pub fn afterwards(campaign: &Campaign, base: &Path) -> Result<Afterwards, EngineError> {
    // Fixes first: the report then shows their versions.
    let fixes = crate::fix::make_queued(campaign, base)?;
    let out = base.join(&campaign.output);
    let report = darkroom_readout::write_report(campaign, base, &out.join("report.html"), false);
    let model_versions = crate::open_ledger(campaign, &out).and_then(|l| {
        l.model_versions(Some(darkroom_ledger::Tier::Draft))
            .map_err(EngineError::from)
    });
    Ok(Afterwards {
        fixes,
        report,
        model_versions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After a run: the report is written once, then skipped while nothing changed, and the
    /// sketch provider's model version is reported for the lock's comparison.
    #[test]
    fn a_run_leaves_its_report_and_reported_versions() {
        use crate::testing::{campaign, scratch, RELIABLE, USD};
        let dir = scratch("afterwards");
        let c = campaign(RELIABLE, USD);
        let opts = crate::Options {
            sim_call_log: Some(dir.join("vendor.log")),
            ..crate::Options::default()
        };
        let r = crate::run(c.clone(), &dir, opts).unwrap();
        assert!(r.complete(), "{:?}", r.failed_shots);
        let base = dir.as_path();
        let a = afterwards(&c, base).unwrap();
        let w = a.report.unwrap();
        assert!(!w.skipped && w.bytes > 0, "{w:?}");
        assert!(w.html.exists());
        assert!(a.fixes.made.is_empty() && a.fixes.failed.is_empty());
        let versions = a.model_versions.unwrap();
        // The simulator reports `sim-<model>-2026-11` for every image it makes.
        assert_eq!(
            versions,
            vec![("a".to_string(), "sim-fast-draft-2026-11".to_string())]
        );
        let again = afterwards(&c, base).unwrap().report.unwrap();
        assert!(again.skipped, "nothing changed: the report is not rebuilt");
    }
}
