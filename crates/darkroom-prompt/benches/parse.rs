//! Parse throughput: prompts per second over a mix of short and long prompts (target ≥ 50,000/s).

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const PROMPTS: &[&str] = &[
    "a red sphere on a glass table to the left of a blue cube, cinematic lighting",
    "a dog right of a teddy bear",
    "three yellow rubber ducks in a row in front of a blue bathtub",
    "a matte black bottle on a white pedestal, soft light from the left, view from below",
    "a wooden sign that says \"OPEN\" next to a fire hydrant, golden hour",
    "two cats and a dog sitting on a green sofa in a living room",
    "a close-up of a #0047AB perfume bottle on a marble plinth against a cream backdrop, studio lighting",
    "a teddy bear between a blue ball and a red car, top-down",
];

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("darkroom_prompt::parse");
    g.throughput(Throughput::Elements(PROMPTS.len() as u64));
    g.bench_function("mixed_8", |b| {
        b.iter(|| {
            for p in PROMPTS {
                std::hint::black_box(darkroom_prompt::parse(std::hint::black_box(p)).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
