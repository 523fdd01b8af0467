//! Scene graph → world: one placed object per entity copy, with every stated relation true.
//!
//! World axes: x to the right of the camera, y up, z away from the camera (the camera looks
//! down +z before its small, seed-chosen yaw). The solver works in three passes:
//! 1. **Stacking**: `on`, `above`, `below`, `under` make a forest of supports ("the sphere rests
//!    on the table", "the lamp floats above the desk"); roots stand on the ground.
//! 2. **Ordering**: `left_of`, `right_of`, `between`, `next_to` become order constraints between
//!    siblings (lifted to the level where the two objects' stacks meet), solved by a topological
//!    sort whose free choices come from the seed; "on the left"/"on the right" bias it.
//! 3. **Placing**: sizes fit supports, siblings are spaced along x, `in_front_of`/`behind` move
//!    along z (an unconstrained subject stands just in front of / behind its object, shifted so
//!    both stay visible).
//!
//! What the prompt pins down (relations, counts, colours, materials) is never left to the seed;
//! what it leaves open (spacing, the order of unconstrained objects, unspecified colours, open
//! counts) is.

use darkroom_color::Rgb8;
use darkroom_prompt::{Entity, Position, Predicate, Scene, SizeWord};

use crate::material::Mat;
use crate::math::{v3, Rng, V3};
use crate::shapes::Shape;

/// The kind of geometry an entity becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sphere,
    Cube,
    Cylinder,
    Cone,
    Torus,
    Pyramid,
    Bottle,
    Table,
    Pedestal,
    Slab,
    Sign,
    /// A labelled stand-in box for a noun the renderer has no model for.
    StandIn,
    /// A labelled stand-in cylinder (tall, organic things: people, trees, plants).
    StandInRound,
}

/// One placed object (one copy of one entity).
#[derive(Debug, Clone)]
pub struct Object {
    /// Index of the entity in the scene graph.
    pub entity: usize,
    /// Which copy of that entity.
    pub copy: u32,
    #[expect(dead_code)] // read by tests and kept for the report's legend
    pub kind: Kind,
    /// Primitives with their materials.
    pub parts: Vec<(Shape, Mat)>,
    /// Bounding box of all parts.
    pub bounds: (V3, V3),
    /// The noun, for stand-ins that need a label.
    pub label: Option<String>,
    /// Text to print on it (signs), with the face's corners for the overlay.
    pub text: Option<(String, V3, V3)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Ground,
    OnTop,
    Float,
    UnderTable,
}

#[derive(Debug, Clone)]
struct Node {
    entity: usize,
    copy: u32,
    kind: Kind,
    /// Width, height, depth.
    dims: V3,
    parent: Option<usize>,
    mode: Mode,
    pos: V3,
    /// Depth offset from in_front_of / behind between siblings (negative = nearer).
    dz: f32,
    /// A root placed relative to another root instead of getting its own slot.
    attached: Option<(usize, f32)>,
}

