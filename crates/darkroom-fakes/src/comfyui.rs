//! The fake ComfyUI server: `/upload/image`, `/prompt` (validating the API-format graph
//! against the schemas of the core nodes a text-to-image or image-to-image workflow uses,
//! answering with ComfyUI's `node_errors`), `/history/{id}` (empty until the job is done),
//! `/view` and `/system_stats`.

use std::collections::HashMap;
use std::time::Instant;

use serde_json::{json, Map, Value};

use crate::{json_answer, png, png_alpha_size, Answer, Fake, Script, Seen};

/// A text-to-image workflow in API format that this fake runs (SDXL: checkpoint, two prompts,
/// an empty latent, KSampler, VAE decode, SaveImage).
pub const COMFY_T2I: &str = r#"{
  "3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
  "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
  "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
  "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
  "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
  "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "darkroom", "images": ["8", 0]}}
}"#;

/// An image-to-image workflow in API format that this fake runs: LoadImage → ImageScale →
/// VAEEncode → KSampler at denoise 0.4 → VAEDecode → SaveImage.
pub const COMFY_I2I: &str = r#"{
  "3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20, "cfg": 7.0, "sampler_name": "euler", "scheduler": "normal", "denoise": 0.4, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["11", 0]}},
  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
  "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "", "clip": ["4", 1]}},
  "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
  "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
  "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "darkroom", "images": ["8", 0]}},
  "10": {"class_type": "LoadImage", "inputs": {"image": "example.png"}},
  "12": {"class_type": "ImageScale", "inputs": {"image": ["10", 0], "upscale_method": "lanczos", "width": 512, "height": 512, "crop": "disabled"}},
  "11": {"class_type": "VAEEncode", "inputs": {"pixels": ["12", 0], "vae": ["4", 2]}}
}"#;

/// Uploads, queued prompts and outputs.
#[derive(Debug, Default)]
pub(crate) struct State {
    uploads: HashMap<String, (u32, u32)>,
    jobs: HashMap<String, Job>,
    outputs: HashMap<String, (u32, u32)>,
    count: u64,
}

#[derive(Debug, Clone)]
struct Job {
    ready_at: Instant,
    polls_left: u32,
    entry: Value,
}

const SAMPLERS: [&str; 6] = [
    "euler",
    "euler_ancestral",
    "dpmpp_2m",
    "dpmpp_sde",
    "ddim",
    "uni_pc",
];
const SCHEDULERS: [&str; 4] = ["normal", "karras", "exponential", "simple"];
const CHECKPOINTS: [&str; 2] = [
    "sd_xl_base_1.0.safetensors",
    "v1-5-pruned-emaonly.safetensors",
];

/// What an input must be: a link, a string (from a list), an integer range (with a step), a
/// number range.
enum Kind {
    Link,
    Text,
    OneOf(&'static [&'static str]),
    Int(u64, u64, u64),
    Num(f64, f64),
    Upload,
}

fn schema(class: &str) -> Option<Vec<(&'static str, Kind)>> {
    use Kind::*;
    Some(match class {
        "CheckpointLoaderSimple" => vec![("ckpt_name", OneOf(&CHECKPOINTS))],
        "CLIPTextEncode" => vec![("text", Text), ("clip", Link)],
        "EmptyLatentImage" => vec![
            ("width", Int(16, 16384, 8)),
            ("height", Int(16, 16384, 8)),
            ("batch_size", Int(1, 4096, 1)),
        ],
        "KSampler" => vec![
            ("model", Link),
            ("positive", Link),
            ("negative", Link),
            ("latent_image", Link),
            ("seed", Int(0, u64::MAX, 1)),
            ("steps", Int(1, 10000, 1)),
            ("cfg", Num(0.0, 100.0)),
            ("sampler_name", OneOf(&SAMPLERS)),
            ("scheduler", OneOf(&SCHEDULERS)),
            ("denoise", Num(0.0, 1.0)),
        ],
        "VAEDecode" => vec![("samples", Link), ("vae", Link)],
        "VAEEncode" => vec![("pixels", Link), ("vae", Link)],
        "LoadImage" => vec![("image", Upload)],
        "ImageScale" => vec![
            ("image", Link),
            (
                "upscale_method",
                OneOf(&["nearest-exact", "bilinear", "area", "bicubic", "lanczos"]),
            ),
            ("width", Int(0, 16384, 1)),
            ("height", Int(0, 16384, 1)),
            ("crop", OneOf(&["disabled", "center"])),
        ],
        "SaveImage" => vec![("images", Link), ("filename_prefix", Text)],
        _ => return None,
    })
}

fn node_error(kind: &str, message: String, input: &str) -> Value {
    json!({"type": kind, "message": message, "details": input, "extra_info": {"input_name": input}})
}

