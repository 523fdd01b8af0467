//! A ComfyUI server running the user's own workflow (`reference/providers.md` §4).
//!
//! The campaign names a workflow saved in ComfyUI's **API format** ("Save (API)") and declares
//! which node inputs darkroom patches: `prompt`, `seed`, `width`, `height`, and optionally
//! `negative` and `image` (a `LoadImage` node, which makes the provider able to edit: the
//! finish tier's draft is uploaded through `/upload/image` and patched in). A call queues the
//! patched graph with `POST /prompt` and a `client_id`, waits for `/history/{prompt_id}` to
//! hold the result (polling, backing off from 50 ms to 1 s — a local server has no rate limit),
//! and fetches the first saved image through `/view`.
//!
//! Self-hosted, so free. ComfyUI has no content policy; a node that fails while running
//! (`execution_error`) is transient when it ran out of memory and our bug otherwise.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use darkroom_core::provider::{
    Capabilities, Collected, Cost, Generated, Provider, ProviderError, Request,
};
use serde_json::{json, Value};

use crate::http::{decode_reply, fit_reply, json_body, multipart_named, Client, Reply};

/// Where a local ComfyUI listens by default.
pub const DEFAULT_BASE: &str = "http://127.0.0.1:8188";

/// The inputs a workflow may declare, and whether each is required.
pub const INPUTS: [(&str, bool); 6] = [
    ("prompt", true),
    ("seed", true),
    ("width", false),
    ("height", false),
    ("negative", false),
    ("image", false),
];

/// A node input: `(node id, input name)`.
type Slot = (String, String);

/// A workflow in API format with its declared inputs checked against the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    graph: Value,
    slots: BTreeMap<String, Slot>,
}

