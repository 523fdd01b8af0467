//! `darkroom sketch`: the offline renderer on one prompt.

use super::*;

#[test]
fn sketch_writes_the_requested_png_with_its_parameters() {
    let d = scratch("sketch_ok");
    let f = d.join("hero.png");
    let p = "a red sphere on a glass table to the left of a blue cube, cinematic lighting";
    let (code, out) = run(
        &[
            "sketch",
            p,
            "-o",
            f.to_str().unwrap(),
            "--size",
            "320",
            "--aspect",
            "16:9",
            "--seed",
            "3",
        ],
        Some(&d),
    );
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!(out);
    let img = darkroom_imageops::read_png(&f, 1 << 24).unwrap();
    assert_eq!((img.width, img.height), (320, 180));
    assert!(img.text.contains(&("prompt".into(), p.into())));
    assert!(img.text.contains(&("seed".into(), "3".into())));
    // The same command writes the same bytes.
    let first = std::fs::read(&f).unwrap();
    run(
        &[
            "sketch",
            p,
            "-o",
            f.to_str().unwrap(),
            "--size",
            "320",
            "--aspect",
            "16:9",
            "--seed",
            "3",
        ],
        Some(&d),
    );
    assert_eq!(first, std::fs::read(&f).unwrap());
    // Exact sizes and the finish tier work too.
    let g = d.join("finish.png");
    let (code, _) = run(
        &[
            "sketch",
            p,
            "-o",
            g.to_str().unwrap(),
            "--size",
            "200x100",
            "--quality",
            "finish",
        ],
        Some(&d),
    );
    assert_eq!(code, 0);
    let img = darkroom_imageops::read_png(&g, 1 << 24).unwrap();
    assert_eq!((img.width, img.height), (200, 100));
}

/// Three multi-object prompts with settings, rendered into `target/test-output/screenshots/`:
/// each setting is an environment (its ground's colour), not one more labelled box, and the
/// stand-in labels are bare text, never a light plate a judge would take for a white object.
#[test]
fn multi_object_prompts_render_their_settings_as_environments() {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-output/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    // (file, prompt, the setting, a test of the ground's colour)
    type Ground = fn([u8; 3]) -> bool;
    let cases: [(&str, &str, &str, Ground); 3] = [
        (
            "sketch-meadow.png",
            "three golden retrievers in a sunlit meadow",
            "meadow",
            |p| p[1] > p[0] + 20 && p[1] > p[2] + 20,
        ),
        (
            "sketch-beach.png",
            "a red umbrella next to a blue chair on a sunny beach",
            "beach",
            |p| p[0] > p[2] + 30 && p[0] > 150,
        ),
        (
            "sketch-living-room.png",
            "a white cat and a black dog on a sofa in a living room",
            "living room",
            |p| p[0] > p[1] && p[1] > p[2] && p[0] > p[2] + 60,
        ),
    ];
    for (file, prompt, setting, ground) in cases {
        let v: serde_json::Value = serde_json::from_slice(
            &bin()
                .args(["parse", prompt, "--json"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        assert_eq!(v["setting"], serde_json::json!([setting]), "{prompt}: {v}");
        // The setting is an entity of kind `setting` (judged as present), never an object.
        let kinds: Vec<(&str, &str)> = v["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["noun"].as_str().unwrap(), e["kind"].as_str().unwrap()))
            .collect();
        assert!(
            kinds
                .iter()
                .all(|&(n, k)| !setting.ends_with(n) || k == "setting"),
            "{prompt}: the setting is not an object: {kinds:?}"
        );
        let out = dir.join(file);
        let o = bin()
            .args(["sketch", prompt, "--size", "512", "--force", "-o"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let img = darkroom_imageops::read_png(&out, 1 << 22).unwrap();
        // The ground near the bottom corners.
        let at = |x: u32, y: u32| {
            let i = ((y * img.width + x) * 3) as usize;
            [img.rgb[i], img.rgb[i + 1], img.rgb[i + 2]]
        };
        for x in [20, img.width - 20] {
            let p = at(x, img.height - 20);
            assert!(ground(p), "{prompt}: ground at ({x}, bottom) is {p:?}");
        }
        // No label plate: no run of 30 near-white pixels in a row outside white objects' prompts.
        if !prompt.contains("white") {
            let w = img.width as usize;
            let plate = img.rgb.chunks(3).collect::<Vec<_>>().chunks(w).any(|row| {
                row.windows(30)
                    .any(|px| px.iter().all(|p| p.iter().all(|&c| c >= 0xF0)))
            });
            assert!(!plate, "{prompt}: a light label plate");
        }
    }
}
