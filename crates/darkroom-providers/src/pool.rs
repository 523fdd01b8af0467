//! A pool of self-hosted servers behind one provider name (`base_url = ["http://gpu1:7860",
//! "http://gpu2:7860"]`): each call goes to the healthy server with the fewest calls in flight.
//! A server that fails three calls in a row at the transport (refused, reset, no reply in time)
//! is taken out and probed again with one call after [`PROBE_AFTER`]. A call that could not
//! reach its server (refused, reset) is tried on another at once; pools are only for servers
//! the team runs (AUTOMATIC1111, ComfyUI), which charge nothing, so even a request a reset cut
//! off after it ran costs no money twice. Any other error goes back to the scheduler, which
//! retries it by class. The server that made an image
//! is named in its notes (`backend`), and the ledger keeps it per attempt.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use darkroom_core::provider::{Capabilities, Cost, Generated, Provider, ProviderError, Request};

use crate::AnyProvider;

/// How long a server taken out waits before one call probes it.
pub const PROBE_AFTER: Duration = Duration::from_secs(30);
/// Transport failures in a row that take a server out.
pub const STRIKES: u32 = 3;

struct Member {
    url: String,
    p: AnyProvider,
    busy: AtomicU32,
    strikes: AtomicU32,
    out_since: Mutex<Option<Instant>>,
}

/// Several servers as one provider.
pub struct Pool {
    name: String,
    members: Vec<Member>,
}

impl Pool {
    /// A pool of `(base URL, provider on it)`; the first member's prices and capabilities stand
    /// for all (one kind, one model).
    pub fn new(name: String, members: Vec<(String, AnyProvider)>) -> Pool {
        Pool {
            name,
            members: members
                .into_iter()
                .map(|(url, p)| Member {
                    url,
                    p,
                    busy: AtomicU32::new(0),
                    strikes: AtomicU32::new(0),
                    out_since: Mutex::new(None),
                })
                .collect(),
        }
    }

    /// The servers and the provider on each, in campaign order.
    pub fn members(&self) -> impl Iterator<Item = (&str, &AnyProvider)> {
        self.members.iter().map(|m| (m.url.as_str(), &m.p))
    }

    /// The servers, in campaign order.
    pub fn urls(&self) -> Vec<&str> {
        self.members.iter().map(|m| m.url.as_str()).collect()
    }

    /// Whether a member may take a call: in, or out long enough to be probed.
    fn usable(&self, m: &Member) -> bool {
        let out = m.out_since.lock().unwrap_or_else(|p| p.into_inner());
        out.is_none_or(|t| t.elapsed() >= PROBE_AFTER)
    }

    /// The usable member with the fewest calls in flight, not among `tried`.
    fn pick(&self, tried: &[usize]) -> Option<usize> {
        (0..self.members.len())
            .filter(|i| !tried.contains(i) && self.usable(&self.members[*i]))
            .min_by_key(|&i| self.members[i].busy.load(Ordering::SeqCst))
    }

    fn failed(&self, m: &Member) {
        let n = m.strikes.fetch_add(1, Ordering::SeqCst) + 1;
        if n >= STRIKES {
            // Out (again, when a probe failed): the clock restarts.
            *m.out_since.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        }
    }

    fn worked(&self, m: &Member) {
        m.strikes.store(0, Ordering::SeqCst);
        *m.out_since.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

impl Provider for Pool {
    fn name(&self) -> &str {
        &self.name
    }
    fn capabilities(&self) -> Capabilities {
        self.members[0].p.capabilities()
    }
    fn price(&self, req: &Request) -> Cost {
        self.members[0].p.price(req)
    }
    fn generate(&self, req: &Request) -> Result<Generated, ProviderError> {
        let mut tried = Vec::new();
        let mut last = None;
        while let Some(i) = self.pick(&tried) {
            let m = &self.members[i];
            m.busy.fetch_add(1, Ordering::SeqCst);
            let r = m.p.generate(req);
            m.busy.fetch_sub(1, Ordering::SeqCst);
            match r {
                Ok(mut g) => {
                    self.worked(m);
                    g.notes.push(("backend".into(), m.url.clone()));
                    return Ok(g);
                }
                // Could not reach it: the request did not run there; another server takes it.
                Err(ProviderError::Transient(msg)) if msg.starts_with("transport:") => {
                    self.failed(m);
                    tried.push(i);
                    last = Some(ProviderError::Transient(format!("{msg} ({})", m.url)));
                }
                // No reply in time: it may still be working on it, so the scheduler decides
                // (it retries by class); the server gets a strike all the same.
                Err(e @ ProviderError::Transient(_)) => {
                    self.failed(m);
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            ProviderError::Transient(format!(
                "transport: every server of `{}` is out ({}); each is probed again {} s after it went out",
                self.name,
                self.urls().join(", "),
                PROBE_AFTER.as_secs()
            ))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(urls: &[&str]) -> Pool {
        Pool::new(
            "p".into(),
            urls.iter()
                .map(|u| {
                    (
                        u.to_string(),
                        AnyProvider::A1111(crate::a1111::A1111::new(
                            "p".into(),
                            None,
                            Some(u.to_string()),
                            Duration::from_secs(1),
                        )),
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn the_least_busy_usable_server_is_picked_and_three_strikes_take_one_out() {
        let p = pool(&["http://a", "http://b", "http://c"]);
        p.members[0].busy.store(2, Ordering::SeqCst);
        p.members[1].busy.store(1, Ordering::SeqCst);
        assert_eq!(p.pick(&[]), Some(2));
        assert_eq!(p.pick(&[2]), Some(1));
        for _ in 0..STRIKES {
            p.failed(&p.members[2]);
        }
        assert_eq!(p.pick(&[]), Some(1), "c is out");
        p.worked(&p.members[2]);
        assert_eq!(p.pick(&[]), Some(2), "a success puts it back");
        assert_eq!(p.pick(&[0, 1, 2]), None);
    }
}
