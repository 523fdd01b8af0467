//! S3-compatible object storage behind the asset store (`[campaign] store = "s3://bucket/prefix"`),
//! through the `object_store` crate: the store's assets are uploaded under
//! `<prefix>/store/ab/cd/<hash>.<ext>` and the deliverables under `<prefix>/deliverables/…`, so
//! every worker on every machine finds what any of them made. The local folder is a cache: a
//! hash the cache lacks is fetched from the bucket when it is asked for.
//!
//! The endpoint, region and keys come from the environment (`AWS_ENDPOINT_URL`, `AWS_REGION`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), path-style, so SeaweedFS, MinIO or Garage serve
//! as well as AWS. The secret key is never printed.

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{ObjectStore, PutPayload};

use crate::LedgerError;

/// A bucket and prefix, with the runtime its client runs on.
pub(crate) struct Remote {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    url: String,
    rt: tokio::runtime::Runtime,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Remote({})", self.url)
    }
}

impl Remote {
    /// Connects to `s3://bucket/prefix` and proves it can be read (a wrong key, a missing
    /// bucket and an unreachable endpoint are said here, before anything is spent).
    pub(crate) fn open(url: &str) -> Result<Remote, LedgerError> {
        let fail = |why: String| LedgerError::StoreOpen {
            url: url.to_string(),
            why,
        };
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| fail("expected s3://BUCKET or s3://BUCKET/PREFIX".into()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(fail("no bucket named; expected s3://BUCKET/PREFIX".into()));
        }
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|e| !e.is_empty());
        let mut b = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_virtual_hosted_style_request(false)
            // A dead endpoint is said in seconds, not after object_store's three minutes of
            // retries.
            .with_retry(object_store::RetryConfig {
                max_retries: 2,
                retry_timeout: std::time::Duration::from_secs(10),
                backoff: Default::default(),
            })
            .with_client_options(
                object_store::ClientOptions::new()
                    .with_connect_timeout(std::time::Duration::from_secs(5))
                    .with_timeout(std::time::Duration::from_secs(60)),
            );
        if let Some(e) = &endpoint {
            b = b.with_endpoint(e).with_allow_http(e.starts_with("http://"));
        }
        if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
            b = b.with_region("us-east-1");
        }
        let store = b.build().map_err(|e| fail(short(&e)))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| fail(format!("cannot start its client: {e}")))?;
        let r = Remote {
            store: Arc::new(store),
            prefix: prefix.trim_matches('/').to_string(),
            url: url.to_string(),
            rt,
        };
        // A probe that needs the bucket and the keys (a missing object would be found missing
        // in a missing bucket too): a listing of the prefix.
        let probe = r.key("store");
        match r.block(r.store.list_with_delimiter(Some(&probe))) {
            Ok(_) => Ok(r),
            Err(e) => Err(fail(short(&e))),
        }
    }

    fn key(&self, rel: &str) -> Key {
        if self.prefix.is_empty() {
            Key::from(rel)
        } else {
            Key::from(format!("{}/{rel}", self.prefix))
        }
    }

    /// Runs a future to its end from synchronous code, anywhere ([`crate::db::off_runtime`]).
    fn block<T: Send>(&self, fut: impl std::future::Future<Output = T> + Send) -> T {
        crate::db::off_runtime(|| self.rt.block_on(fut))
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    }

    fn err(&self, rel: &str, e: object_store::Error) -> LedgerError {
        LedgerError::Store {
            url: format!("{}/{rel}", self.url.trim_end_matches('/')),
            why: short(&e),
        }
    }

    /// Uploads `bytes` under `rel` (a path below the prefix).
    pub(crate) fn put(&self, rel: &str, bytes: &[u8]) -> Result<(), LedgerError> {
        let payload = PutPayload::from(bytes.to_vec());
        self.block(self.store.put(&self.key(rel), payload))
            .map(|_| ())
            .map_err(|e| self.err(rel, e))
    }

    /// Downloads `rel`, if it is there.
    pub(crate) fn get(&self, rel: &str) -> Result<Option<Vec<u8>>, LedgerError> {
        let key = self.key(rel);
        self.block(async {
            match self.store.get(&key).await {
                Ok(r) => r.bytes().await.map(|b| Some(b.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
        .map_err(|e| self.err(rel, e))
    }

    /// The keys of the objects under the folder `rel`, relative to the prefix, all pages.
    pub(crate) fn keys(&self, rel: &str) -> Result<Vec<String>, LedgerError> {
        use futures_util::StreamExt;
        let key = self.key(rel);
        let strip = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        self.block(async {
            let mut out = Vec::new();
            let mut s = self.store.list(Some(&key));
            while let Some(m) = s.next().await {
                let k = m?.location.to_string();
                out.push(k.strip_prefix(&strip).unwrap_or(&k).to_string());
            }
            Ok::<_, object_store::Error>(out)
        })
        .map_err(|e| self.err(rel, e))
    }

    /// The names (last path segment) of the objects under the folder `rel`.
    pub(crate) fn names(&self, rel: &str) -> Result<Vec<String>, LedgerError> {
        Ok(self
            .keys(rel)?
            .into_iter()
            .map(|k| k.rsplit('/').next().unwrap_or_default().to_string())
            .collect())
    }

    /// The store's URL, for messages.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }
}

/// object_store's message, with its source chain, on one line (never a key: it prints none).
fn short(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        let t = x.to_string();
        if !s.contains(&t) {
            s = format!("{s}: {t}");
        }
        src = x.source();
    }
    // An S3 error body is XML: its code and message say it, the rest is noise.
    let tag = |t: &str| {
        let open = format!("<{t}>");
        let from = s.find(&open)? + open.len();
        let to = s[from..].find(&format!("</{t}>"))? + from;
        Some(s[from..to].to_string())
    };
    if let (Some(code), Some(msg)) = (tag("Code"), tag("Message")) {
        let head = s.split(" - ").next().unwrap_or("").to_string();
        let status = s
            .split("Server returned ")
            .nth(1)
            .and_then(|x| x.split(':').next())
            .unwrap_or("")
            .to_string();
        let head = head.split(" in ").next().unwrap_or("").to_string();
        return format!("{head}: {status}: {code}: {msg}");
    }
    s.replace('\n', " ")
}
