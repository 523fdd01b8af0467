//! Colour regions in CIELAB.
//!
//! The image is area-averaged to a working copy (≤ 192 px on the long side: enough to separate
//! objects, cheap enough to judge a 1024² image in a few milliseconds) and converted to CIELAB.
//! Neighbouring pixels are joined (union-find) when they differ by less than a threshold in a
//! metric that weighs lightness at half (smooth shading and soft shadows chain together, hue
//! changes at object boundaries do not). Tiny regions enclosed by one larger region (specular
//! highlights, reflections, printed labels) are merged into it. Large regions touching the image
//! border are the background.

use darkroom_color::Lab;
use darkroom_core::judge::ImageRef;

/// One region, with geometry in fractions of the image (0..1).
#[derive(Debug, Clone)]
pub struct Region {
    /// Share of the image.
    pub area: f64,
    /// Centroid.
    pub cx: f64,
    /// Centroid.
    pub cy: f64,
    /// Bounding box.
    pub x0: f64,
    /// Bounding box.
    pub x1: f64,
    /// Bounding box.
    pub y0: f64,
    /// Bounding box.
    pub y1: f64,
    /// Bounding-box width.
    pub w: f64,
    /// Bounding-box height.
    pub h: f64,
    /// Representative colour: the mean of its lit, non-specular pixels.
    pub colour: Lab,
    /// Part of the background (large and touching the border).
    pub background: bool,
}

/// The regions of an image.
#[derive(Debug, Clone)]
pub struct Segmentation {
    /// Regions above the minimum size.
    pub regions: Vec<Region>,
    /// Working width.
    pub width: usize,
    /// Working height.
    pub height: usize,
    /// Horizon row as a fraction of the height, when a clear one is seen.
    pub horizon: Option<f64>,
    /// For each region, the regions touching it (8-neighbour; indices into `regions`).
    pub adjacent: Vec<Vec<usize>>,
    /// Every working pixel's CIELAB colour, row-major: what a colour "no" is checked against
    /// (an object too small or thin to be a region still has its pixels).
    pub pixels: Vec<[f32; 3]>,
}

const WORK: usize = 192;
/// Join threshold (Lab units, lightness weighted ½).
const JOIN: f32 = 3.0;
/// Largest difference between the mean colours of two sets that may join.
const REGION_JOIN: f32 = 9.0;
/// Smallest region kept, as a share of the working image.
const MIN_AREA: f64 = 0.0012;

fn find(p: &mut [u32], mut i: u32) -> u32 {
    while p[i as usize] != i {
        p[i as usize] = p[p[i as usize] as usize];
        i = p[i as usize];
    }
    i
}

fn union(p: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(p, a), find(p, b));
    if ra != rb {
        p[ra.max(rb) as usize] = ra.min(rb);
    }
}

/// The image area-averaged to the working size (its long side at most `WORK` pixels), in
/// CIELAB: `(width, height, colours)`.
fn working_lab(img: ImageRef<'_>, (w, h): (usize, usize)) -> (usize, usize, Vec<[f32; 3]>) {
    let s = (w.max(h) as f64 / WORK as f64).max(1.0);
    let (tw, th) = (
        ((w as f64 / s).round() as usize).max(1),
        ((h as f64 / s).round() as usize).max(1),
    );
    let mut acc = vec![[0u32; 4]; tw * th];
    let xs: Vec<usize> = (0..w).map(|x| (x * tw / w).min(tw - 1)).collect();
    for y in 0..h {
        let ty = (y * th / h).min(th - 1);
        let row = &img.rgb[y * w * 3..(y + 1) * w * 3];
        let out = &mut acc[ty * tw..(ty + 1) * tw];
        for (x, p) in row.chunks_exact(3).enumerate() {
            let a = &mut out[xs[x]];
            a[0] += u32::from(p[0]);
            a[1] += u32::from(p[1]);
            a[2] += u32::from(p[2]);
            a[3] += 1;
        }
    }
    let lin: Vec<f64> = (0..=255)
        .map(|v| darkroom_color::space::srgb_decode(f64::from(v) / 255.0))
        .collect();
    let lab: Vec<[f32; 3]> = acc
        .iter()
        .map(|a| {
            let n = f64::from(a[3].max(1));
            // Average in sRGB, then decode: interpolating the (monotone) table keeps it exact
            // enough for naming colours.
            let dec = |v: u32| {
                let x = f64::from(v) / n;
                let i = (x as usize).min(254);
                lin[i] + (lin[i + 1] - lin[i]) * (x - i as f64)
            };
            let l = Lab::from_linear([dec(a[0]), dec(a[1]), dec(a[2])]);
            [l.l as f32, l.a as f32, l.b as f32]
        })
        .collect();
    (tw, th, lab)
}

