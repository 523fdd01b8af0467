//! Prints the regions the layout judge sees in a sketch render of a prompt (a development aid).
use darkroom_core::judge::ImageRef;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let scene = darkroom_prompt::parse(&a[1]).unwrap();
    let seed: u64 = a.get(2).map_or(1, |s| s.parse().unwrap());
    let q = a
        .get(3)
        .map_or(darkroom_core::Quality::Draft, |s| s.parse().unwrap());
    let img = darkroom_sketch::render(
        &scene,
        &darkroom_sketch::Options {
            width: std::env::var("SIZE")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(384),
            height: std::env::var("SIZE")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(384),
            seed,
            quality: q,
        },
    )
    .unwrap();
    let seg = darkroom_judges::layout::segment::segment(ImageRef {
        width: img.width,
        height: img.height,
        rgb: &img.rgb,
    });
    for r in &seg.regions {
        let c = r.colour;
        println!("bg={} area={:.3} c=({:.2},{:.2}) box=({:.2}-{:.2}, {:.2}-{:.2}) Lab=({:.1},{:.1},{:.1}) rgb={}", r.background, r.area, r.cx, r.cy, r.x0, r.x1, r.y0, r.y1, c.l, c.a, c.b, c.to_rgb8().to_hex());
    }
    println!("horizon {:?}", seg.horizon);
    darkroom_imageops::write_png(
        std::path::Path::new("/tmp/regions.png"),
        img.width,
        img.height,
        &img.rgb,
        &[],
    )
    .unwrap();
}
