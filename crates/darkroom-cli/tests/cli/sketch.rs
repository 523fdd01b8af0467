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
