//! Judging one 1024² image with the layout, brand, quality and novelty judges, on one core
//! (they are single-threaded). Target: ≤ 60 ms (issue 5). The brand judge's per-colour cache is
//! built once, as a campaign builds it once; the image is a finish render of a busy prompt.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use darkroom_color::brand::{Brand, BrandSpec, ColorSpec};
use darkroom_core::Quality;
use darkroom_judges::brand::BrandJudge;
use darkroom_judges::layout::LayoutJudge;
use darkroom_judges::novelty::{NoveltyJudge, Siblings};
use darkroom_judges::quality::{QualityJudge, Requested};
use darkroom_judges::{ImageRef, Judge};

fn bench(c: &mut Criterion) {
    let prompt = "two red spheres to the left of a blue cube, a yellow cone above the cube, a green bottle on a white pedestal";
    let scene = darkroom_prompt::parse(prompt).unwrap();
    let img = darkroom_sketch::render(
        &scene,
        &darkroom_sketch::Options {
            width: 1024,
            height: 1024,
            seed: 3,
            quality: Quality::Finish,
        },
    )
    .unwrap();
    let brand = Brand::from_spec(&BrandSpec {
        palette: ["#0047AB", "#F4F1EA", "#1A1A1A", "#FFB000", "#E5E5E5"]
            .iter()
            .map(|h| ColorSpec::Bare((*h).into()))
            .collect(),
        tolerance: Some(6.0),
        min_on_palette: None,
        forbid: vec![ColorSpec::Bare("#FF0000".into())],
        protect: vec![],
    })
    .unwrap();
    let brand_judge = BrandJudge::new(brand);
    let view = ImageRef {
        width: 1024,
        height: 1024,
        rgb: &img.rgb,
    };
    let sib = Siblings {
        hashes: vec![0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210],
        threshold: 6,
    };
    let req = Requested {
        width: 1024,
        height: 1024,
    };
    let mut g = c.benchmark_group("darkroom_judges");
    g.throughput(Throughput::Elements(1));
    g.bench_function("all_four_1024", |b| {
        b.iter(|| {
            let l = LayoutJudge.judge(view, &scene);
            let br = brand_judge.judge(view, &());
            let q = QualityJudge.judge(view, &req);
            let n = NoveltyJudge.judge(view, &sib);
            std::hint::black_box((l, br, q, n))
        })
    });
    g.bench_function("layout_1024", |b| {
        b.iter(|| LayoutJudge.judge(view, &scene))
    });
    g.bench_function("brand_1024", |b| b.iter(|| brand_judge.judge(view, &())));
    g.bench_function("quality_1024", |b| {
        b.iter(|| QualityJudge.judge(view, &req))
    });
    g.bench_function("novelty_1024", |b| {
        b.iter(|| NoveltyJudge.judge(view, &sib))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