fn kind_and_dims(noun: &str) -> (Kind, V3) {
    let last = noun.rsplit(' ').next().unwrap_or(noun);
    let d = |w: f32, h: f32, dd: f32| v3(w, h, dd);
    use Kind::*;
    match noun {
        "sphere" | "ball" | "orb" | "globe" | "bubble" | "pearl" | "marble" | "planet" | "moon"
        | "sun" | "apple" | "orange" | "balloon" | "melon" | "tomato" | "peach" | "lemon"
        | "cherry" | "snowball" | "egg" | "plum" => (Sphere, d(1.0, 1.0, 1.0)),
        "cube" | "die" | "dice" | "block" | "ice cube" | "sugar cube" | "rubik's cube" => {
            (Cube, d(1.0, 1.0, 1.0))
        }
        "box" | "crate" | "chest" | "gift box" | "cardboard box" | "shoe box"
        | "treasure chest" | "brick" => (Cube, d(1.2, 0.8, 0.9)),
        "cylinder" | "drum" | "barrel" => (Cylinder, d(0.8, 1.1, 0.8)),
        "pillar" | "column" | "tower" | "chimney" => (Cylinder, d(0.6, 2.2, 0.6)),
        "can" | "tin" | "jar" => (Cylinder, d(0.5, 0.75, 0.5)),
        "cup" | "mug" | "coffee cup" | "coffee mug" | "tea cup" | "teacup" => {
            (Cylinder, d(0.45, 0.5, 0.45))
        }
        "glass" | "wine glass" | "tumbler" => (Cylinder, d(0.38, 0.65, 0.38)),
        "candle" => (Cylinder, d(0.25, 0.8, 0.25)),
        "vase" | "flower vase" | "pot" | "flower pot" => (Cylinder, d(0.55, 1.0, 0.55)),
        "cone" | "traffic cone" | "party hat" => (Cone, d(1.0, 1.2, 1.0)),
        "torus" | "ring" | "donut" | "doughnut" | "bagel" | "tire" | "tyre" | "wreath" | "hoop" => {
            (Torus, d(1.1, 1.1, 0.33))
        }
        "pyramid" | "tetrahedron" => (Pyramid, d(1.1, 1.0, 1.1)),
        "table" | "desk" | "dining table" | "coffee table" | "counter" | "workbench" => {
            (Table, d(2.6, 1.0, 1.5))
        }
        "bench" | "park bench" => (Table, d(2.4, 0.6, 0.6)),
        "pedestal" | "plinth" | "podium" | "stand" | "platform" | "stool" => {
            (Pedestal, d(1.0, 0.9, 1.0))
        }
        "plane" | "slab" | "tray" | "board" | "plate" | "mat" | "rug" | "carpet" | "tile"
        | "floor" => (Slab, d(2.4, 0.06, 2.4)),
        "sign" | "signboard" | "billboard" | "poster" | "banner" | "placard" | "street sign"
        | "shop sign" | "neon sign" | "road sign" => (Sign, d(1.4, 1.9, 0.1)),
        _ if last == "bottle" => (Bottle, d(0.42, 1.2, 0.42)),
        _ if last == "ball" => (Sphere, d(1.0, 1.0, 1.0)),
        _ if last == "table" => (Table, d(2.6, 1.0, 1.5)),
        _ if last == "box" || last == "cube" => (Cube, d(1.0, 1.0, 1.0)),
        "person" | "man" | "woman" | "boy" | "girl" | "astronaut" | "robot" | "statue"
        | "figure" | "model" => (StandInRound, d(0.55, 1.75, 0.4)),
        "child" | "kid" | "penguin" | "snowman" => (StandInRound, d(0.5, 1.1, 0.4)),
        "tree" | "palm tree" | "christmas tree" | "pine" => (StandInRound, d(1.3, 3.0, 1.3)),
        "plant" | "potted plant" | "cactus" | "bush" | "flower" | "lamp" | "floor lamp"
        | "desk lamp" | "lantern" => (StandInRound, d(0.55, 1.0, 0.55)),
        "car" | "sports car" | "race car" | "police car" | "taxi" | "truck" | "van"
        | "pickup truck" => (StandIn, d(3.0, 1.3, 1.6)),
        "bus" | "school bus" | "train" | "fire truck" => (StandIn, d(4.5, 2.4, 2.0)),
        "house" | "cabin" | "hut" => (StandIn, d(3.0, 2.6, 2.6)),
        "building" | "skyscraper" | "castle" | "lighthouse" => (StandIn, d(2.5, 5.0, 2.5)),
        "dog" | "horse" | "cow" | "sheep" | "goat" | "pig" | "deer" | "lion" | "tiger" | "bear"
        | "teddy bear" | "fox" | "wolf" => (StandIn, d(1.0, 0.75, 0.45)),
        "cat" | "rabbit" | "bunny" | "duck" | "bird" | "chicken" | "mouse" | "rat" | "squirrel"
        | "frog" | "rubber duck" | "goose" => (StandIn, d(0.6, 0.5, 0.3)),
        "chair" | "armchair" | "office chair" | "dining chair" => (StandIn, d(0.7, 1.1, 0.7)),
        "sofa" | "couch" | "bed" => (StandIn, d(2.4, 0.9, 1.0)),
        "book" | "notebook" | "laptop" | "tablet" => (StandIn, d(0.7, 0.15, 0.5)),
        "phone" | "cell phone" | "smartphone" | "mobile phone" | "remote" | "card"
        | "credit card" => (StandIn, d(0.25, 0.45, 0.06)),
        "fire hydrant" | "parking meter" | "traffic light" | "street lamp" | "street light"
        | "lamp post" => (StandInRound, d(0.45, 1.6, 0.45)),
        _ => (StandIn, d(0.9, 0.9, 0.9)),
    }
}

