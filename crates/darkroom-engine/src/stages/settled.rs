//! Shots nothing changed for. When every deliverable of a shot has been written, the shot is
//! recorded as settled with a fingerprint of what made them — the shot, the campaign's other
//! settings that shape a file (providers, tiers, gates, judges, brand, review, provenance,
//! formats), who signs and with which time-stamp authority, what people decided about it in
//! review, and darkroom's version — and each file's size. The next run reads the settled
//! table once; a shot whose fingerprint is the same and whose files are all there at their
//! recorded sizes is left alone: nothing is judged, re-signed or written for it, and its files
//! are listed from the ledger. Anything else (a changed prompt, a new decision, a deleted or
//! edited file, a new signing certificate) takes the shot through the funnel as before, which
//! calls nothing that was paid for already. Budget and output settings are not in the
//! fingerprint: they do not change a delivered file. A settled shot's stored results must
//! still be in the store's folder (a deleted store is reported as before), but their bytes
//! are not read again; `run --rebuy` leaves no shot alone, and checks every one.

use std::collections::{BTreeMap, BTreeSet};

use darkroom_campaign::Shot;
use darkroom_ledger::{HumanMarks, Settled};

use super::deliver::Deliverable;
use crate::Ctx;

/// What the ledger says is settled, and the campaign-wide part of every fingerprint.
pub(crate) struct Settle {
    settled: BTreeMap<String, Settled>,
    marks: HumanMarks,
    base: blake3::Hasher,
    /// The ledger's deliverables of settled shots, by shot.
    files: BTreeMap<String, Vec<darkroom_ledger::DeliverableRecord>>,
    /// The stored results of settled shots' done calls, by shot: a deleted store takes its
    /// shots through the funnel again, which says what is missing and what it cost. (Their
    /// bytes are not re-read: a result changed in place is found when its shot is next
    /// worked on, or by `run --rebuy`, which leaves nothing alone.)
    assets: BTreeMap<String, Vec<String>>,
}

impl Settle {
    /// Reads the settled shots, people's decisions and the deliverables, one query each.
    /// `None` where settling does not apply: deliverables that go to a bucket (their sizes
    /// cannot be checked with a `stat`), or a ledger that cannot be read (the shots are then
    /// simply done again).
    pub(crate) fn load(ctx: &Ctx) -> Option<Settle> {
        let c = &ctx.campaign;
        if !c.deliver_to.folder() || ctx.opts.rebuy {
            return None;
        }
        let settled = ctx.keep(ctx.ledger.settled())?;
        let marks = ctx.keep(ctx.ledger.human_marks())?;
        let mut files: BTreeMap<String, Vec<_>> = BTreeMap::new();
        if !settled.is_empty() {
            for d in ctx.keep(ctx.ledger.all_deliverables())? {
                if settled.contains_key(&d.shot) {
                    files.entry(d.shot.clone()).or_default().push(d);
                }
            }
        }
        let mut assets: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if !settled.is_empty() && !ctx.store.has_bucket() {
            for (shot, hash) in ctx.keep(ctx.ledger.done_assets())? {
                if settled.contains_key(&shot) {
                    assets.entry(shot).or_default().push(hash);
                }
            }
        }
        let mut base = blake3::Hasher::new();
        let parts = format!(
            "{}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}\n",
            env!("CARGO_PKG_VERSION"),
            c.name,
            c.deliver_to,
            c.brand,
            c.providers,
            c.draft,
            c.finish,
            c.gates,
            c.vision,
            c.review_required,
            c.provenance,
            (&c.formats, c.jpeg_quality),
            ctx.opts.finish_from_draft,
            // Who signs, and the time-stamp authority: a new certificate signs every file anew.
            ctx.identity.as_ref().map_or_else(String::new, |id| format!(
                "{}|{}|{}|{:?}",
                id.subject,
                id.issuer,
                id.not_after,
                id.tsa().map(|t| &t.url)
            )),
        );
        base.update(parts.as_bytes());
        base.update(marks.other.as_bytes());
        Some(Settle {
            settled,
            marks,
            base,
            files,
            assets,
        })
    }

    /// The shot's fingerprint now.
    pub(crate) fn fingerprint(&self, shot: &Shot) -> String {
        let mut h = self.base.clone();
        h.update(format!("{shot:?}").as_bytes());
        h.update(
            &self
                .marks
                .shots
                .get(&shot.id)
                .copied()
                .unwrap_or(0)
                .to_le_bytes(),
        );
        h.finalize().to_hex().to_string()
    }

    /// The shot's files when nothing changed for it since they were written: the same
    /// fingerprint, and every file there at its recorded size.
    pub(crate) fn unchanged(&self, ctx: &Ctx, shot: &Shot) -> Option<Vec<Deliverable>> {
        let s = self.settled.get(&shot.id)?;
        if s.fingerprint != self.fingerprint(shot) {
            return None;
        }
        // The ledger's rows for the settled files (it may also hold files an earlier setting
        // of the shot delivered, at another size: they are not this delivery's).
        let settled: BTreeSet<&str> = s.files.iter().map(|(p, _)| p.as_str()).collect();
        let rows: Vec<&darkroom_ledger::DeliverableRecord> = self
            .files
            .get(&shot.id)?
            .iter()
            .filter(|d| settled.contains(d.path.as_str()))
            .collect();
        if rows.len() != settled.len() {
            return None;
        }
        for (path, size) in &s.files {
            let meta = std::fs::metadata(ctx.out.join(path)).ok()?;
            if meta.len() != *size {
                return None;
            }
        }
        for hash in self.assets.get(&shot.id).into_iter().flatten() {
            ctx.store.find_local(hash)?;
        }
        Some(
            rows.into_iter()
                .cloned()
                .map(|d| super::deliver::from_record(ctx, d))
                .collect(),
        )
    }

    /// Records the shots of a group whose every deliverable is now written (none failed or
    /// awaits review, all its finals in every aspect and format are there) as settled.
    pub(crate) fn record(
        &self,
        ctx: &Ctx,
        shots: &[Shot],
        delivered: &[Deliverable],
        failed: &[(String, String)],
        awaiting: &[(String, String)],
    ) {
        let c = &ctx.campaign;
        let mut by_shot: BTreeMap<&str, Vec<&Deliverable>> = BTreeMap::new();
        for d in delivered {
            by_shot.entry(d.shot.as_str()).or_default().push(d);
        }
        for s in shots {
            if failed.iter().any(|(id, _)| *id == s.id)
                || awaiting.iter().any(|(id, _)| *id == s.id)
            {
                continue;
            }
            let Some(list) = by_shot.get(s.id.as_str()) else {
                continue;
            };
            let want = s.finals as usize * s.deliver.len() * c.formats.len();
            if list.len() != want {
                continue;
            }
            // Each file's size as it is now; a file that is not there leaves the shot unsettled.
            let files: Option<Vec<(String, u64)>> = list
                .iter()
                .map(|d| {
                    let meta = std::fs::metadata(&d.path).ok()?;
                    let rel = d.path.strip_prefix(&ctx.out).unwrap_or(&d.path);
                    Some((rel.display().to_string(), meta.len()))
                })
                .collect();
            let Some(mut files) = files else {
                continue;
            };
            files.sort();
            ctx.keep(ctx.ledger.settle_shot(
                &s.id,
                &Settled {
                    fingerprint: self.fingerprint(s),
                    files,
                },
            ));
        }
    }
}
