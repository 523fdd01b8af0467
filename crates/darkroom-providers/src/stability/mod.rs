//! Stability AI's REST v2beta (`reference/providers.md` §3): Stable Image Core and Ultra and
//! SD 3.5 for generation, the three upscalers (fast and conservative answer at once; creative
//! is asynchronous and polled no faster than the vendor allows), in-painting with a mask and
//! out-painting with the left/right/up/down extensions computed from a target aspect.
//!
//! Every call is `multipart/form-data` with `accept: application/json`, so the image, the seed
//! and the `finish_reason` arrive together. `CONTENT_FILTERED` means the vendor generated the
//! image and then blurred it: a refusal, never delivered. Prices are flat credits per
//! successful call (1 credit = $0.01); failed and moderated calls are not charged.
//!
//! The vendor documents sizes by aspect and megapixels rather than exact pixels, so a reply is
//! checked for its aspect (within 5 %) and its pixel count against what the endpoint documents,
//! then fitted to the engine's request.

use std::time::{Duration, Instant};

use darkroom_core::provider::{
    Capabilities, Collected, Cost, Generated, Op, Provider, ProviderError, Request,
};
use darkroom_imageops::RgbImage;
use serde_json::Value;

use crate::http::{
    aspect_ratio, b64_decode, class_of_status, decode_reply, fit_reply, multipart, nearest_aspect,
    Client, Reply, Secret,
};

/// The vendor's endpoint.
pub const DEFAULT_BASE: &str = "https://api.stability.ai";

/// The aspect ratios the generate endpoints accept.
pub const ASPECTS: [&str; 9] = [
    "21:9", "16:9", "3:2", "5:4", "1:1", "4:5", "2:3", "9:16", "9:21",
];

pub use darkroom_core::catalog::stability::{INPAINT_CREDITS, MODELS, OUTPAINT_CREDITS};

/// The fewest seconds between two polls of an asynchronous result (the vendor's limit).
pub const MIN_POLL: Duration = Duration::from_secs(10);

/// Credits of one image from `model` (`None` for an unknown model).
pub fn credits(model: &str) -> Option<f64> {
    darkroom_core::catalog::stability::model(model).map(|m| m.1)
}

/// The three upscalers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upscale {
    /// 4×, synchronous, 2 credits.
    Fast,
    /// To about 4 MP, synchronous, 40 credits; needs a prompt.
    Conservative,
    /// Up to 4K, asynchronous (polled), 60 credits; needs a prompt.
    Creative,
}

impl Upscale {
    /// Parses `fast`, `conservative` or `creative`.
    pub fn parse(s: &str) -> Option<Upscale> {
        match s {
            "fast" => Some(Upscale::Fast),
            "conservative" => Some(Upscale::Conservative),
            "creative" => Some(Upscale::Creative),
            _ => None,
        }
    }

    fn path(self) -> &'static str {
        match self {
            Upscale::Fast => "/v2beta/stable-image/upscale/fast",
            Upscale::Conservative => "/v2beta/stable-image/upscale/conservative",
            Upscale::Creative => "/v2beta/stable-image/upscale/creative",
        }
    }

    /// Credits per call (the catalogue's).
    pub fn credits(self) -> f64 {
        darkroom_core::catalog::stability::upscale_credits(match self {
            Upscale::Fast => "fast",
            Upscale::Conservative => "conservative",
            Upscale::Creative => "creative",
        })
    }
}

/// A Stability AI account and model.
#[derive(Debug)]
pub struct Stability {
    name: String,
    model: String,
    key: Secret,
    base: String,
    client: Client,
    timeout: Duration,
    poll: Duration,
}

/// Decodes an input image; one that does not decode is our caller's mistake, not the vendor's.
fn input(image: &[u8], what: &str) -> Result<RgbImage, ProviderError> {
    decode_reply(image, what).map_err(|e| ProviderError::Invalid(e.to_string()))
}

/// Checks a reply's aspect (within 5 % on the log scale) and pixel count (`mp` in megapixels).
fn check_shape(
    img: &RgbImage,
    aspect: f64,
    mp: (f64, f64),
    what: &str,
) -> Result<(), ProviderError> {
    let r = f64::from(img.width) / f64::from(img.height.max(1));
    let px = f64::from(img.width) * f64::from(img.height) / 1e6;
    if (r.ln() - aspect.ln()).abs() > 0.05 || px < mp.0 || px > mp.1 {
        return Err(ProviderError::Invalid(format!(
            "the provider returned {}x{} for {what}; it documents an aspect of {aspect:.3} at {:.2}–{:.2} MP",
            img.width, img.height, mp.0, mp.1
        )));
    }
    Ok(())
}

