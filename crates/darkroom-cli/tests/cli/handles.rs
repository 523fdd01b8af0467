//! Vendor handles (issue 28 item 8): a call to a vendor that finds calls by a handle (ComfyUI's
//! `prompt_id`) is sent under one recorded with its reservation, so a run killed with calls in
//! flight resumes by asking the vendor for them instead of queueing them again.

use super::*;

/// `darkroom run` against a fake ComfyUI whose jobs take a while, SIGKILLed five times at
/// moments set by the vendor's progress, then run to the end: the vendor queued no graph twice
/// (every prompt_id and every prompt/seed once), every shot is delivered, and `status` counts
/// the calls the kills interrupted.
#[cfg(unix)]
#[test]
fn a_run_killed_five_times_queues_no_comfyui_prompt_twice() {
    use darkroom_fakes::{Fake, Script};
    let comfy = Fake::comfyui();
    comfy.push(std::iter::repeat_n(
        Script::Slow(std::time::Duration::from_millis(300)),
        400,
    ));
    let d = scratch("handles-comfy-kill");
    std::fs::create_dir_all(d.join("workflows")).unwrap();
    std::fs::write(d.join("workflows/t2i_api.json"), darkroom_fakes::COMFY_T2I).unwrap();
    let mut c = format!(
        "[campaign]\nname = \"kill\"\noutput = \"out\"\n\
         [providers.box]\nkind = \"comfyui\"\nbase_url = \"{}\"\nworkflow = \"workflows/t2i_api.json\"\n\
         inputs = {{ prompt = \"6.text\", seed = \"3.seed\", width = \"5.width\", height = \"5.height\" }}\nconcurrency = 4\ntimeout = 30\n\
         [tiers.draft]\nprovider = \"box\"\nsize = \"512\"\nvariants = 3\n\
         [tiers.finish]\nprovider = \"box\"\nsize = \"768\"\nkeep = 1\n\
         [gates]\nadherence = 0.0\n[budget]\nmax_rounds = 1\n",
        comfy.url
    );
    for (i, thing) in ["red sphere", "blue cube", "green cone", "yellow bottle"]
        .iter()
        .cycle()
        .take(8)
        .enumerate()
    {
        c.push_str(&format!(
            "[[shots]]\nid = \"s{i}\"\nprompt = \"a {thing}\"\ndeliver = [\"1:1\"]\n"
        ));
    }
    std::fs::write(d.join("c.toml"), c).unwrap();
    let posted = || comfy.seen().iter().filter(|s| s.path == "/prompt").count();
    let mut state: u64 = 0x00C0_FFEE;
    for kill in 0..5 {
        let mut run = bin()
            .current_dir(&d)
            .args(["run", "c.toml"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Killed once the vendor has taken 1–4 more prompts: mid-batch, with calls queued.
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let at = posted() + 1 + (state >> 33) as usize % 4;
        let start = std::time::Instant::now();
        while posted() < at {
            assert!(
                run.try_wait().unwrap().is_none(),
                "run {kill} ended before it was killed"
            );
            assert!(
                start.elapsed().as_secs() < 120,
                "run {kill} never got going"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        run.kill().unwrap();
        run.wait().unwrap();
    }
    let (code, _, err) = go(&d, &["run", "c.toml"]);
    assert_eq!(code, 0, "{err}");
    let bodies: Vec<serde_json::Value> = comfy
        .seen()
        .iter()
        .filter(|s| s.path == "/prompt")
        .map(|s| serde_json::from_slice(&s.body).unwrap())
        .collect();
    let mut ids = std::collections::HashMap::<String, u32>::new();
    let mut graphs = std::collections::HashMap::<String, u32>::new();
    for b in &bodies {
        *ids.entry(b["prompt_id"].as_str().unwrap().to_string())
            .or_default() += 1;
        let g = &b["prompt"];
        let key = format!(
            "{}|{}|{}",
            g["6"]["inputs"]["text"], g["3"]["inputs"]["seed"], g["5"]["inputs"]["width"]
        );
        *graphs.entry(key).or_default() += 1;
    }
    let twice: Vec<_> = graphs.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "queued more than once: {twice:?}");
    assert!(ids.values().all(|n| *n == 1), "{ids:?}");
    assert_eq!(
        bodies.len(),
        8 * 3 + 8,
        "every draft and finish queued once"
    );
    // A connection the kill cut before its request line reached the fake shows as an empty
    // request; anything else rejected is a request the vendor would refuse.
    let rejected: Vec<String> = comfy
        .rejected()
        .into_iter()
        .filter(|r| r.trim() != "unknown route")
        .collect();
    assert!(rejected.is_empty(), "{rejected:?}");
    let v = status_json(&d, "c.toml");
    let cut: u64 = v["interrupted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["calls"].as_u64().unwrap())
        .sum();
    assert!(cut >= 5, "each kill left a call in flight: {v}");
    assert!(
        v["shots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "delivered"),
        "{v}"
    );
}
