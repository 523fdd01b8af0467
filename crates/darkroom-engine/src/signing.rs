//! Who signs a campaign's Content Credentials, and the time-stamp authority that dates them.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use darkroom_campaign::Campaign;

use crate::EngineError;

/// What a campaign's `[provenance]` asks to sign with.
pub fn signing(c: &Campaign) -> darkroom_provenance::identity::Signing {
    darkroom_provenance::identity::Signing {
        cert: c.provenance.cert.as_ref().map(PathBuf::from),
        key: c.provenance.key.as_ref().map(PathBuf::from),
    }
}

/// The identity a campaign's deliverables are signed with: its certificate, the environment's,
/// or the output folder `out`'s local identity (made on first use); its signatures
/// time-stamped by the campaign's (or the environment's) time-stamp authority.
pub fn signing_identity(
    c: &Campaign,
    out: &Path,
) -> Result<darkroom_provenance::Identity, EngineError> {
    let tsa = tsa_url(Some(c)).map(|u| time_stamper(&u));
    Ok(darkroom_provenance::identity::resolve(&signing(c), out)?.with_tsa(tsa))
}

/// The time-stamp authority signatures get their token from: the campaign's
/// `[provenance] tsa_url`, else `DARKROOM_C2PA_TSA`, else none.
pub fn tsa_url(c: Option<&Campaign>) -> Option<String> {
    c.and_then(|c| c.provenance.tsa_url.clone()).or_else(|| {
        std::env::var(darkroom_provenance::TSA_VAR)
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    })
}

/// A time-stamp authority reached through darkroom's HTTP client (RFC 3161 over HTTP: a POST
/// of `application/timestamp-query`). A TSA is a free public service or the signer's CA; it
/// costs nothing, so its calls are not the provider call path's.
pub fn time_stamper(url: &str) -> darkroom_provenance::Tsa {
    let client = darkroom_providers::http::Client::new(std::time::Duration::from_secs(30));
    let post: darkroom_provenance::Post = Arc::new(move |url: &str, body: &[u8]| {
        let shown = darkroom_provenance::tsa::shown_url(url);
        let r = client
            .send(
                "POST",
                url,
                &[],
                Some(("application/timestamp-query", body.to_vec())),
                None,
            )
            .map_err(|e| e.to_string().replace(url, &shown))?;
        if r.status != 200 {
            let text = String::from_utf8_lossy(&r.body[..r.body.len().min(200)]).into_owned();
            return Err(format!("HTTP {}: {}", r.status, text.trim()));
        }
        Ok(r.body)
    });
    darkroom_provenance::Tsa::new(url, post)
}