impl Stability {
    /// A provider named `name` calling `model` (see [`MODELS`]) at `base` (the vendor's when
    /// `None`).
    pub fn new(
        name: String,
        model: String,
        key: Secret,
        base: Option<String>,
        timeout: Duration,
    ) -> Stability {
        Stability {
            name,
            model,
            key,
            base: crate::http::base_url(base, DEFAULT_BASE),
            client: Client::new(timeout),
            timeout,
            poll: MIN_POLL,
        }
    }

    /// Polls asynchronous results every `every` instead of the vendor's 10 s — for a local
    /// server (tests, a gateway that says so). Never called against the vendor.
    pub fn with_poll_interval(mut self, every: Duration) -> Stability {
        self.poll = every;
        self
    }

    fn headers(&self, accept: &str) -> Vec<(&'static str, String)> {
        vec![
            ("authorization", format!("Bearer {}", self.key.expose())),
            ("accept", accept.to_string()),
            ("stability-client-id", "darkroom".to_string()),
        ]
    }

    /// The vendor's seed range is 0..=4294967294 with 0 meaning random: keep ours reproducible.
    fn seed(seed: u64) -> String {
        (1 + seed % 4_294_967_294).to_string()
    }

    /// A multipart POST answered in JSON.
    fn post(
        &self,
        path: &str,
        fields: &[(&str, String)],
        files: &[(&str, &[u8])],
    ) -> Result<(Value, Duration), ProviderError> {
        let (ctype, body) = multipart(fields, files);
        self.client.post_json(
            &format!("{}{path}", self.base),
            &self.headers("application/json"),
            (&ctype, body),
            Some(&self.key),
            |r| self.error(r),
        )
    }

    /// The vendor's `{"id", "name", "errors"}`, classified.
    fn error(&self, r: &Reply) -> ProviderError {
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        let name = v["name"].as_str().unwrap_or("");
        let errors: Vec<&str> = v["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let detail = if errors.is_empty() {
            String::from_utf8_lossy(&r.body[..r.body.len().min(200)]).into_owned()
        } else {
            errors.join("; ")
        };
        let message = self
            .key
            .redact(&format!("HTTP {} {name}: {detail}", r.status));
        match (r.status, name) {
            (403, _) | (422, "public_figure") => ProviderError::Refused(message),
            (402, _) => ProviderError::Quota(message),
            // "Exceeding it returns 429 and a 60 s timeout" — wait that long when no header says.
            (429, _) => ProviderError::RateLimited {
                retry_after: Some(r.retry_after.unwrap_or(Duration::from_secs(60))),
                message,
            },
            (404 | 413 | 422, _) => ProviderError::Invalid(message),
            _ => class_of_status(r.status, message, r.retry_after),
        }
    }

    /// The image of a JSON reply; `CONTENT_FILTERED` (a blurred image) is a refusal.
    fn image_of(v: &Value, what: &str) -> Result<(RgbImage, Option<String>), ProviderError> {
        match v["finish_reason"].as_str() {
            Some("SUCCESS") | None => {}
            Some("CONTENT_FILTERED") => {
                return Err(ProviderError::Refused(format!(
                    "finish_reason CONTENT_FILTERED: the vendor blurred the {what}"
                )))
            }
            Some(other) => {
                return Err(ProviderError::Transient(format!(
                    "malformed reply: unknown finish_reason `{other}`"
                )))
            }
        }
        let data = v["image"]
            .as_str()
            .ok_or_else(|| ProviderError::Transient("malformed reply: no `image`".into()))?;
        let img = decode_reply(&b64_decode(data)?, what)?;
        let seed = v["seed"].as_u64().map(|s| s.to_string());
        Ok((img, seed))
    }

