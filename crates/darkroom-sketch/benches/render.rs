//! Render time of the built-in renderer. Targets (DESIGN.md §11, on 2 cores): a 512×512 draft in
//! ≤ 15 ms and a 2048×2048 finish in ≤ 1.5 s. Two scenes: the README's hero prompt, and a
//! harder one (metals, glass, a large soft light: many reflection rays and wide penumbrae).

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use darkroom_core::Quality;
use darkroom_sketch::{render, Options};

const HERO: &str = "a red sphere on a glass table to the left of a blue cube, cinematic lighting";
const HARD: &str = "three chrome spheres and a gold torus on a marble pedestal next to a glass bottle, studio lighting, soft light";

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("darkroom_sketch::render");
    for (name, prompt) in [("hero", HERO), ("hard", HARD)] {
        let scene = darkroom_prompt::parse(prompt).unwrap();
        g.throughput(Throughput::Elements(512 * 512));
        g.bench_function(format!("draft_512/{name}"), |b| {
            let o = Options {
                width: 512,
                height: 512,
                seed: 1,
                quality: Quality::Draft,
            };
            b.iter(|| render(std::hint::black_box(&scene), &o).unwrap())
        });
    }
    g.sample_size(10);
    for (name, prompt) in [("hero", HERO), ("hard", HARD)] {
        let scene = darkroom_prompt::parse(prompt).unwrap();
        g.throughput(Throughput::Elements(2048 * 2048));
        g.bench_function(format!("finish_2048/{name}"), |b| {
            let o = Options {
                width: 2048,
                height: 2048,
                seed: 1,
                quality: Quality::Finish,
            };
            b.iter(|| render(std::hint::black_box(&scene), &o).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
