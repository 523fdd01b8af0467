//! The ledger's vocabulary as types: tiers, decision kinds, reason codes and run statuses. Each
//! has exactly one string form — the one stored in the ledger and shown by `status` and the
//! report — and parses back from it. A new reason code is a new variant, and the compiler then
//! asks for its plain-language meaning ([`Reason::text`]).

/// Defines an enum with one stored string per variant, `as_str`, `Display`, `FromStr` and `ALL`.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vm])* $v),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            /// The stored form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$v => $s),+
                }
            }
        }

        // Compared with the stored string as is (`a.status == "done"` in scripts and tests).
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        // Read from and written to the ledger as the one stored string.
        impl rusqlite::types::FromSql for $name {
            fn column_result(
                v: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                v.as_str()?
                    .parse()
                    .map_err(|e: String| rusqlite::types::FromSqlError::Other(e.into()))
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($s => Ok($name::$v),)+
                    other => Err(format!(
                        "unknown {} `{other}`; known: {}",
                        stringify!($name),
                        [$($s),+].join(", ")
                    )),
                }
            }
        }
    };
}

vocabulary! {
    /// Which rung of the funnel an attempt is on.
    Tier {
        /// Fast, cheap, many variants.
        Draft = "draft",
        /// The promoted drafts re-made at the finish tier.
        Finish = "finish",
        /// Calls made to deliver an aspect (re-renders, out-paints).
        Deliver = "deliver",
        /// Vision-judge asks.
        Judge = "judge",
        /// A model audit's images (`darkroom audit models`).
        Audit = "audit",
        /// A person's fix of one file on a campaign's provider (`upscale`, `extend`, `inpaint`
        /// with `--provider`).
        Fix = "fix",
    }
}

vocabulary! {
    /// Where an attempt stands.
    AttemptStatus {
        /// Planned, not sent yet.
        Planned = "planned",
        /// Sent: its worst case is reserved; a crash leaves it here until reconciled.
        Sent = "sent",
        /// Done: its result is in the store.
        Done = "done",
        /// Failed (and may be tried again by a later run).
        Failed = "failed",
        /// Refused by the provider: never sent again.
        Refused = "refused",
    }
}

vocabulary! {
    /// Why a call failed: the class the scheduler acted on (retried or not), stored with the
    /// attempt and shown by `status` and the report.
    ErrorClass {
        /// A 5xx, a timeout, a malformed reply: retried with backoff.
        Transient = "transient",
        /// A 429 with the vendor's hint: retried after it.
        RateLimited = "rate_limited",
        /// The vendor refused the request (its policy): never sent again.
        Refused = "refused",
        /// The key was refused.
        Auth = "auth",
        /// The request or the reply was not valid (a wrong size, an unsupported operation).
        Invalid = "invalid",
        /// A quota that waiting will not clear.
        Quota = "quota",
        /// The provider could not be reached (connection refused, DNS, reset).
        Unreachable = "unreachable",
        /// Another worker holds the call.
        Leased = "leased",
        /// The ledger could not record the call.
        Ledger = "ledger",
        /// The store could not keep the result.
        Store = "store",
        /// The disk could not take the result.
        Io = "io",
        /// A crash left the call in flight; reconciled.
        Interrupted = "interrupted",
        /// A paid result missing from the store, bought again.
        Lost = "lost",
    }
}

vocabulary! {
    /// Where a shot stands after the latest run that reached it.
    ShotStatus {
        /// Taken up, not delivered (yet).
        Planned = "planned",
        /// Every final delivered.
        Delivered = "delivered",
        /// Could not be delivered (the reason says why).
        Failed = "failed",
    }
}

vocabulary! {
    /// What a decision is about.
    DecisionKind {
        /// A draft's gates.
        Gate = "gate",
        /// A finished image's gates (finishes are judged again).
        FinishGate = "finish_gate",
        /// Where a passing draft ranked.
        Rank = "rank",
        /// What the simulator did on purpose.
        Sim = "sim",
        /// How an aspect was delivered.
        Deliver = "deliver",
        /// The pixel judge and the vision judge disagreed on a checklist item.
        Disagreement = "disagreement",
        /// What a run did with a person's decision in review.
        Review = "review",
    }
}