fn size_scale(s: Option<SizeWord>) -> V3 {
    match s {
        Some(SizeWord::Tiny) => V3::ONE * 0.45,
        Some(SizeWord::Small) => V3::ONE * 0.7,
        Some(SizeWord::Large) => V3::ONE * 1.45,
        Some(SizeWord::Huge) => V3::ONE * 2.1,
        Some(SizeWord::Tall) => v3(1.0, 1.8, 1.0),
        None => V3::ONE,
    }
}

/// Colours for entities the prompt does not colour: muted, distinct, chosen by the seed.
const OPEN_COLOURS: [Rgb8; 10] = [
    Rgb8::new(0xC8, 0x55, 0x3D),
    Rgb8::new(0xF2, 0xA5, 0x41),
    Rgb8::new(0x5B, 0x8E, 0x7D),
    Rgb8::new(0x3D, 0x5A, 0x80),
    Rgb8::new(0x98, 0xC1, 0xD9),
    Rgb8::new(0xE0, 0xC0, 0x97),
    Rgb8::new(0x8E, 0x7D, 0xBE),
    Rgb8::new(0x7A, 0x86, 0x8F),
    Rgb8::new(0xD8, 0x8C, 0x9A),
    Rgb8::new(0x6B, 0x8F, 0x47),
];

fn table_like(k: Kind) -> bool {
    matches!(k, Kind::Table)
}

/// A node and its ancestors, the node first.
fn ancestors(nodes: &[Node], mut i: usize) -> Vec<usize> {
    let mut path = vec![i];
    while let Some(p) = nodes[i].parent {
        path.push(p);
        i = p;
    }
    path
}

/// A node's children placed in one way (on it, floating above it, under it).
fn children(nodes: &[Node], p: usize, m: Mode) -> Vec<usize> {
    (0..nodes.len())
        .filter(|&i| nodes[i].parent == Some(p) && nodes[i].mode == m)
        .collect()
}

/// Stacking: "on", "above" and "under" make a node the child of another.
fn stack(scene: &Scene, copies: &[Vec<usize>], nodes: &mut Vec<Node>) {
    let set_parent = |nodes: &mut Vec<Node>, child: usize, parent: usize, mode: Mode| {
        if nodes[child].parent.is_some() || ancestors(nodes, parent).contains(&child) {
            return;
        }
        nodes[child].parent = Some(parent);
        nodes[child].mode = mode;
    };
    for r in &scene.relations {
        let (subj, obj) = (&copies[r.subject], &copies[r.object]);
        if subj.is_empty() || obj.is_empty() {
            continue;
        }
        match r.predicate {
            Predicate::On => {
                for (i, &s) in subj.iter().enumerate() {
                    set_parent(nodes, s, obj[i % obj.len()], Mode::OnTop);
                }
            }
            Predicate::Above => {
                for (i, &s) in subj.iter().enumerate() {
                    set_parent(nodes, s, obj[i % obj.len()], Mode::Float);
                }
            }
            Predicate::Under | Predicate::Below if table_like(nodes[obj[0]].kind) => {
                for (i, &s) in subj.iter().enumerate() {
                    set_parent(nodes, s, obj[i % obj.len()], Mode::UnderTable);
                }
            }
            Predicate::Under | Predicate::Below => {
                // "A below B" with B not a table: B floats above A.
                for (i, &o) in obj.iter().enumerate() {
                    set_parent(nodes, o, subj[i % subj.len()], Mode::Float);
                }
            }
            _ => {}
        }
    }
}

