//! `[campaign]`: its name, output folder, shared ledger and store, and where deliverables go.

use super::*;

/// What `[campaign]` says.
pub(super) struct Head {
    pub name: Option<String>,
    pub output: Option<String>,
    pub ledger: Option<String>,
    pub store: Option<String>,
    pub deliver_to: DeliverTo,
}

/// Checks `[campaign]` (missing: an error).
pub(super) fn check(v: &mut V<'_>, node: Option<&Node>) -> Head {
    let mut name = None;
    let mut output = None;
    let (mut ledger, mut store) = (None, None);
    let mut deliver_to = DeliverTo::Both;
    match node {
        Some(c) => {
            for (k, n) in v.keys(
                c,
                "campaign",
                &["name", "output", "ledger", "store", "deliverables"],
            ) {
                match k {
                    "name" => name = v.string(n, "campaign.name"),
                    "ledger" => {
                        ledger = v
                            .string(n, "campaign.ledger")
                            .and_then(|u| check_ledger_url(v, n, u))
                    }
                    "store" => {
                        store = v
                            .string(n, "campaign.store")
                            .and_then(|u| check_store_url(v, n, u))
                    }
                    "deliverables" => {
                        let word = v.string(n, "campaign.deliverables");
                        match word.as_deref() {
                            Some("both") => deliver_to = DeliverTo::Both,
                            Some("folder") => deliver_to = DeliverTo::Folder,
                            Some("bucket") => deliver_to = DeliverTo::Bucket,
                            Some(other) => v.err(
                                &n.span(),
                                "campaign.deliverables",
                                format!("`{other}`; accepted: both (the folder, and the bucket when there is one), folder, bucket"),
                            ),
                            None => {}
                        }
                    }
                    _ => output = v.string(n, "campaign.output"),
                }
            }
            if name.is_none() && !v.diags.iter().any(|d| d.path == "campaign.name") {
                v.err(
                    &c.span(),
                    "campaign.name",
                    "missing; give the campaign a name, e.g. name = \"spring-launch\"",
                );
            }
        }
        None => v.err(
            &(0..0),
            "campaign",
            "missing [campaign] table with at least `name`",
        ),
    }
    Head {
        name,
        output,
        ledger,
        store,
        deliver_to,
    }
}