impl Workflow {
    /// Parses an API-format workflow and checks every declared input (`"NODE.INPUT"`, e.g.
    /// `"6.text"`) against it. Every problem is reported at once.
    pub fn parse(json: &str, inputs: &BTreeMap<String, String>) -> Result<Workflow, Vec<String>> {
        let graph: Value = serde_json::from_str(json).map_err(|e| {
            vec![format!(
                "not JSON: {e}; export the workflow with \"Save (API)\""
            )]
        })?;
        let Some(nodes) = graph.as_object() else {
            return Err(vec![
                "expected an object of nodes keyed by id (API format)".into()
            ]);
        };
        let mut errs = Vec::new();
        if nodes.values().any(|n| n.get("class_type").is_none()) || nodes.contains_key("nodes") {
            errs.push(
                "this is the UI format (it has `nodes`/`links`); export it with \"Save (API)\" (enable dev mode in the settings)"
                    .to_string(),
            );
            return Err(errs);
        }
        let mut slots = BTreeMap::new();
        for (k, v) in inputs {
            if !INPUTS.iter().any(|i| i.0 == k) {
                errs.push(format!(
                    "inputs.{k}: unknown input; accepted: {}",
                    INPUTS.map(|i| i.0).join(", ")
                ));
                continue;
            }
            let Some((node, input)) = v.split_once('.') else {
                errs.push(format!(
                    "inputs.{k}: `{v}` is not NODE.INPUT (e.g. \"6.text\")"
                ));
                continue;
            };
            match nodes.get(node) {
                None => {
                    let mut ids: Vec<&String> = nodes.keys().collect();
                    ids.sort();
                    errs.push(format!(
                        "inputs.{k}: no node `{node}` in the workflow; it has: {}",
                        ids.iter()
                            .map(|i| i.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                Some(n) if n["inputs"].get(input).is_none() => errs.push(format!(
                    "inputs.{k}: node {node} ({}) has no input `{input}`; it has: {}",
                    n["class_type"].as_str().unwrap_or("?"),
                    n["inputs"]
                        .as_object()
                        .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
                        .unwrap_or_default()
                )),
                Some(n) if n["inputs"][input].is_array() => errs.push(format!(
                    "inputs.{k}: {node}.{input} is a link to another node, not a value to set"
                )),
                Some(_) => {
                    slots.insert(k.clone(), (node.to_string(), input.to_string()));
                }
            }
        }
        for (k, required) in INPUTS {
            if required && !inputs.contains_key(k) {
                errs.push(format!("inputs.{k}: required (NODE.INPUT of the {k})"));
            }
        }
        if inputs.contains_key("width") != inputs.contains_key("height") {
            errs.push("inputs: declare both `width` and `height`, or neither".into());
        }
        if !inputs.contains_key("width") && !inputs.contains_key("image") {
            errs.push(
                "inputs: declare `width` and `height` (e.g. the EmptyLatentImage node), or an `image` whose size the result follows"
                    .into(),
            );
        }
        if errs.is_empty() {
            Ok(Workflow { graph, slots })
        } else {
            Err(errs)
        }
    }

    /// Whether the workflow takes an input image.
    pub fn takes_image(&self) -> bool {
        self.slots.contains_key("image")
    }

    fn set(&self, graph: &mut Value, input: &str, v: Value) {
        if let Some((node, name)) = self.slots.get(input) {
            graph[node]["inputs"][name] = v;
        }
    }
}

/// A ComfyUI server and the workflow it runs.
#[derive(Debug)]
pub struct ComfyUi {
    name: String,
    base: String,
    client: Client,
    timeout: Duration,
    workflow: Workflow,
    client_id: String,
}

/// Latent sizes are multiples of 8, at least 16.
fn to8(v: u32) -> u32 {
    (v.max(16) + 4) / 8 * 8
}

/// Percent-encodes a query value.
fn query(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl ComfyUi {
    /// A provider named `name` running `workflow` at `base` (the local default when `None`).
    pub fn new(
        name: String,
        base: Option<String>,
        timeout: Duration,
        workflow: Workflow,
    ) -> ComfyUi {
        ComfyUi {
            client_id: format!("darkroom-{}-{name}", std::process::id()),
            name,
            base: crate::http::base_url(base, DEFAULT_BASE),
            client: Client::new(timeout),
            timeout,
            workflow,
        }
    }

    /// The `client_id` this provider sends with every prompt.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The graph for one request: the workflow with the declared inputs patched.
    pub fn graph(&self, req: &Request, image: Option<&str>) -> Value {
        let mut g = self.workflow.graph.clone();
        let w = &self.workflow;
        w.set(&mut g, "prompt", json!(req.prompt));
        w.set(&mut g, "seed", json!(req.seed));
        w.set(&mut g, "width", json!(to8(req.width)));
        w.set(&mut g, "height", json!(to8(req.height)));
        if let Some(name) = image {
            w.set(&mut g, "image", json!(name));
        }
        g
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Uploads an input image; returns the name to put in `LoadImage` (`subfolder/name`).
    pub fn upload(&self, png: &[u8]) -> Result<String, ProviderError> {
        // Named by content: concurrent uploads never overwrite each other's file.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        png.hash(&mut h);
        let file = format!("darkroom-{:016x}.png", h.finish());
        let (ctype, body) = multipart_named(
            &[("type", "input".into()), ("overwrite", "true".into())],
            &[("image", file, png)],
        );
        let (v, _) =
            self.client
                .post_json(&self.url("/upload/image"), &[], (&ctype, body), None, error)?;
        let name = v["name"]
            .as_str()
            .ok_or_else(|| ProviderError::Transient("malformed reply: no upload `name`".into()))?;
        Ok(match v["subfolder"].as_str() {
            Some(s) if !s.is_empty() => format!("{s}/{name}"),
            _ => name.to_string(),
        })
    }

    /// Queues a graph (under darkroom's `prompt_id` where given: a UUID, which newer servers
    /// keep and older ones replace with their own); returns the prompt id the server uses.
    pub fn queue(&self, graph: Value, prompt_id: Option<&str>) -> Result<String, ProviderError> {
        let mut body = json!({"prompt": graph, "client_id": self.client_id});
        if let Some(id) = prompt_id {
            body["prompt_id"] = json!(id);
        }
        let (v, _) =
            self.client
                .post_json(&self.url("/prompt"), &[], json_body(&body), None, error)?;
        v["prompt_id"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| ProviderError::Transient("malformed reply: no `prompt_id`".into()))
    }

    /// Waits for the prompt's history entry; returns its first saved image's reference.
    pub fn wait(&self, id: &str, start: Instant) -> Result<Value, ProviderError> {
        let mut pause = Duration::from_millis(50);
        loop {
            let r =
                self.client
                    .send("GET", &self.url(&format!("/history/{id}")), &[], None, None)?;
            if r.status != 200 {
                return Err(error(&r));
            }
            let v: Value = serde_json::from_slice(&r.body).map_err(|e| {
                ProviderError::Transient(format!("malformed history: not JSON ({e})"))
            })?;
            let entry = &v[id];
            if entry.is_object() {
                return finished(entry);
            }
            if start.elapsed() + pause > self.timeout {
                return Err(ProviderError::Transient(format!(
                    "no result for prompt {id} within {:.1} s",
                    self.timeout.as_secs_f64()
                )));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(1));
        }
    }

    /// Prompt `id`'s history entry, once it has finished.
    fn history(&self, id: &str) -> Result<Option<Value>, ProviderError> {
        let r = self
            .client
            .send("GET", &self.url(&format!("/history/{id}")), &[], None, None)?;
        if r.status != 200 {
            return Err(error(&r));
        }
        let v: Value = serde_json::from_slice(&r.body)
            .map_err(|e| ProviderError::Transient(format!("malformed history: not JSON ({e})")))?;
        Ok(v.get(id).filter(|e| e.is_object()).cloned())
    }

    /// Whether the server still has `id` queued or running (`GET /queue`): its history is empty
    /// both before a prompt finishes and for one it never received.
    pub fn queued(&self, id: &str) -> Result<bool, ProviderError> {
        let r = self
            .client
            .send("GET", &self.url("/queue"), &[], None, None)?;
        if r.status != 200 {
            return Err(error(&r));
        }
        let v: Value = serde_json::from_slice(&r.body)
            .map_err(|e| ProviderError::Transient(format!("malformed queue: not JSON ({e})")))?;
        // Each entry is [number, prompt_id, graph, extra_data, outputs_to_execute].
        Ok(["queue_running", "queue_pending"].iter().any(|k| {
            v[*k]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| e[1].as_str() == Some(id))
        }))
    }

    /// Fetches an output image through `/view`.
    pub fn view(&self, image: &Value) -> Result<Vec<u8>, ProviderError> {
        let s = |k: &str| image[k].as_str().unwrap_or("").to_string();
        let path = format!(
            "/view?filename={}&subfolder={}&type={}",
            query(&s("filename")),
            query(&s("subfolder")),
            query(&if s("type").is_empty() {
                "output".into()
            } else {
                s("type")
            })
        );
        let r = self.client.send("GET", &self.url(&path), &[], None, None)?;
        if r.status != 200 {
            return Err(error(&r));
        }
        Ok(r.body)
    }

    /// A cheap health check: the server's version and devices.
    pub fn ping(&self) -> Result<String, ProviderError> {
        let r = self
            .client
            .send("GET", &self.url("/system_stats"), &[], None, None)?;
        if r.status != 200 {
            return Err(error(&r));
        }
        let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
        Ok(format!(
            "ComfyUI {}, {} device(s)",
            v["system"]["comfyui_version"].as_str().unwrap_or("?"),
            v["devices"].as_array().map_or(0, Vec::len)
        ))
    }
}

/// Reads a finished history entry: an error, or the first saved image.
fn finished(entry: &Value) -> Result<Value, ProviderError> {
    let status = &entry["status"];
    if status["status_str"].as_str() == Some("error") {
        let msg = status["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|m| m[0].as_str() == Some("execution_error"))
            .map(|m| &m[1]);
        let text = msg.map_or_else(
            || "the prompt failed".to_string(),
            |m| {
                format!(
                    "node {} ({}): {} {}",
                    m["node_id"].as_str().unwrap_or("?"),
                    m["node_type"].as_str().unwrap_or("?"),
                    m["exception_type"].as_str().unwrap_or(""),
                    m["exception_message"].as_str().unwrap_or("")
                )
            },
        );
        let lower = text.to_ascii_lowercase();
        return Err(
            if lower.contains("out of memory") || lower.contains("outofmemory") {
                ProviderError::Transient(format!("execution_error: {text}"))
            } else {
                ProviderError::Invalid(format!("execution_error: {text}"))
            },
        );
    }
    // Saved images first, by node id; previews only when nothing was saved.
    let outputs = entry["outputs"].as_object().cloned().unwrap_or_default();
    let mut ids: Vec<&String> = outputs.keys().collect();
    ids.sort();
    let images: Vec<&Value> = ids
        .iter()
        .flat_map(|id| outputs[*id]["images"].as_array().into_iter().flatten())
        .collect();
    images
        .iter()
        .find(|i| i["type"].as_str() == Some("output"))
        .or(images.first())
        .map(|v| (*v).clone())
        .ok_or_else(|| {
            ProviderError::Invalid(
                "the workflow finished without an image; add a SaveImage node".into(),
            )
        })
}

/// ComfyUI's errors: `{"error": {"type", "message"}, "node_errors": {...}}` on a 400, plain
/// text from aiohttp otherwise.
fn error(r: &Reply) -> ProviderError {
    let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    let mut message = match &v["error"] {
        Value::Object(e) => format!(
            "HTTP {} {}: {}",
            r.status,
            e.get("type").and_then(Value::as_str).unwrap_or(""),
            e.get("message").and_then(Value::as_str).unwrap_or("")
        ),
        _ => format!(
            "HTTP {}: {}",
            r.status,
            String::from_utf8_lossy(&r.body[..r.body.len().min(200)]).trim()
        ),
    };
    if let Some(nodes) = v["node_errors"].as_object() {
        for (id, n) in nodes {
            for e in n["errors"].as_array().into_iter().flatten() {
                message.push_str(&format!(
                    "; node {id} ({}): {} {}",
                    n["class_type"].as_str().unwrap_or("?"),
                    e["message"].as_str().unwrap_or(""),
                    e["details"].as_str().unwrap_or("")
                ));
            }
        }
    }
    match r.status {
        400 | 404 | 413 => ProviderError::Invalid(message),
        _ => crate::http::class_of_status(r.status, message, r.retry_after),
    }
}

impl Provider for ComfyUi {
    fn name(&self) -> &str {
        &self.name
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            edit: self.workflow.takes_image(),
            ..darkroom_core::catalog::capabilities(darkroom_core::ProviderKind::ComfyUi, "")
        }
    }

    fn price(&self, req: &Request) -> Cost {
        darkroom_core::catalog::quote(darkroom_core::ProviderKind::ComfyUi, "", req).cost
    }

    /// The seed set in the workflow (ComfyUI takes the whole 64 bits); its steps, sampler
    /// and CFG are the workflow's own, not darkroom's to report.
    fn infotext(&self, req: &Request) -> Vec<(String, String)> {
        vec![("Seed".into(), req.seed.to_string())]
    }

    fn generate(&self, req: &Request) -> Result<Generated, ProviderError> {
        self.send(req, None, &|_| {})
    }

    /// ComfyUI takes the client's `prompt_id` and finds a prompt by it in `/history` and
    /// `/queue`: a resume asks for the result instead of queueing the graph again.
    fn handles(&self) -> bool {
        true
    }

    fn generate_as(
        &self,
        req: &Request,
        handle: &str,
        note: &(dyn Fn(&str) + Sync),
    ) -> Result<Generated, ProviderError> {
        self.send(req, Some(handle), note)
    }

    fn collect(&self, req: &Request, handle: &str) -> Result<Collected, ProviderError> {
        let start = Instant::now();
        // History, then the queue, then history again: a prompt that finishes between the first
        // two looks is in neither of them, and only a prompt in neither of three is unknown.
        let image = if let Some(entry) = self.history(handle)? {
            finished(&entry)?
        } else if self.queued(handle)? {
            self.wait(handle, start)?
        } else if let Some(entry) = self.history(handle)? {
            finished(&entry)?
        } else {
            return Ok(Collected::Unknown);
        };
        self.fetch(req, handle, &image, start).map(Collected::Image)
    }
}

impl ComfyUi {
    /// Uploads the input image (where the workflow takes one), queues the graph, tells `note`
    /// the server's prompt id when it is not darkroom's, waits and fetches the result.
    fn send(
        &self,
        req: &Request,
        handle: Option<&str>,
        note: &(dyn Fn(&str) + Sync),
    ) -> Result<Generated, ProviderError> {
        let start = Instant::now();
        let reference = req
            .reference
            .as_deref()
            .filter(|_| self.workflow.takes_image());
        let uploaded = reference.map(|r| self.upload(r)).transpose()?;
        let id = self.queue(self.graph(req, uploaded.as_deref()), handle)?;
        if handle != Some(id.as_str()) {
            note(&id);
        }
        let image = self.wait(&id, start)?;
        self.fetch(req, &id, &image, start)
    }

    /// The output image of prompt `id`, fitted to the request.
    fn fetch(
        &self,
        req: &Request,
        id: &str,
        image: &Value,
        start: Instant,
    ) -> Result<Generated, ProviderError> {
        let reference = req
            .reference
            .as_deref()
            .filter(|_| self.workflow.takes_image());
        let img = decode_reply(&self.view(image)?, "comfyui output")?;
        let expected = if self.workflow.slots.contains_key("width") {
            (to8(req.width), to8(req.height))
        } else {
            // The result follows the input image.
            let r = reference
                .map(|r| decode_reply(r, "the input image"))
                .transpose()?;
            r.map_or((img.width, img.height), |r| (r.width, r.height))
        };
        let (png, width, height) = fit_reply(img, expected, (req.width, req.height))?;
        Ok(Generated {
            png,
            width,
            height,
            cost: Cost::default(),
            model_version: Some(format!("comfyui prompt {id}")),
            latency: start.elapsed(),
            notes: vec![("prompt_id".into(), id.to_string())],
            upstream: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T2I: &str = r#"{
      "3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 7, "sampler_name": "euler", "scheduler": "normal", "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
      "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
      "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
      "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
      "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
      "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
      "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "darkroom", "images": ["8", 0]}}
    }"#;

    fn inputs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn declared_inputs_are_patched() {
        let w = Workflow::parse(
            T2I,
            &inputs(&[
                ("prompt", "6.text"),
                ("seed", "3.seed"),
                ("width", "5.width"),
                ("height", "5.height"),
            ]),
        )
        .unwrap();
        let c = ComfyUi::new("box".into(), None, Duration::from_secs(5), w);
        let req = Request {
            prompt: "a red cube".into(),
            seed: 42,
            width: 1021,
            height: 574,
            quality: darkroom_core::Quality::Draft,
            reference: None,
            op: Default::default(),
        };
        let g = c.graph(&req, None);
        assert_eq!(g["6"]["inputs"]["text"], "a red cube");
        assert_eq!(g["3"]["inputs"]["seed"], 42);
        assert_eq!(g["5"]["inputs"]["width"], 1024);
        assert_eq!(g["5"]["inputs"]["height"], 576);
        assert_eq!(
            g["7"]["inputs"]["text"], "",
            "the negative prompt is left alone"
        );
    }

    #[test]
    fn every_bad_input_is_reported_at_once() {
        let errs = Workflow::parse(
            T2I,
            &inputs(&[
                ("prompt", "60.text"),
                ("seed", "3.sed"),
                ("width", "5.width"),
                ("colour", "1.x"),
                ("image", "3.model"),
            ]),
        )
        .unwrap_err();
        let all = errs.join("\n");
        assert!(all.contains("no node `60`"), "{all}");
        assert!(all.contains("has no input `sed`"), "{all}");
        assert!(all.contains("inputs.colour: unknown input"), "{all}");
        assert!(all.contains("is a link"), "{all}");
        assert!(all.contains("both `width` and `height`"), "{all}");
        assert_eq!(errs.len(), 5, "{all}");
        let ui = Workflow::parse(r#"{"nodes": [], "links": []}"#, &inputs(&[])).unwrap_err();
        assert!(ui[0].contains("Save (API)"), "{ui:?}");
        assert!(Workflow::parse("{", &inputs(&[])).unwrap_err()[0].contains("not JSON"));
    }

    #[test]
    fn queries_are_encoded() {
        assert_eq!(query("a b/c.png"), "a%20b%2Fc.png");
    }
}