/// Sizes: children fit their supports (top-down), every root is kept visible beside the largest,
/// then footprints (bottom-up). Returns the nodes in breadth-first order and each footprint.
fn fit_sizes(nodes: &mut [Node], roots: &[usize]) -> (Vec<usize>, Vec<f32>) {
    let mut bfs: Vec<usize> = roots.to_vec();
    bfs.extend((0..nodes.len()).filter(|&i| nodes[i].attached.is_some()));
    let mut k = 0;
    while k < bfs.len() {
        let p = bfs[k];
        k += 1;
        let top = children(nodes, p, Mode::OnTop);
        if !top.is_empty() {
            let pd = nodes[p].dims;
            let room = if nodes[p].kind == Kind::Sphere {
                pd.x * 0.5
            } else {
                pd.x * 0.9
            };
            let total: f32 =
                top.iter().map(|&c| nodes[c].dims.x).sum::<f32>() + 0.12 * (top.len() - 1) as f32;
            let deep = top.iter().map(|&c| nodes[c].dims.z).fold(0.0, f32::max);
            let s = (room / total).min(pd.z.max(0.3) * 1.2 / deep).min(1.0);
            for &c in &top {
                nodes[c].dims = nodes[c].dims * s;
            }
        }
        let under = children(nodes, p, Mode::UnderTable);
        if !under.is_empty() {
            let pd = nodes[p].dims;
            let total: f32 = under.iter().map(|&c| nodes[c].dims.x).sum::<f32>()
                + 0.1 * (under.len() - 1) as f32;
            let tallest = under.iter().map(|&c| nodes[c].dims.y).fold(0.0, f32::max);
            let s = (pd.x * 0.75 / total).min(pd.y * 0.75 / tallest).min(1.0);
            for &c in &under {
                nodes[c].dims = nodes[c].dims * s;
            }
        }
        for m in [Mode::OnTop, Mode::Float, Mode::UnderTable] {
            bfs.extend(children(nodes, p, m));
        }
    }
    // Keep every root visible next to the largest one.
    let tallest = roots
        .iter()
        .map(|&r| nodes[r].dims.x.max(nodes[r].dims.y))
        .fold(0.0, f32::max);
    for &r in roots {
        let m = nodes[r].dims.x.max(nodes[r].dims.y);
        if m < tallest * 0.22 {
            nodes[r].dims = nodes[r].dims * (tallest * 0.22 / m);
        }
    }
    let mut footprint = vec![0.0f32; nodes.len()];
    for &i in bfs.iter().rev() {
        let own = nodes[i].dims.x;
        let kids: f32 = children(nodes, i, Mode::OnTop)
            .iter()
            .map(|&c| footprint[c])
            .sum::<f32>();
        let float = children(nodes, i, Mode::Float)
            .iter()
            .map(|&c| footprint[c] + 0.15)
            .sum::<f32>();
        footprint[i] = own.max(kids).max(float);
    }
    (bfs, footprint)
}