vocabulary! {
    /// Why a decision went the way it did.
    Reason {
        /// Passed every gate.
        Passed = "passed",
        /// Promoted to the finish tier.
        Promoted = "promoted",
        /// Within `keep`: finished only if a better draft's finish fails.
        Spare = "spare",
        /// Passed, ranked below the promoted drafts.
        RankedOut = "ranked_out",
        /// Adherence below the gate.
        BelowAdherence = "below_adherence",
        /// On-palette share below the gate.
        BelowOnPalette = "below_on_palette",
        /// Sharpness below the gate.
        BelowSharpness = "below_sharpness",
        /// A near-duplicate of a better sibling.
        NearDuplicate = "near_duplicate",
        /// The simulator broke an instruction on purpose.
        InjectedMutation = "injected_mutation",
        /// The provider could not out-paint an aspect; extended locally.
        OutpaintFailedExtendedLocally = "outpaint_failed_extended_locally",
        /// The pixel judge and the vision judge gave opposite verdicts; the vision one stands.
        JudgesDisagree = "judges_disagree",
        /// A person approved a draft the gates rejected: promoted all the same.
        PersonApproved = "person_approved",
        /// A person rejected it: not promoted, or (a final) not delivered and the next spare
        /// finished.
        PersonRejected = "person_rejected",
        /// `[review] required` and no person has approved the final yet: not delivered.
        AwaitingReview = "awaiting_review",
    }
}

impl Reason {
    /// What the code means, for a person (the report's cards).
    pub fn text(self) -> &'static str {
        match self {
            Reason::Passed => "passed every gate",
            Reason::Promoted => "ranked within `keep`: promoted to the finish tier",
            Reason::Spare => {
                "passed and within `keep`: a spare, finished only if a better draft's finish fails"
            }
            Reason::RankedOut => "passed, but ranked below the promoted drafts",
            Reason::BelowAdherence => "adherence below the gate",
            Reason::BelowOnPalette => "on-palette share below the gate",
            Reason::BelowSharpness => "sharpness below the gate",
            Reason::NearDuplicate => "a near-duplicate of a better sibling",
            Reason::InjectedMutation => "the simulator broke an instruction on purpose",
            Reason::OutpaintFailedExtendedLocally => {
                "the provider could not out-paint this aspect; extended locally instead"
            }
            Reason::JudgesDisagree => {
                "the pixel judge and the vision judge disagree; the vision judge's verdict stands — worth a person's look"
            }
            Reason::PersonApproved => "a person approved it over the gates",
            Reason::PersonRejected => "a person rejected it",
            Reason::AwaitingReview => "awaiting a person's approval (`[review] required`)",
        }
    }
}

vocabulary! {
    /// How a run ended.
    RunStatus {
        /// Still going (or killed: the next run marks it crashed).
        Running = "running",
        /// Everything asked was delivered.
        Complete = "complete",
        /// Some shots failed.
        FailedItems = "failed_items",
        /// The budget stopped it.
        BudgetExhausted = "budget_exhausted",
        /// A signal stopped it.
        Interrupted = "interrupted",
        /// An error ended it (a full disk, a ledger that cannot be written).
        Error = "error",
        /// It never ended: found `running` by a later run.
        Crashed = "crashed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_round_trips_through_its_one_string() {
        for t in Tier::ALL {
            assert_eq!(t.as_str().parse::<Tier>(), Ok(*t));
        }
        for k in DecisionKind::ALL {
            assert_eq!(k.as_str().parse::<DecisionKind>(), Ok(*k));
        }
        for r in Reason::ALL {
            assert_eq!(r.as_str().parse::<Reason>(), Ok(*r));
            assert!(!r.text().is_empty());
        }
        for s in RunStatus::ALL {
            assert_eq!(s.as_str().parse::<RunStatus>(), Ok(*s));
        }
        for s in AttemptStatus::ALL {
            assert_eq!(s.as_str().parse::<AttemptStatus>(), Ok(*s));
        }
        for s in ShotStatus::ALL {
            assert_eq!(s.as_str().parse::<ShotStatus>(), Ok(*s));
        }
        assert!(AttemptStatus::Done == "done" && Tier::Fix == "fix");
        assert!("nope"
            .parse::<Reason>()
            .unwrap_err()
            .contains("known: passed"));
    }
}

vocabulary! {
    /// What a person did in review.
    HumanAction {
        /// Approved the asset for delivery.
        Approve = "approve",
        /// Rejected it, with a [`RejectReason`].
        Reject = "reject",
        /// Rated it 1 to 5.
        Rate = "rate",
        /// Said whether one checklist assertion holds in it (ground truth for the judges).
        Verdict = "verdict",
        /// Took back their last decision.
        Undo = "undo",
    }
}

vocabulary! {
    /// Why a person rejected an asset.
    RejectReason {
        /// The composition is wrong.
        Composition = "composition",
        /// A colour is off brand.
        OffBrand = "off_brand",
        /// A rendering artefact.
        Artefact = "artefact",
        /// Text in the image is wrong.
        TextWrong = "text_wrong",
        /// Something else (the note says what).
        Other = "other",
    }
}