    fn done(
        &self,
        img: RgbImage,
        want: (u32, u32),
        credits: f64,
        latency: Duration,
        seed: Option<String>,
        what: &str,
    ) -> Result<Generated, ProviderError> {
        // The shape was checked by the caller against what the endpoint documents.
        let made = (img.width, img.height);
        let (png, width, height) = fit_reply(img, made, want)?;
        Ok(Generated {
            png,
            width,
            height,
            cost: Cost::from_credits(credits),
            // The vendor reports no version; what was asked is what is recorded.
            model_version: Some(format!("stability {what}")),
            latency,
            notes: seed.map(|s| vec![("seed".into(), s)]).unwrap_or_default(),
            upstream: None,
        })
    }

    /// The generate endpoint and the `model` field of this model.
    fn route(&self) -> (&'static str, Option<&str>) {
        match self.model.as_str() {
            "core" => ("/v2beta/stable-image/generate/core", None),
            "ultra" => ("/v2beta/stable-image/generate/ultra", None),
            "sd3.5" => ("/v2beta/stable-image/generate/sd3", Some("sd3.5-large")),
            m => ("/v2beta/stable-image/generate/sd3", Some(m)),
        }
    }

    /// The megapixels the model documents (core: 1.5 MP in the spec, 2.4 MP observed).
    fn megapixels(&self) -> (f64, f64) {
        if self.model == "core" {
            (0.75, 2.6)
        } else {
            (0.75, 1.3)
        }
    }

    /// Generates from the prompt; with a reference (ultra and SD 3.5 only), image-to-image at
    /// `strength`.
    pub fn generate_with(
        &self,
        req: &Request,
        reference: Option<(&[u8], f64)>,
    ) -> Result<Generated, ProviderError> {
        let (path, sd3_model) = self.route();
        let mut fields = vec![
            ("prompt", req.prompt.clone()),
            ("seed", Self::seed(req.seed)),
            ("output_format", "png".to_string()),
        ];
        if let Some(m) = sd3_model {
            fields.push(("model", m.to_string()));
        }
        let mut files: Vec<(&str, &[u8])> = Vec::new();
        let aspect = match reference {
            Some((image, strength)) => {
                if sd3_model.is_some() {
                    fields.push(("mode", "image-to-image".into()));
                }
                fields.push(("strength", format!("{strength:.2}")));
                files.push(("image", image));
                // Image-to-image keeps the input's aspect.
                f64::from(req.width) / f64::from(req.height.max(1))
            }
            None => {
                let a = nearest_aspect(req.width, req.height, &ASPECTS);
                fields.push(("aspect_ratio", a.to_string()));
                aspect_ratio(a)
            }
        };
        let (v, latency) = self.post(path, &fields, &files)?;
        let (img, seed) = Self::image_of(&v, "image")?;
        check_shape(
            &img,
            aspect,
            self.megapixels(),
            &format!("`{}`", self.model),
        )?;
        let credits = credits(&self.model).unwrap_or(8.0);
        self.done(
            img,
            (req.width, req.height),
            credits,
            latency,
            seed,
            &self.model,
        )
    }

    /// Upscales `image` with one of the three upscalers, then fits it to `want`. Creative is
    /// asynchronous: submitted, then polled every [`MIN_POLL`] until done or the timeout.
    pub fn upscale(
        &self,
        image: &[u8],
        mode: Upscale,
        prompt: &str,
        seed: u64,
        want: (u32, u32),
    ) -> Result<Generated, ProviderError> {
        self.upscale_noting(image, mode, prompt, seed, want, &|_| {})
    }