/// A bottle standing at `p`: a body, a shoulder and a neck.
fn bottle(p: V3, w: f32, h: f32, mat: Mat) -> Vec<(Shape, Mat)> {
    let mut parts = Vec::with_capacity(3);
    let r = w / 2.0;
    let body = h * 0.62;
    parts.push((
        Shape::Cylinder {
            base: p,
            r,
            h: body,
        },
        mat,
    ));
    parts.push((
        Shape::Cone {
            base: p + v3(0.0, body, 0.0),
            r,
            h: h * 0.3,
        },
        mat,
    ));
    parts.push((
        Shape::Cylinder {
            base: p + v3(0.0, body + h * 0.12, 0.0),
            r: r * 0.36,
            h: h * 0.26,
        },
        mat,
    ));

    parts
}

/// Pairs of node indices.
type Pairs = Vec<(usize, usize)>;

/// Ordering constraints, lifted to siblings (where two stacks meet): which node goes left of
/// which, which go next to each other; depth relations attach a free node in front of or behind
/// another, or nudge it. Returns `(before, near)`.
fn order_constraints(scene: &Scene, copies: &[Vec<usize>], nodes: &mut [Node]) -> (Pairs, Pairs) {
    let sibling_pair = |nodes: &[Node], a: usize, b: usize| -> Option<(usize, usize)> {
        let pa = ancestors(nodes, a);
        let pb = ancestors(nodes, b);
        // Walk down from the roots while the paths agree.
        let (ra, rb): (Vec<usize>, Vec<usize>) = (
            pa.iter().rev().copied().collect(),
            pb.iter().rev().copied().collect(),
        );
        let mut k = 0;
        while k < ra.len() && k < rb.len() && ra[k] == rb[k] {
            k += 1;
        }
        if k >= ra.len() || k >= rb.len() {
            return None; // one is an ancestor of the other
        }
        Some((ra[k], rb[k]))
    };
    let mut before: Vec<(usize, usize)> = Vec::new();
    let mut near: Vec<(usize, usize)> = Vec::new();
    let mut depth: Vec<(usize, usize, f32)> = Vec::new();
    for r in &scene.relations {
        for &s in &copies[r.subject] {
            for &o in &copies[r.object] {
                let Some((a, b)) = sibling_pair(nodes, s, o) else {
                    continue;
                };
                match r.predicate {
                    Predicate::LeftOf => before.push((a, b)),
                    Predicate::RightOf => before.push((b, a)),
                    Predicate::NextTo => near.push((a, b)),
                    Predicate::InFrontOf => depth.push((a, b, -1.0)),
                    Predicate::Behind => depth.push((a, b, 1.0)),
                    Predicate::Between if r.object2 == Some(r.object) => {
                        // Between two copies of one entity: the first copy on one side, the
                        // others on the other.
                        if o == copies[r.object][0] {
                            before.push((b, a));
                        } else {
                            before.push((a, b));
                        }
                    }
                    Predicate::Between => {
                        before.push((b, a));
                        if let Some(o2) = r.object2 {
                            for &o2 in &copies[o2] {
                                if let Some((a2, c)) = sibling_pair(nodes, s, o2) {
                                    before.push((a2, c));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    before.sort_unstable();
    before.dedup();
    let constrained = |i: usize| {
        before
            .iter()
            .chain(near.iter())
            .any(|&(a, b)| a == i || b == i)
    };
    for &(a, b, sign) in &depth {
        if nodes[a].parent.is_none()
            && nodes[b].parent.is_none()
            && !constrained(a)
            && nodes[a].attached.is_none()
        {
            nodes[a].attached = Some((b, sign));
        } else {
            nodes[a].dz = sign;
        }
    }
    (before, near)
}

/// Lays the scene out. Returns the placed objects in entity order.
#[expect(
    clippy::too_many_lines,
    reason = "the renderer's placement rules in order over one layout"
)]
pub fn layout(scene: &Scene, seed: u64) -> Vec<Object> {
    let mut rng = Rng::new(seed, 1);
    let mut nodes: Vec<Node> = Vec::new();
    let mut copies: Vec<Vec<usize>> = vec![Vec::new(); scene.entities.len()];
    // Scenery is the ground and the sky, drawn from `scene.setting`, not an object.
    for e in scene
        .entities
        .iter()
        .filter(|e| e.kind != darkroom_prompt::EntityKind::Setting)
    {
        let n = match e.count {
            Some(n) => n.min(12),
            None => (e.count_at_least.unwrap_or(2).max(3) + rng.below(2) as u32).min(12),
        };
        let (kind, base) = kind_and_dims(&e.noun);
        let dims = base.mul(size_scale(e.size));
        for c in 0..n {
            copies[e.id].push(nodes.len());
            nodes.push(Node {
                entity: e.id,
                copy: c,
                kind,
                dims,
                parent: None,
                mode: Mode::Ground,
                pos: V3::ZERO,
                dz: 0.0,
                attached: None,
            });
        }
    }

    // 1. Stacking.
    stack(scene, &copies, &mut nodes);

    // 2. Ordering constraints, lifted to siblings.
    let (before, near) = order_constraints(scene, &copies, &mut nodes);

    // Groups: the roots (not attached), and the children of each node by mode.
    let roots: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].parent.is_none() && nodes[i].attached.is_none())
        .collect();
    let pos_bias = |n: &Node| match scene.entities[n.entity].position {
        Some(Position::Left) => 0,
        Some(Position::Right) => 2,
        _ => 1,
    };
    let order = |group: &[usize], rng: &mut Rng, nodes: &[Node]| -> Vec<usize> {
        let mut left: Vec<usize> = group.to_vec();
        let mut out = Vec::with_capacity(group.len());
        let keys: Vec<u64> = group.iter().map(|_| rng.next_u64()).collect();
        let key = |i: usize| keys[group.iter().position(|&g| g == i).unwrap_or(0)];
        while !left.is_empty() {
            let ready: Vec<usize> = left
                .iter()
                .copied()
                .filter(|&i| !before.iter().any(|&(a, b)| b == i && left.contains(&a)))
                .collect();
            // A cycle (contradictory prompt): fall back to all remaining.
            let pool = if ready.is_empty() {
                left.clone()
            } else {
                ready
            };
            let last = out.last().copied();
            let pick = pool
                .iter()
                .copied()
                .min_by_key(|&i| {
                    let is_near =
                        last.is_some_and(|l| near.contains(&(l, i)) || near.contains(&(i, l)));
                    (pos_bias(&nodes[i]), !is_near, key(i))
                })
                .unwrap_or(pool[0]);
            out.push(pick);
            left.retain(|&i| i != pick);
        }
        out
    };

    // 3. Sizes: children fit their supports (top-down), then footprints (bottom-up).
    let (bfs, footprint) = fit_sizes(&mut nodes, &roots);

    // 4. Placing.
    let root_order = order(&roots, &mut rng, &nodes);
    let avg =
        root_order.iter().map(|&r| footprint[r]).sum::<f32>() / root_order.len().max(1) as f32;
    let mut cursor = 0.0;
    for &r in &root_order {
        let w = footprint[r];
        let gap = avg * rng.range(0.25, 0.5);
        nodes[r].pos = v3(cursor + w / 2.0, 0.0, rng.range(-0.08, 0.08) * avg);
        cursor += w + gap;
    }
    let shift = if root_order.is_empty() {
        0.0
    } else {
        let first = root_order[0];
        let last = root_order[root_order.len() - 1];
        let lo = nodes[first].pos.x - footprint[first] / 2.0;
        let hi = nodes[last].pos.x + footprint[last] / 2.0;
        (lo + hi) / 2.0
    };
    for &r in &root_order {
        nodes[r].pos.x -= shift;
    }
    for i in 0..nodes.len() {
        if let Some((obj, sign)) = nodes[i].attached {
            let (o, od) = (nodes[obj].pos, nodes[obj].dims);
            let d = nodes[i].dims;
            let side = if rng.f() < 0.5 { -1.0 } else { 1.0 };
            let dx = if sign < 0.0 {
                0.3 * od.x
            } else {
                0.5 * (od.x + d.x) * 0.8
            };
            let dz = sign * (od.z / 2.0 + d.z / 2.0 + 0.35 * avg.max(0.5));
            nodes[i].pos = v3(o.x + side * dx, 0.0, o.z + dz);
        }
    }
    for &r in &roots {
        match scene.entities[nodes[r].entity].position {
            Some(Position::Foreground) => nodes[r].pos.z -= 1.2 * avg,
            Some(Position::Background) => nodes[r].pos.z += 2.5 * avg,
            _ => {}
        }
    }
    // Children, top-down in BFS order (parents are placed first).
    for &p in &bfs {
        let pp = nodes[p].pos;
        let pd = nodes[p].dims;
        let top_y = pp.y + pd.y;
        let top = order(&children(&nodes, p, Mode::OnTop), &mut rng, &nodes);
        if !top.is_empty() {
            let total: f32 = top
                .iter()
                .map(|&c| footprint[c].max(nodes[c].dims.x))
                .sum::<f32>()
                + 0.1 * (top.len() - 1) as f32;
            let mut x = pp.x - total / 2.0;
            for &c in &top {
                let w = footprint[c].max(nodes[c].dims.x);
                let y = if nodes[p].kind == Kind::Sphere {
                    top_y - 0.02
                } else {
                    top_y
                };
                let dz = nodes[c].dz * (pd.z * 0.25);
                nodes[c].pos = v3(x + w / 2.0, y, pp.z + dz);
                x += w + 0.1;
            }
        }
        let float = order(&children(&nodes, p, Mode::Float), &mut rng, &nodes);
        if !float.is_empty() {
            let total: f32 =
                float.iter().map(|&c| footprint[c]).sum::<f32>() + 0.15 * (float.len() - 1) as f32;
            let mut x = pp.x - total / 2.0;
            let gap = 0.35 + 0.15 * rng.f();
            for &c in &float {
                let w = footprint[c];
                nodes[c].pos = v3(x + w / 2.0, top_y + gap * pd.y.max(0.6), pp.z);
                x += w + 0.15;
            }
        }
        let under = order(&children(&nodes, p, Mode::UnderTable), &mut rng, &nodes);
        if !under.is_empty() {
            let total: f32 = under.iter().map(|&c| nodes[c].dims.x).sum::<f32>()
                + 0.1 * (under.len() - 1) as f32;
            let mut x = pp.x - total / 2.0;
            for &c in &under {
                let w = nodes[c].dims.x;
                nodes[c].pos = v3(x + w / 2.0, 0.0, pp.z);
                x += w + 0.1;
            }
        }
    }

    // 5. Geometry and materials.
    let mut objects = Vec::with_capacity(nodes.len());
    for n in &nodes {
        let e = &scene.entities[n.entity];
        let mat = crate::material::for_entity(e, n.kind, open_colour(e, seed));
        objects.push(build(n, e, mat, scene));
    }
    objects
}

fn open_colour(e: &Entity, seed: u64) -> Rgb8 {
    let mut r = Rng::new(seed, 100 + e.id as u64);
    OPEN_COLOURS[r.below(OPEN_COLOURS.len())]
}

/// One placed node as the primitives the tracer draws, with its label and printed text.
fn build(n: &Node, e: &Entity, mat: Mat, scene: &Scene) -> Object {
    let (p, d) = (n.pos, n.dims);
    let (w, h, dd) = (d.x, d.y, d.z);
    let mut parts: Vec<(Shape, Mat)> = Vec::new();
    let mut label = None;
    let mut text = None;
    let bx = |cx: f32, y0: f32, cz: f32, w: f32, h: f32, dd: f32| Shape::Box {
        min: v3(cx - w / 2.0, y0, cz - dd / 2.0),
        max: v3(cx + w / 2.0, y0 + h, cz + dd / 2.0),
    };
    match n.kind {
        Kind::Sphere => parts.push((
            Shape::Sphere {
                c: p + v3(0.0, h / 2.0, 0.0),
                r: h / 2.0,
            },
            mat,
        )),
        Kind::Cube | Kind::StandIn => {
            parts.push((bx(p.x, p.y, p.z, w, h, dd), mat));
            if n.kind == Kind::StandIn {
                label = Some(e.noun.clone());
            }
        }
        Kind::Cylinder | Kind::StandInRound => {
            parts.push((
                Shape::Cylinder {
                    base: p,
                    r: w / 2.0,
                    h,
                },
                mat,
            ));
            if n.kind == Kind::StandInRound {
                label = Some(e.noun.clone());
            }
        }
        Kind::Cone => parts.push((
            Shape::Cone {
                base: p,
                r: w / 2.0,
                h,
            },
            mat,
        )),
        Kind::Torus => {
            let big = w / 2.0 * 0.7;
            let small = w / 2.0 * 0.3;
            parts.push((
                Shape::Torus {
                    c: p + v3(0.0, h / 2.0, 0.0),
                    big,
                    small,
                },
                mat,
            ));
        }
        Kind::Pyramid => parts.push((
            Shape::Pyramid {
                base: p,
                a: w / 2.0,
                h,
            },
            mat,
        )),
        Kind::Bottle => parts.extend(bottle(p, w, h, mat)),
        Kind::Table => {
            let t = (h * 0.08).max(0.05);
            parts.push((bx(p.x, p.y + h - t, p.z, w, t, dd), mat));
            let leg = (w.min(dd) * 0.06).max(0.04);
            for (sx, sz) in [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)] {
                let lx = p.x + sx * (w / 2.0 - leg * 1.5);
                let lz = p.z + sz * (dd / 2.0 - leg * 1.5);
                parts.push((bx(lx, p.y, lz, leg, h - t, leg), mat));
            }
        }
        Kind::Pedestal => {
            parts.push((
                Shape::Cylinder {
                    base: p,
                    r: w / 2.0,
                    h,
                },
                mat,
            ));
        }
        Kind::Slab => parts.push((bx(p.x, p.y, p.z, w, h, dd), mat)),
        Kind::Sign => {
            let board_h = h * 0.5;
            let post_w = w * 0.07;
            parts.push((
                bx(p.x, p.y, p.z + dd, post_w, h - board_h, post_w),
                Mat::post(),
            ));
            let b0 = p.y + h - board_h;
            parts.push((bx(p.x, b0, p.z, w, board_h, dd), mat));
            let content = scene
                .text
                .iter()
                .find(|t| t.entity == Some(e.id))
                .map(|t| t.content.clone());
            match content {
                Some(c) => {
                    let z = p.z - dd / 2.0;
                    text = Some((
                        c,
                        v3(p.x - w / 2.0, b0, z),
                        v3(p.x + w / 2.0, b0 + board_h, z),
                    ));
                }
                None => label = Some(e.noun.clone()),
            }
        }
    }
    if n.kind != Kind::Sign && text.is_none() {
        if let Some(t) = scene.text.iter().find(|t| t.entity == Some(e.id)) {
            // Text on a non-sign object: printed on its front face.
            let z = p.z - dd / 2.0 - 0.01;
            text = Some((
                t.content.clone(),
                v3(p.x - w * 0.45, p.y + h * 0.3, z),
                v3(p.x + w * 0.45, p.y + h * 0.7, z),
            ));
        }
    }
    let mut lo = v3(f32::INFINITY, f32::INFINITY, f32::INFINITY);
    let mut hi = -lo;
    for (s, _) in &parts {
        let (a, b) = s.bounds();
        lo = lo.min(a);
        hi = hi.max(b);
    }
    Object {
        entity: n.entity,
        copy: n.copy,
        kind: n.kind,
        parts,
        bounds: (lo, hi),
        label,
        text,
    }
}