/// Segments an image.
#[expect(
    clippy::too_many_lines,
    reason = "the segmentation passes in order over shared buffers (the judge's hot path)"
)]
pub fn segment(img: ImageRef<'_>) -> Segmentation {
    let (w, h) = (img.width as usize, img.height as usize);
    if w == 0 || h == 0 || img.rgb.len() < w * h * 3 {
        return Segmentation {
            regions: Vec::new(),
            width: 0,
            height: 0,
            horizon: None,
            adjacent: Vec::new(),
            pixels: Vec::new(),
        };
    }
    let (tw, th, lab) = working_lab(img, (w, h));
    let n = tw * th;
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let dist2 = |a: &[f32; 3], b: &[f32; 3]| {
        let (dl, da, db) = ((a[0] - b[0]) * 0.5, a[1] - b[1], a[2] - b[2]);
        dl * dl + da * da + db * db
    };
    // Running colour sums per set: two sets join only when their means are close too, so the
    // smooth ramp that anti-aliasing draws along a near-vertical edge cannot chain an object
    // into the background one small step at a time.
    let mut sums: Vec<[f32; 4]> = lab.iter().map(|c| [c[0], c[1], c[2], 1.0]).collect();
    let join = |parent: &mut Vec<u32>, sums: &mut Vec<[f32; 4]>, i: usize, j: usize| {
        if dist2(&lab[i], &lab[j]) >= JOIN * JOIN {
            return;
        }
        let (ri, rj) = (
            find(parent, i as u32) as usize,
            find(parent, j as u32) as usize,
        );
        if ri == rj {
            return;
        }
        let (a, b) = (sums[ri], sums[rj]);
        let ma = [a[0] / a[3], a[1] / a[3], a[2] / a[3]];
        let mb = [b[0] / b[3], b[1] / b[3], b[2] / b[3]];
        if dist2(&ma, &mb) >= REGION_JOIN * REGION_JOIN {
            return;
        }
        let (keep, gone) = (ri.min(rj), ri.max(rj));
        parent[gone] = keep as u32;
        for k in 0..4 {
            sums[keep][k] = a[k] + b[k];
        }
    };
    for y in 0..th {
        for x in 0..tw {
            let i = y * tw + x;
            if x + 1 < tw {
                join(&mut parent, &mut sums, i, i + 1);
            }
            if y + 1 < th {
                join(&mut parent, &mut sums, i, i + tw);
            }
        }
    }
    let mut label: Vec<u32> = (0..n as u32).map(|i| find(&mut parent, i)).collect();
    dump_labels("DARKROOM_DEBUG_UF", &label, tw, th);
    // Merge small regions enclosed by a single larger one (highlights, reflections, labels).
    let mut size = vec![0usize; n];
    for &l in &label {
        size[l as usize] += 1;
    }
    let (shared, mut perimeter) = region_borders(&label, tw, th);
    let mut merge_into: Vec<u32> = (0..n as u32).collect();
    // Both directions: either region of a pair may be the speck.
    let mut pairs: Vec<((u32, u32), usize)> = shared
        .iter()
        .flat_map(|(&(a, b), &len)| [((a, b), len), ((b, a), len)])
        .collect();
    pairs.sort();
    // Only specks (highlights, reflections, printed text) merge, and only into a region that
    // does not touch the border: an object standing on the background is never swallowed by it.
    // The image edge counts toward a region's perimeter.
    let mut on_border = vec![false; n];
    for y in 0..th {
        for x in 0..tw {
            if x == 0 || y == 0 || x + 1 == tw || y + 1 == th {
                let l = label[y * tw + x] as usize;
                on_border[l] = true;
                perimeter[l] += 1;
            }
        }
    }
    let speck = (n as f64 * 0.003) as usize;
    for ((a, b), len) in pairs {
        let (sa, sb) = (size[a as usize], size[b as usize]);
        if sa > 0
            && sa <= speck
            && sa * 5 < sb
            && !on_border[b as usize]
            && len * 10 >= perimeter[a as usize] * 9
        {
            merge_into[a as usize] = b;
        }
    }
    for l in label.iter_mut() {
        let mut t = *l;
        for _ in 0..4 {
            t = merge_into[t as usize];
        }
        *l = t;
    }
    carve_achromatic(&mut label, &lab, tw, th);
    merge_faces(&mut label, &lab, tw, th);
    // Region statistics.
    let mut ids: Vec<u32> = label.clone();
    ids.sort_unstable();
    ids.dedup();
    let mut index = vec![usize::MAX; n];
    for (k, &id) in ids.iter().enumerate() {
        index[id as usize] = k;
    }
    let mut members: Vec<Vec<u32>> = vec![Vec::new(); ids.len()];
    for (i, &l) in label.iter().enumerate() {
        members[index[l as usize]].push(i as u32);
    }
    let mut regions = Vec::new();
    let mut region_of_member: Vec<Option<usize>> = vec![None; members.len()];
    for (mi, m) in members.iter().enumerate() {
        let area = m.len() as f64 / n as f64;
        if area < MIN_AREA {
            continue;
        }
        region_of_member[mi] = Some(regions.len());
        let (mut sx, mut sy) = (0f64, 0f64);
        let (mut x0, mut x1, mut y0, mut y1) = (usize::MAX, 0, usize::MAX, 0);
        let mut edges = [false; 4];
        for &i in m {
            let (x, y) = (i as usize % tw, i as usize / tw);
            sx += x as f64 + 0.5;
            sy += y as f64 + 0.5;
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
            edges[0] |= x == 0;
            edges[1] |= x + 1 == tw;
            edges[2] |= y == 0;
            edges[3] |= y + 1 == th;
        }
        // Representative colour: the lit side, without the specular peak (pixels between the
        // 55th and 90th percentile of lightness).
        let mut ls: Vec<f32> = m.iter().map(|&i| lab[i as usize][0]).collect();
        ls.sort_by(f32::total_cmp);
        let (lo, hi) = (
            ls[ls.len() * 11 / 20],
            ls[(ls.len() * 9 / 10).min(ls.len() - 1)],
        );
        let (mut c, mut k) = ([0f64; 3], 0f64);
        for &i in m {
            let p = lab[i as usize];
            if p[0] >= lo && p[0] <= hi {
                c[0] += f64::from(p[0]);
                c[1] += f64::from(p[1]);
                c[2] += f64::from(p[2]);
                k += 1.0;
            }
        }
        let k = k.max(1.0);
        let touches = edges.iter().filter(|&&e| e).count();
        let background = (touches >= 2 && area > 0.05) || (touches >= 1 && area > 0.3);
        let (fw, fh) = (tw as f64, th as f64);
        regions.push(Region {
            area,
            cx: sx / m.len() as f64 / fw,
            cy: sy / m.len() as f64 / fh,
            x0: x0 as f64 / fw,
            x1: (x1 + 1) as f64 / fw,
            y0: y0 as f64 / fh,
            y1: (y1 + 1) as f64 / fh,
            w: (x1 + 1 - x0) as f64 / fw,
            h: (y1 + 1 - y0) as f64 / fh,
            colour: Lab {
                l: c[0] / k,
                a: c[1] / k,
                b: c[2] / k,
            },
            background,
        });
    }
    let horizon = horizon(
        &lab,
        &label,
        &regions_bg_labels(&members, &regions, &ids, n),
        tw,
        th,
    );
    // Adjacency (8-neighbour): faces of one object touch; separate objects, however close,
    // keep at least a pixel of background between them at the working size.
    let region_at: Vec<Option<usize>> = label
        .iter()
        .map(|&l| region_of_member[index[l as usize]])
        .collect();
    let mut adjacent: Vec<Vec<usize>> = vec![Vec::new(); regions.len()];
    for y in 0..th {
        for x in 0..tw {
            let Some(a) = region_at[y * tw + x] else {
                continue;
            };
            for (dx, dy) in [(1usize, 0usize), (0, 1), (1, 1)] {
                let (xx, yy) = (x + dx, y + dy);
                if xx < tw && yy < th {
                    if let Some(b) = region_at[yy * tw + xx] {
                        if a != b && !adjacent[a].contains(&b) {
                            adjacent[a].push(b);
                            adjacent[b].push(a);
                        }
                    }
                }
            }
        }
    }
    dump_labels("DARKROOM_DEBUG_REGIONS", &label, tw, th);
    Segmentation {
        regions,
        width: tw,
        height: th,
        horizon,
        adjacent,
        pixels: lab,
    }
}