impl Fake {
    pub(crate) fn comfyui_answer(&self, s: &mut Seen) -> Answer {
        let (path, q) = s.path.split_once('?').unwrap_or((s.path.as_str(), ""));
        let (path, q) = (path.to_string(), q.to_string());
        // Every route is also served under /api.
        let path = path.strip_prefix("/api").unwrap_or(&path).to_string();
        match (s.method.as_str(), path.as_str()) {
            ("GET", "/system_stats") => json_answer(
                200,
                json!({"system": {"os": "posix", "comfyui_version": "0.3.43", "python_version": "3.12.3", "embedded_python": false},
                       "devices": [{"name": "cuda:0 NVIDIA GeForce RTX 4090", "type": "cuda", "index": 0, "vram_total": 25386352640u64, "vram_free": 24000000000u64}]}),
            ),
            ("POST", "/upload/image") => self.comfy_upload(s),
            ("POST", "/prompt") => self.comfy_prompt(s),
            ("GET", "/view") => self.comfy_view(s, &q),
            ("GET", "/queue") => {
                // Jobs not finished yet: the first running, the others pending, each as
                // [number, prompt_id, graph, extra_data, outputs_to_execute].
                let st = self.comfy.lock().unwrap();
                let now = Instant::now();
                let mut open: Vec<(&String, &Job)> =
                    st.jobs.iter().filter(|(_, j)| j.ready_at > now).collect();
                open.sort_by_key(|(_, j)| j.entry["prompt"][0].as_u64());
                let entry = |(id, j): &(&String, &Job)| {
                    json!([
                        j.entry["prompt"][0],
                        id,
                        j.entry["prompt"][2],
                        j.entry["prompt"][3],
                        j.entry["prompt"][4]
                    ])
                };
                let running: Vec<Value> = open.iter().take(1).map(entry).collect();
                let pending: Vec<Value> = open.iter().skip(1).map(entry).collect();
                json_answer(
                    200,
                    json!({"queue_running": running, "queue_pending": pending}),
                )
            }
            ("GET", p) if p.starts_with("/history/") => {
                let id = p.trim_start_matches("/history/").to_string();
                let mut st = self.comfy.lock().unwrap();
                let Some(job) = st.jobs.get_mut(&id) else {
                    return json_answer(200, json!({}));
                };
                if job.polls_left > 0 || Instant::now() < job.ready_at {
                    job.polls_left = job.polls_left.saturating_sub(1);
                    return json_answer(200, json!({}));
                }
                json_answer(200, json!({ id: job.entry.clone() }))
            }
            _ => {
                s.verdict = Err(format!("unknown route {} {}", s.method, s.path));
                Answer {
                    status: 404,
                    headers: vec![("Content-Type".into(), "text/plain".into())],
                    body: b"404: Not Found".to_vec(),
                    delay: None,
                }
            }
        }
    }

    fn comfy_upload(&self, s: &mut Seen) -> Answer {
        let bad = |s: &mut Seen, why: String| {
            s.verdict = Err(why.clone());
            Answer {
                status: 400,
                headers: vec![],
                body: why.into_bytes(),
                delay: None,
            }
        };
        let parts = match s.multipart() {
            Ok(p) => p,
            Err(why) => return bad(s, why),
        };
        for p in &parts {
            if !["image", "type", "subfolder", "overwrite"].contains(&p.0.as_str()) {
                return bad(s, format!("upload: unknown part `{}`", p.0));
            }
        }
        let Some(img) = parts.iter().find(|p| p.0 == "image" && p.1.is_some()) else {
            return bad(s, "upload: no `image` file part".into());
        };
        let Some((w, h, _)) = png_alpha_size(&img.2) else {
            return bad(s, "upload: the image is not a PNG".into());
        };
        let kind = parts
            .iter()
            .find(|p| p.0 == "type")
            .map_or("input".to_string(), |p| {
                String::from_utf8_lossy(&p.2).into_owned()
            });
        if !["input", "temp", "output"].contains(&kind.as_str()) {
            return bad(
                s,
                format!("upload: type `{kind}` is not input, temp or output"),
            );
        }
        let name = img.1.clone().unwrap_or_default();
        self.comfy
            .lock()
            .unwrap()
            .uploads
            .insert(name.clone(), (w, h));
        json_answer(200, json!({"name": name, "subfolder": "", "type": kind}))
    }

