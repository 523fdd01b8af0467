//! Campaign loading, validation (every problem at once, with positions) and planning.

use darkroom_campaign::plan::{plan, Estimate};
use darkroom_campaign::{load, ProviderKind};

const EXAMPLE: &str = include_str!("../../../examples/spring-launch.toml");

#[test]
fn the_example_campaign_validates_and_expands_its_templates() {
    let c = load(EXAMPLE, "spring-launch.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.name, "spring-launch");
    let ids: Vec<&str> = c.shots.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "hero",
            "bottle-0047ab",
            "bottle-yellow",
            "bottle-matte-black"
        ]
    );
    assert_eq!(
        c.shots[2].prompt,
        "a yellow bottle on a #1A1A1A pedestal on a #F4F1EA background, soft light from the left"
    );
    assert_eq!(c.shots[0].deliver.len(), 3);
    assert_eq!(c.providers["local"].kind, ProviderKind::Sketch);
    assert_eq!(c.brand.as_ref().unwrap().colors.len(), 3);
}

#[test]
fn plans_are_deterministic_and_ids_depend_on_what_matters() {
    let c = load(EXAMPLE, "x").unwrap();
    let (a, b) = (plan(&c), plan(&c));
    assert_eq!(a, b);
    assert_eq!(a.attempts.len(), 4 * 8);
    let mut ids: Vec<&str> = a.attempts.iter().map(|x| x.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 32, "ids are unique");
    assert_eq!(a.estimate.deliverables, 2 * 3 + 3 * 2);
    // Finals are finished (2 + 1 + 1 + 1); spares up to keep = 2 only in the worst case.
    assert_eq!(a.estimate.finish_calls, 5);
    assert_eq!(a.estimate.finish_calls_worst, 2 * 4);
    assert_eq!(a.estimate.money_expected, 0.0, "sketch is free");
    // The expected spend at a draft pass rate: all pass → the first-round figure; none pass →
    // every round drafted, nothing finished; in between, the geometric number of rounds.
    let e = Estimate {
        draft_round_money: 1.0,
        finish_money: 2.0,
        max_rounds: 3,
        money_expected: 3.0,
        ..a.estimate.clone()
    };
    assert!((e.expected_at(1.0, 4) - 3.0).abs() < 1e-12);
    assert!((e.expected_at(0.0, 4) - 3.0 * 1.0).abs() < 1e-12);
    // p = 0.5, 1 variant: q = 0.5 → rounds 1 + 0.5 + 0.25, reached 1 − 0.125.
    assert!((e.expected_at(0.5, 1) - (1.75 + 2.0 * 0.875)).abs() < 1e-12);
    // The hero's draft is 16:9 at a 512 long side.
    assert_eq!((a.attempts[0].width, a.attempts[0].height), (512, 288));
    // Changing the prompt changes the ids; changing the campaign's comments does not.
    let other = load(&EXAMPLE.replace("soft lighting", "cinematic lighting"), "x").unwrap();
    assert_ne!(plan(&other).attempts[0].id, a.attempts[0].id);
    let commented = load(
        &EXAMPLE.replace("# darkroom example", "# a comment\n# darkroom example"),
        "x",
    )
    .unwrap();
    assert_eq!(plan(&commented).attempts, a.attempts);
}