    /// [`Stability::upscale`], telling `note` the generation id of a creative upscale as soon
    /// as the vendor has accepted (and charged) it, before its result is polled for.
    fn upscale_noting(
        &self,
        image: &[u8],
        mode: Upscale,
        prompt: &str,
        seed: u64,
        want: (u32, u32),
        note: &(dyn Fn(&str) + Sync),
    ) -> Result<Generated, ProviderError> {
        let src = input(image, "the image to upscale")?;
        let (w, h) = (src.width, src.height);
        let px = u64::from(w) * u64::from(h);
        let limits = match mode {
            Upscale::Fast => {
                (32..=1536).contains(&w)
                    && (32..=1536).contains(&h)
                    && (1024..=1_048_576).contains(&px)
            }
            Upscale::Conservative => {
                w >= 64
                    && h >= 64
                    && (4096..=9_437_184).contains(&px)
                    && (0.4..=2.5).contains(&(f64::from(w) / f64::from(h)))
            }
            Upscale::Creative => w >= 64 && h >= 64 && px <= 1_048_576,
        };
        if !limits {
            return Err(ProviderError::Invalid(format!(
                "{w}x{h} is outside what the {mode:?} upscaler accepts (fast: sides 32–1536 and at most 1 MP; conservative: 4096–9.4 M pixels, ratio 1:2.5–2.5:1; creative: at most 1 MP)"
            )));
        }
        let mut fields = vec![("output_format", "png".to_string())];
        if mode != Upscale::Fast {
            fields.push(("prompt", prompt.to_string()));
            fields.push(("seed", Self::seed(seed)));
        }
        let start = Instant::now();
        let (mut v, _) = self.post(mode.path(), &fields, &[("image", image)])?;
        if mode == Upscale::Creative {
            let id = v["id"]
                .as_str()
                .ok_or_else(|| {
                    ProviderError::Transient("malformed reply: no generation `id`".into())
                })?
                .to_string();
            note(&id);
            v = self.wait_for(&id, start)?.ok_or_else(|| {
                ProviderError::Transient(format!("generation {id} vanished while being polled"))
            })?;
        }
        self.upscaled(&v, (w, h), mode, want, start)
    }

    /// An upscaler's reply checked against what it documents, then fitted to `want`.
    fn upscaled(
        &self,
        v: &Value,
        (w, h): (u32, u32),
        mode: Upscale,
        want: (u32, u32),
        start: Instant,
    ) -> Result<Generated, ProviderError> {
        let px = u64::from(w) * u64::from(h);
        let (img, seed) = Self::image_of(v, "upscaled image")?;
        let aspect = f64::from(w) / f64::from(h);
        match mode {
            Upscale::Fast => {
                if (img.width, img.height) != (w * 4, h * 4) {
                    return Err(ProviderError::Invalid(format!(
                        "the fast upscaler returned {}x{}, not 4× {w}x{h}",
                        img.width, img.height
                    )));
                }
            }
            _ => check_shape(&img, aspect, (px as f64 / 1e6, 16.8), "an upscale")?,
        }
        self.done(
            img,
            want,
            mode.credits(),
            start.elapsed(),
            seed,
            &format!("upscale/{}", format!("{mode:?}").to_lowercase()),
        )
    }

    /// Polls `/v2beta/results/{id}` until the image is ready (202 means not yet); `None` when
    /// the vendor does not know the id (404 `generation_not_found`: never accepted, or expired
    /// after 24 hours).
    fn wait_for(&self, id: &str, start: Instant) -> Result<Option<Value>, ProviderError> {
        let url = format!("{}/v2beta/results/{id}", self.base);
        loop {
            std::thread::sleep(self.poll);
            let r = self.client.send(
                "GET",
                &url,
                &self.headers("application/json"),
                None,
                Some(&self.key),
            )?;
            match r.status {
                200 => {
                    return serde_json::from_slice(&r.body).map(Some).map_err(|e| {
                        ProviderError::Transient(format!("malformed reply: not JSON ({e})"))
                    })
                }
                404 => return Ok(None),
                202 if start.elapsed() + self.poll <= self.timeout => continue,
                202 => {
                    return Err(ProviderError::Transient(format!(
                        "result {id} still in progress after {:.0} s",
                        self.timeout.as_secs_f64()
                    )))
                }
                _ => return Err(self.error(&r)),
            }
        }
    }

    /// Repaints where `mask` is light (greyscale strength: black keeps, white repaints), then
    /// fits the result to `want`.
    pub fn inpaint(
        &self,
        image: &[u8],
        mask: &[u8],
        prompt: &str,
        seed: u64,
        want: (u32, u32),
    ) -> Result<Generated, ProviderError> {
        let src = input(image, "the image to in-paint")?;
        let fields = [
            ("prompt", prompt.to_string()),
            ("seed", Self::seed(seed)),
            ("output_format", "png".to_string()),
        ];
        let (v, latency) = self.post(
            "/v2beta/stable-image/edit/inpaint",
            &fields,
            &[("image", image), ("mask", mask)],
        )?;
        let (img, seed) = Self::image_of(&v, "in-painted image")?;
        if (img.width, img.height) != (src.width, src.height) {
            return Err(ProviderError::Invalid(format!(
                "in-paint returned {}x{} for a {}x{} image",
                img.width, img.height, src.width, src.height
            )));
        }
        self.done(img, want, INPAINT_CREDITS, latency, seed, "edit/inpaint")
    }

