//! Times renders of a prompt in-process (a development aid; the benchmark of record is
//! `cargo bench -p darkroom-sketch`). Usage: timing PROMPT SIZE draft|finish N
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let scene = darkroom_prompt::parse(&a[1]).unwrap();
    let size: u32 = a[2].parse().unwrap();
    let quality = a[3].parse().unwrap();
    let n: u32 = a[4].parse().unwrap();
    let o = darkroom_sketch::Options {
        width: size,
        height: size,
        seed: 1,
        quality,
    };
    let _ = darkroom_sketch::render(&scene, &o).unwrap();
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(darkroom_sketch::render(&scene, &o).unwrap());
    }
    println!(
        "{:.2} ms per render",
        t.elapsed().as_secs_f64() * 1000.0 / f64::from(n)
    );
}