#[test]
fn five_mistakes_are_all_reported_with_line_and_column() {
    let text = r#"[campaign]
name = "x"

[providers.local]
kind = "skecth"

[tiers.draft]
provider = "lcoal"
size = "0"
[tiers.finish]
provider = "local"
varints = 3

[[shots]]
id = "a"
prompt = "a red sphere"
deliver = ["0:9"]
"#;
    let e = load(text, "bad.toml").unwrap_err();
    let lines: Vec<String> = e.to_string().lines().map(String::from).collect();
    assert_eq!(lines.len(), 5, "{e}");
    assert_eq!(lines[0], "bad.toml:5:8: providers.local.kind: unknown provider kind `skecth`; accepted: sketch, sim, gemini, openai, stability, comfyui, a1111; did you mean `sketch`?");
    assert!(lines[1].starts_with("bad.toml:8:12: tiers.draft.provider: no provider named `lcoal`; defined: local; did you mean `local`?"), "{}", lines[1]);
    assert!(
        lines[2].starts_with("bad.toml:9:8: tiers.draft.size: invalid size `0`"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("bad.toml:12:1: tiers.finish.varints: unknown key `varints`")
            && lines[3].ends_with("did you mean `variants`?"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].starts_with("bad.toml:17:12: shots[0].deliver[0]: invalid aspect ratio `0:9`"),
        "{}",
        lines[4]
    );
}

#[test]
fn other_problems_are_named() {
    for (text, want) in [
        (
            "[campaign]\nname = \"x\"\n[[shots]]\nid = \"a\"\nprompt = \"\"\n",
            "the prompt is empty",
        ),
        ("[campaign]\nname = 1\n", "campaign.name: expected a string"),
        (
            "[campaign]\nname = \"x\"\ncolour = 2\n",
            "unknown key `colour`",
        ),
        ("[campaign\nname = \"x\"\n", "(syntax)"),
        (
            "[campaign]\nname = \"x\"\n[budget]\nmoney = \"five\"\n",
            "accepted like \"5.00 USD\"",
        ),
        (
            "[campaign]\nname = \"x\"\n[[shots]]\nid = \"s-{c}\"\nprompt = \"a {c} cube\"\n",
            "placeholder `{c}` has no entry in `vars`",
        ),
        (
            "[campaign]\nname = \"x\"\n[brand]\npalette = [\"#12\"]\n",
            "brand.palette[0]: invalid colour `#12`",
        ),
        ("", "missing [campaign]"),
    ] {
        let e = load(text, "f.toml").unwrap_err().to_string();
        assert!(e.contains(want), "{text:?}: {e}");
        assert!(e.starts_with("f.toml:"), "{e}");
    }
}

#[test]
fn gemini_flash_image_is_1k_only_and_missing_keys_are_named() {
    let text = "[campaign]\nname = \"g\"\noutput = \"out\"\n\
        [providers.nano]\nkind = \"gemini\"\n\
        [providers.pro]\nkind = \"gemini\"\nmodel = \"gemini-3-pro-image\"\napi_key_env = \"MY_PRO_KEY\"\n\
        [tiers.draft]\nprovider = \"nano\"\nsize = \"2K\"\n\
        [tiers.finish]\nprovider = \"pro\"\nsize = \"4K\"\n\
        [[shots]]\nid = \"a\"\nprompt = \"a cube\"\n";
    let e = darkroom_campaign::load(text, "g.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("g.toml:12:8: tiers.draft.size: `gemini-2.5-flash-image` makes 1K images only"),
        "{e}"
    );
    assert_eq!(
        e.matches("1K images only").count(),
        1,
        "the Pro model may ask for 4K: {e}"
    );
    let ok =
        darkroom_campaign::load(&text.replace("size = \"2K\"", "size = \"1K\""), "g.toml").unwrap();
    let missing =
        darkroom_campaign::missing_keys(&ok, |v| (v == "MY_PRO_KEY").then(|| "k".to_string()));
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(
        missing[0].contains("providers.nano") && missing[0].contains("`GEMINI_API_KEY`"),
        "{missing:?}"
    );
    assert!(darkroom_campaign::missing_keys(&ok, |_| Some("k".into())).is_empty());
}

#[test]
fn the_vision_judge_must_name_a_gemini_or_openai_provider() {
    let base = "[campaign]\nname = \"v\"\noutput = \"out\"\n[providers.local]\nkind = \"sketch\"\n[providers.eyes]\nkind = \"openai\"\nmodel = \"gpt-4.1-mini\"\n[tiers.draft]\nprovider = \"local\"\n[tiers.finish]\nprovider = \"local\"\n[[shots]]\nid = \"a\"\nprompt = \"a cube\"\n";
    let ok =
        darkroom_campaign::load(&format!("{base}[judges]\nvision = \"eyes\"\n"), "v.toml").unwrap();
    assert_eq!(ok.vision.as_deref(), Some("eyes"));
    // The vision provider is used, so its key is required.
    assert_eq!(darkroom_campaign::missing_keys(&ok, |_| None).len(), 1);
    let e = darkroom_campaign::load(
        &format!("{base}[judges]\nvision = \"local\"\nvoice = 1\n"),
        "v.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("judges.vision: provider `local` is a `sketch`"),
        "{e}"
    );
    assert!(e.contains("judges.voice"), "unknown keys too: {e}");
}

#[test]
fn stability_models_comfyui_workflows_and_prices_are_checked() {
    let text = "[campaign]\nname = \"s\"\noutput = \"out\"\n\
        [providers.stab]\nkind = \"stability\"\nmodel = \"ultar\"\nworkflow = \"w.json\"\n\
        [providers.box]\nkind = \"comfyui\"\n\
        [providers.ok]\nkind = \"comfyui\"\nworkflow = \"flows/t2i_api.json\"\ninputs = { prompt = \"6.text\", seed = \"3.seed\" }\nprices = { \"1K\" = 0.01, image = 0.02 }\n\
        [tiers.draft]\nprovider = \"stab\"\n\
        [tiers.finish]\nprovider = \"box\"\n\
        [[shots]]\nid = \"a\"\nprompt = \"a cube\"\n";
    let e = darkroom_campaign::load(text, "dir/s.toml")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("dir/s.toml:6:9: providers.stab.model: unknown Stability model `ultar`; accepted: core, ultra, sd3.5, sd3.5-large, sd3.5-large-turbo, sd3.5-medium, sd3.5-flash; did you mean `ultra`?"),
        "{e}"
    );
    assert!(
        e.contains("dir/s.toml:7:12: providers.stab.workflow: only a comfyui provider takes a workflow and inputs"),
        "{e}"
    );
    assert!(
        e.contains("dir/s.toml:8:12: providers.box: a comfyui provider needs `workflow`"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 3, "{e}");
    let fixed = text
        .replace(
            "model = \"ultar\"\nworkflow = \"w.json\"\n",
            "model = \"ultra\"\n",
        )
        .replace(
            "[tiers.finish]\nprovider = \"box\"",
            "[tiers.finish]\nprovider = \"ok\"",
        )
        .replace("[providers.box]\nkind = \"comfyui\"\n", "");
    let c = darkroom_campaign::load(&fixed, "dir/s.toml").unwrap_or_else(|e| panic!("{e}"));
    let ok = &c.providers["ok"];
    // Resolved against the campaign's folder; nothing was read.
    assert_eq!(
        ok.workflow.as_deref(),
        Some(std::path::Path::new("dir/flows/t2i_api.json"))
    );
    assert_eq!(ok.inputs["seed"], "3.seed");
    let p = ok.prices.unwrap();
    assert_eq!(
        (p.usd(1024, 576), p.usd(2048, 2048)),
        (Some(0.01), Some(0.02))
    );
    assert_eq!(c.providers["stab"].model_or_default(), Some("ultra"));
}