    /// The `left`, `right`, `up`, `down` extensions that take a `w × h` image to `aspect`
    /// (width / height), centred, each within the vendor's 0..=2000.
    pub fn outpaint_sides(w: u32, h: u32, aspect: f64) -> Result<[u32; 4], ProviderError> {
        let (nw, nh, ox, oy) = darkroom_imageops::fill::extend_geometry(w, h, aspect);
        let sides = [ox, nw - w - ox, oy, nh - h - oy];
        if sides.iter().all(|&s| s == 0) {
            return Err(ProviderError::Invalid(format!(
                "{w}x{h} already has the aspect {aspect:.3}; nothing to out-paint"
            )));
        }
        if let Some(s) = sides.iter().find(|&&s| s > 2000) {
            return Err(ProviderError::Invalid(format!(
                "extending {w}x{h} to {aspect:.3} needs {s} px on one side; the vendor allows 2000"
            )));
        }
        Ok(sides)
    }

    /// Extends `image` to `aspect` (width / height) by out-painting, then fits the result to
    /// `want` (`None`: the extended size).
    pub fn outpaint(
        &self,
        image: &[u8],
        aspect: f64,
        prompt: &str,
        seed: u64,
        want: Option<(u32, u32)>,
    ) -> Result<Generated, ProviderError> {
        let src = input(image, "the image to out-paint")?;
        let r = f64::from(src.width) / f64::from(src.height);
        if !(0.4..=2.5).contains(&r) {
            return Err(ProviderError::Invalid(format!(
                "{}x{} is outside the out-paint input ratio 1:2.5–2.5:1",
                src.width, src.height
            )));
        }
        let [left, right, up, down] = Self::outpaint_sides(src.width, src.height, aspect)?;
        let mut fields = vec![
            ("left", left.to_string()),
            ("right", right.to_string()),
            ("up", up.to_string()),
            ("down", down.to_string()),
            ("creativity", "0.5".to_string()),
            ("seed", Self::seed(seed)),
            ("output_format", "png".to_string()),
        ];
        if !prompt.is_empty() {
            fields.push(("prompt", prompt.to_string()));
        }
        let (v, latency) = self.post(
            "/v2beta/stable-image/edit/outpaint",
            &fields,
            &[("image", image)],
        )?;
        let (img, seed) = Self::image_of(&v, "out-painted image")?;
        let made = (src.width + left + right, src.height + up + down);
        if (img.width, img.height) != made {
            return Err(ProviderError::Invalid(format!(
                "out-paint returned {}x{}, not the {}x{} the extensions make",
                img.width, img.height, made.0, made.1
            )));
        }
        self.done(
            img,
            want.unwrap_or(made),
            OUTPAINT_CREDITS,
            latency,
            seed,
            "edit/outpaint",
        )
    }

    /// A cheap health check: the account's credit balance (authentication).
    pub fn ping(&self) -> Result<String, ProviderError> {
        let r = self.client.send(
            "GET",
            &format!("{}/v1/user/balance", self.base),
            &self.headers("application/json")[..1],
            None,
            Some(&self.key),
        )?;
        if r.status != 200 {
            return Err(self.error(&r));
        }
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        match v["credits"].as_f64() {
            Some(c) => Ok(format!("{} ({c:.1} credits left)", self.model)),
            None => Err(ProviderError::Transient(
                "malformed reply: no `credits` in the balance".into(),
            )),
        }
    }
}