/// Carves achromatic objects out of the background. A matte white object's shading can fall
/// smoothly to exactly the background's grey at its silhouette, so colour connectivity alone
/// joins them; but its lit part is much lighter than the background, and a black object much
/// darker than any shadow. Background pixels lighter than the background's median by 18 L*, or
/// darker than 45 % of it, are split off as connected components of their own.
fn carve_achromatic(label: &mut [u32], lab: &[[f32; 3]], w: usize, h: usize) {
    let n = w * h;
    let mut size = vec![0usize; n];
    for &l in label.iter() {
        size[l as usize] += 1;
    }
    // The background: the largest region touching the border.
    let mut bg = None;
    for i in (0..n).filter(|&i| i % w == 0 || i % w == w - 1 || i / w == 0 || i / w == h - 1) {
        let l = label[i];
        if bg.is_none_or(|b: u32| size[l as usize] > size[b as usize]) {
            bg = Some(l);
        }
    }
    let Some(bg) = bg else { return };
    let mut ls: Vec<f32> = (0..n)
        .filter(|&i| label[i] == bg)
        .map(|i| lab[i][0])
        .collect();
    if ls.len() < 16 {
        return;
    }
    ls.sort_by(f32::total_cmp);
    let med = ls[ls.len() / 2];
    let class = |i: usize| -> u8 {
        if label[i] != bg {
            0
        } else if lab[i][0] > med + 18.0 {
            1
        } else if lab[i][0] < med * 0.45 {
            2
        } else {
            0
        }
    };
    let classes: Vec<u8> = (0..n).map(class).collect();
    let mut seen = vec![false; n];
    let mut stack = Vec::new();
    for start in 0..n {
        if classes[start] == 0 || seen[start] {
            continue;
        }
        // The component's label is its first pixel, which no other region uses as a root
        // (it belonged to the background, whose root is another pixel unless this one).
        let id = start as u32;
        if id == bg {
            continue;
        }
        let c = classes[start];
        stack.push(start);
        seen[start] = true;
        while let Some(i) = stack.pop() {
            label[i] = id;
            let (x, y) = (i % w, i / w);
            for (ok, j) in [
                (x > 0, i.wrapping_sub(1)),
                (x + 1 < w, i + 1),
                (y > 0, i.wrapping_sub(w)),
                (y + 1 < h, i + w),
            ] {
                if ok && !seen[j] && classes[j] == c {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
    }
}

/// Development aid: when the environment variable `var` names a file, writes the label map
/// there as a PNG, one flat colour per region.
fn dump_labels(var: &str, label: &[u32], w: usize, h: usize) {
    let Some(path) = std::env::var_os(var) else {
        return;
    };
    let rgb: Vec<u8> = label
        .iter()
        .flat_map(|&l| {
            let c = darkroom_core::rand::mix(u64::from(l) + 1);
            [(c >> 16) as u8, (c >> 32) as u8, (c >> 48) as u8]
        })
        .collect();
    let _ =
        darkroom_imageops::write_png(std::path::Path::new(&path), w as u32, h as u32, &rgb, &[]);
}

/// The length of the border between each pair of adjacent regions (keyed `(smaller, larger)`
/// label) and each region's perimeter against other regions (4-neighbourhood).
fn region_borders(
    label: &[u32],
    w: usize,
    h: usize,
) -> (std::collections::BTreeMap<(u32, u32), usize>, Vec<usize>) {
    let mut shared = std::collections::BTreeMap::new();
    let mut perim = vec![0usize; label.len()];
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            for j in [(x + 1 < w).then(|| i + 1), (y + 1 < h).then(|| i + w)]
                .into_iter()
                .flatten()
            {
                let (a, b) = (label[i], label[j]);
                if a != b {
                    *shared.entry((a.min(b), a.max(b))).or_default() += 1;
                    perim[a as usize] += 1;
                    perim[b as usize] += 1;
                }
            }
        }
    }
    (shared, perim)
}

/// Merges adjacent regions of the same chromaticity: the lit and shaded faces of one object
/// differ mostly in lightness, which the pixel-level join may not bridge at a sharp face edge.
/// Two regions merge when their mean colours are within ΔE2000 (kL = 2) of 8 and they share a
/// border of at least a tenth of the smaller one's perimeter.
fn merge_faces(label: &mut [u32], lab: &[[f32; 3]], w: usize, h: usize) {
    let n = w * h;
    let mut sum = vec![[0f64; 4]; n];
    for (i, &l) in label.iter().enumerate() {
        let s = &mut sum[l as usize];
        s[0] += f64::from(lab[i][0]);
        s[1] += f64::from(lab[i][1]);
        s[2] += f64::from(lab[i][2]);
        s[3] += 1.0;
    }
    let (shared, perim) = region_borders(label, w, h);
    let mean = |l: u32| {
        let s = sum[l as usize];
        let k = s[3].max(1.0);
        Lab {
            l: s[0] / k,
            a: s[1] / k,
            b: s[2] / k,
        }
    };
    let mut parent: Vec<u32> = (0..n as u32).collect();
    for (&(a, b), &len) in &shared {
        let small = perim[a as usize].min(perim[b as usize]);
        if len * 10 < small || sum[a as usize][3] < 4.0 || sum[b as usize][3] < 4.0 {
            continue;
        }
        let (ca, cb) = (mean(a), mean(b));
        // Faces of one object share hue; require some chroma so greys (background, shadows,
        // white and black objects) are not merged by this rule.
        if ca.chroma() > 12.0
            && cb.chroma() > 12.0
            && crate::layout::shading_tolerant_de(ca, cb) < 8.0
        {
            union(&mut parent, a, b);
        }
    }
    for l in label.iter_mut() {
        *l = find(&mut parent, *l);
    }
}

/// Labels of the background regions (by union-find root).
fn regions_bg_labels(members: &[Vec<u32>], regions: &[Region], ids: &[u32], n: usize) -> Vec<u32> {
    // Recompute which member lists became background regions: same order and filter as above.
    let mut out = Vec::new();
    let mut r = 0;
    for (k, m) in members.iter().enumerate() {
        if (m.len() as f64 / n as f64) < MIN_AREA {
            continue;
        }
        if regions[r].background {
            out.push(ids[k]);
        }
        r += 1;
    }
    out
}

/// The row where background lightness jumps most, if the jump is clear.
fn horizon(lab: &[[f32; 3]], label: &[u32], bg: &[u32], w: usize, h: usize) -> Option<f64> {
    if h < 8 || bg.is_empty() {
        return None;
    }
    let mean: Vec<Option<f32>> = (0..h)
        .map(|y| {
            let (mut s, mut k) = (0f32, 0f32);
            for x in 0..w {
                let i = y * w + x;
                if bg.contains(&label[i]) {
                    s += lab[i][0];
                    k += 1.0;
                }
            }
            (k > w as f32 * 0.3).then(|| s / k)
        })
        .collect();
    let mut best: Option<(usize, f32)> = None;
    for y in 2..h - 2 {
        if let (Some(a), Some(b), Some(c), Some(d)) =
            (mean[y - 2], mean[y - 1], mean[y + 1], mean[y + 2])
        {
            let jump = ((a + b) - (c + d)).abs() / 2.0;
            if best.is_none_or(|(_, j)| jump > j) {
                best = Some((y, jump));
            }
        }
    }
    best.filter(|&(_, j)| j > 4.0)
        .map(|(y, _)| y as f64 / h as f64)
}