    fn comfy_view(&self, s: &mut Seen, q: &str) -> Answer {
        let mut args = HashMap::new();
        for kv in q.split('&') {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            args.insert(k.to_string(), decode(v));
        }
        let name = args.get("filename").cloned().unwrap_or_default();
        let kind = args.get("type").cloned().unwrap_or_else(|| "output".into());
        let st = self.comfy.lock().unwrap();
        match (kind.as_str(), st.outputs.get(&name)) {
            ("output", Some(&(w, h))) => Answer {
                status: 200,
                headers: vec![("Content-Type".into(), "image/png".into())],
                body: png(w, h),
                delay: None,
            },
            _ => {
                s.verdict = Err(format!("no output file `{name}` of type `{kind}`"));
                Answer {
                    status: 404,
                    headers: vec![],
                    body: b"404: Not Found".to_vec(),
                    delay: None,
                }
            }
        }
    }

    #[expect(
        clippy::too_many_lines,
        reason = "the vendor's documented request checks for one endpoint, in the order its documentation gives them"
    )]
    fn comfy_prompt(&self, s: &mut Seen) -> Answer {
        let invalid = |s: &mut Seen, kind: &str, message: String, node_errors: Value| {
            s.verdict = Err(format!("{kind}: {message} {node_errors}"));
            json_answer(
                400,
                json!({"error": {"type": kind, "message": message, "details": "", "extra_info": {}}, "node_errors": node_errors}),
            )
        };
        let v: Value = match serde_json::from_slice(&s.body) {
            Ok(v) => v,
            Err(e) => {
                s.verdict = Err(format!("not JSON: {e}"));
                return Answer {
                    status: 500,
                    headers: vec![],
                    body: b"500 Internal Server Error".to_vec(),
                    delay: None,
                };
            }
        };
        for k in v
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<String>>())
            .unwrap_or_default()
        {
            if ![
                "prompt",
                "client_id",
                "extra_data",
                "front",
                "number",
                "prompt_id",
                "partial_execution_targets",
            ]
            .contains(&k.as_str())
            {
                return invalid(
                    s,
                    "invalid_prompt",
                    format!("unknown field `{k}`"),
                    json!({}),
                );
            }
        }
        let Some(graph) = v["prompt"].as_object().cloned() else {
            return invalid(
                s,
                "invalid_prompt",
                "`prompt` must be an object of nodes".into(),
                json!({}),
            );
        };
        let uploads = self.comfy.lock().unwrap().uploads.clone();
        let mut node_errors = Map::new();
        let mut saves = Vec::new();
        let mut ids: Vec<&String> = graph.keys().collect();
        ids.sort();
        for id in ids {
            let node = &graph[id];
            let class = node["class_type"].as_str().unwrap_or("");
            let Some(schema) = schema(class) else {
                return invalid(
                    s,
                    "invalid_prompt",
                    format!("Cannot execute because node {class} does not exist."),
                    json!({}),
                );
            };
            if class == "SaveImage" {
                saves.push(id.clone());
            }
            let inputs = &node["inputs"];
            let mut errs = Vec::new();
            if let Some(o) = inputs.as_object() {
                for k in o.keys() {
                    if !schema.iter().any(|x| x.0 == k) {
                        errs.push(node_error(
                            "unknown_input",
                            format!("{k} is not an input of {class}"),
                            k,
                        ));
                    }
                }
            }
            for (name, kind) in &schema {
                let x = &inputs[*name];
                if x.is_null() {
                    errs.push(node_error(
                        "required_input_missing",
                        "Required input is missing".into(),
                        name,
                    ));
                    continue;
                }
                let ok = match kind {
                    Kind::Link => x.as_array().is_some_and(|a| {
                        a.len() == 2
                            && a[0].as_str().is_some_and(|src| graph.contains_key(src))
                            && a[1].is_u64()
                    }),
                    Kind::Text => x.is_string(),
                    Kind::OneOf(list) => x.as_str().is_some_and(|t| list.contains(&t)),
                    Kind::Int(lo, hi, step) => x
                        .as_u64()
                        .is_some_and(|n| n >= *lo && n <= *hi && n % step == 0),
                    Kind::Num(lo, hi) => x.as_f64().is_some_and(|n| n >= *lo && n <= *hi),
                    Kind::Upload => x.as_str().is_some_and(|t| uploads.contains_key(t)),
                };
                if !ok {
                    let kind_name = match kind {
                        Kind::OneOf(_) | Kind::Upload => "value_not_in_list",
                        Kind::Link => "bad_linked_input",
                        _ => "invalid_input_type",
                    };
                    errs.push(node_error(
                        kind_name,
                        format!("Value not valid: {name} = {x}"),
                        name,
                    ));
                }
            }
            if !errs.is_empty() {
                node_errors.insert(
                    id.clone(),
                    json!({"errors": errs, "dependent_outputs": [], "class_type": class}),
                );
            }
        }
        if saves.is_empty() {
            return invalid(
                s,
                "prompt_no_outputs",
                "Prompt has no outputs".into(),
                json!({}),
            );
        }
        if !node_errors.is_empty() {
            return invalid(
                s,
                "prompt_outputs_failed_validation",
                "Prompt outputs failed validation".into(),
                Value::Object(node_errors),
            );
        }
        // The output's size follows the graph: a latent's size, a scale's, an upload's.
        fn size(
            g: &Map<String, Value>,
            id: &str,
            up: &HashMap<String, (u32, u32)>,
            depth: u32,
        ) -> Option<(u32, u32)> {
            let n = g.get(id)?;
            let i = &n["inputs"];
            let dims = || Some((i["width"].as_u64()? as u32, i["height"].as_u64()? as u32));
            let via = |k: &str| size(g, i[k][0].as_str()?, up, depth + 1);
            if depth > 32 {
                return None;
            }
            match n["class_type"].as_str()? {
                "EmptyLatentImage" | "ImageScale" => dims(),
                "LoadImage" => up.get(i["image"].as_str()?).copied(),
                "VAEEncode" => via("pixels"),
                "KSampler" => via("latent_image"),
                "VAEDecode" => via("samples"),
                "SaveImage" => via("images"),
                _ => None,
            }
        }
        let save = saves[0].clone();
        let Some((w, h)) = size(&graph, &save, &uploads, 0) else {
            return invalid(
                s,
                "invalid_prompt",
                "cannot trace the output's size".into(),
                json!({}),
            );
        };
        // A client's own prompt_id must be a UUID (newer servers); it names the job.
        let given = match &v["prompt_id"] {
            Value::Null => None,
            Value::String(id) if is_uuid(id) => Some(id.clone()),
            other => {
                return invalid(
                    s,
                    "invalid_prompt",
                    format!("Invalid prompt_id: {other} is not a UUID"),
                    json!({}),
                )
            }
        };
        let client_id = v["client_id"].as_str().unwrap_or("").to_string();
        let mut st = self.comfy.lock().unwrap();
        st.count += 1;
        let n = st.count;
        let id = given.unwrap_or_else(|| format!("{:08x}-0000-4000-8000-{:012x}", n as u32, n));
        let file = format!("darkroom_{n:05}_.png");
        let mut ready_at = Instant::now();
        let (mut ow, mut oh) = (w, h);
        let mut status = json!({"status_str": "success", "completed": true, "messages": [
            ["execution_start", {"prompt_id": id, "timestamp": 1}],
            ["execution_success", {"prompt_id": id, "timestamp": 2}]]});
        match self.next() {
            Script::Ok
            | Script::AnswerNo
            | Script::AnswerNoAbout(_)
            | Script::RateLimited(_)
            | Script::Quota
            | Script::Refuse(_) => {}
            Script::Slow(d) => ready_at += d,
            Script::WrongSize => (ow, oh) = (512, 512),
            Script::NodeError => {
                status = json!({"status_str": "error", "completed": false, "messages": [
                    ["execution_start", {"prompt_id": id, "timestamp": 1}],
                    ["execution_error", {"prompt_id": id, "node_id": "3", "node_type": "KSampler", "executed": [],
                        "exception_message": "Allocation on device 0 would exceed allowed memory. (out of memory)",
                        "exception_type": "torch.OutOfMemoryError", "traceback": ["..."], "current_inputs": {}, "current_outputs": []}]]});
            }
            Script::ServerError => {
                return Answer {
                    status: 500,
                    headers: vec![("Content-Type".into(), "text/plain".into())],
                    body: b"500 Internal Server Error\n\nServer got itself in trouble".to_vec(),
                    delay: None,
                }
            }
            Script::Malformed => {
                return Answer {
                    status: 200,
                    headers: vec![("Content-Type".into(), "text/html".into())],
                    body: b"<html><body>ComfyUI</body></html>".to_vec(),
                    delay: None,
                }
            }
        }
        st.outputs.insert(file.clone(), (ow, oh));
        let outputs = if status["status_str"] == "success" {
            json!({ save.clone(): {"images": [{"filename": file, "subfolder": "", "type": "output"}]} })
        } else {
            json!({})
        };
        let entry = json!({
            "prompt": [n, id, Value::Object(graph), {"client_id": client_id}, [save]],
            "outputs": outputs,
            "status": status,
            "meta": {}
        });
        st.jobs.insert(
            id.clone(),
            Job {
                ready_at,
                polls_left: 1,
                entry,
            },
        );
        json_answer(
            200,
            json!({"prompt_id": id, "number": n, "node_errors": {}}),
        )
    }
}

/// Whether `s` is a UUID in its usual text form (8-4-4-4-12 hex digits).
fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Decodes `%XX` escapes (and `+` as a space) of a query value.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(x) => out.push(x),
                    Err(_) => out.extend_from_slice(&b[i..i + 3]),
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