impl Provider for Stability {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        darkroom_core::catalog::capabilities(darkroom_core::ProviderKind::Stability, &self.model)
    }

    fn price(&self, req: &Request) -> Cost {
        darkroom_core::catalog::quote(darkroom_core::ProviderKind::Stability, &self.model, req).cost
    }

    /// The seed as sent (Stability takes 1 to 4,294,967,294).
    fn infotext(&self, req: &Request) -> Vec<(String, String)> {
        vec![("Seed".into(), Self::seed(req.seed))]
    }

    /// A creative upscale is accepted (and charged) at once and polled for by its generation
    /// id: a resume polls that id instead of paying again.
    fn handles(&self) -> bool {
        true
    }

    fn generate_as(
        &self,
        req: &Request,
        _handle: &str,
        note: &(dyn Fn(&str) + Sync),
    ) -> Result<Generated, ProviderError> {
        match (&req.op, &req.reference) {
            (Op::Upscale { mode }, Some(image))
                if Upscale::parse(mode) == Some(Upscale::Creative) =>
            {
                self.upscale_noting(
                    image,
                    Upscale::Creative,
                    &req.prompt,
                    req.seed,
                    (req.width, req.height),
                    note,
                )
            }
            _ => self.generate(req),
        }
    }

    fn collect(&self, req: &Request, handle: &str) -> Result<Collected, ProviderError> {
        // Only a creative upscale has a generation id (64 hex digits); any other handle is
        // darkroom's own, never sent: the call did not reach the vendor with a result to fetch.
        let creative = matches!(&req.op, Op::Upscale { mode } if Upscale::parse(mode) == Some(Upscale::Creative));
        let vendors = handle.len() == 64 && handle.bytes().all(|b| b.is_ascii_hexdigit());
        let (Some(image), true, true) = (req.reference.as_deref(), creative, vendors) else {
            return Ok(Collected::Unknown);
        };
        let src = input(image, "the image to upscale")?;
        let start = Instant::now();
        match self.wait_for(handle, start)? {
            Some(v) => self
                .upscaled(
                    &v,
                    (src.width, src.height),
                    Upscale::Creative,
                    (req.width, req.height),
                    start,
                )
                .map(Collected::Image),
            None => Ok(Collected::Unknown),
        }
    }

    fn generate(&self, req: &Request) -> Result<Generated, ProviderError> {
        let want = (req.width, req.height);
        let reference = || {
            req.reference.as_deref().ok_or_else(|| {
                ProviderError::Invalid(format!("{} needs an input image", req.op.as_str()))
            })
        };
        match &req.op {
            Op::Generate => match &req.reference {
                Some(r) if self.capabilities().edit => self.generate_with(req, Some((r, 0.35))),
                _ => self.generate_with(req, None),
            },
            Op::Outpaint => self.outpaint(
                reference()?,
                f64::from(req.width) / f64::from(req.height.max(1)),
                &req.prompt,
                req.seed,
                Some(want),
            ),
            Op::Inpaint { mask } => self.inpaint(reference()?, mask, &req.prompt, req.seed, want),
            Op::Upscale { mode } => {
                // The default is the conservative upscaler, which keeps the image as it is.
                let m = if mode.is_empty() {
                    Upscale::Conservative
                } else {
                    Upscale::parse(mode).ok_or_else(|| {
                        ProviderError::Invalid(format!(
                            "unknown Stability upscaler `{mode}`; accepted: fast, conservative, creative"
                        ))
                    })?
                };
                self.upscale(reference()?, m, &req.prompt, req.seed, want)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outpaint_sides_come_from_the_target_aspect() {
        // 1024x1024 → 16:9: 1820 wide, 398 left and 398 right.
        assert_eq!(
            Stability::outpaint_sides(1024, 1024, 16.0 / 9.0).unwrap(),
            [398, 398, 0, 0]
        );
        // 1344x768 → 9:16: 2389 tall, 810 up and 811 down.
        assert_eq!(
            Stability::outpaint_sides(1344, 768, 9.0 / 16.0).unwrap(),
            [0, 0, 810, 811]
        );
        // 2500x1000 → 9:21 would need 2416 px up and down.
        let s = Stability::outpaint_sides(2500, 1000, 9.0 / 21.0).unwrap_err();
        assert!(s.to_string().contains("2000"), "{s}");
        assert_eq!(
            Stability::outpaint_sides(768, 768, 4.0 / 5.0).unwrap(),
            [0, 0, 96, 96]
        );
        assert!(Stability::outpaint_sides(512, 512, 1.0).is_err());
    }

    #[test]
    fn every_model_has_a_price() {
        assert_eq!(credits("core"), Some(3.0));
        assert_eq!(credits("ultra"), Some(8.0));
        assert_eq!(credits("sd3.5-flash"), Some(2.5));
        assert_eq!(credits("dalle"), None);
        assert_eq!(Cost::from_credits(8.0).usd, 0.08);
    }
}
