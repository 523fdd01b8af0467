//! `.cube` LUT files (Adobe/IRIDAS and Resolve flavours): read, write, apply.
//!
//! A file holds a 1D table, a 3D table, or (Resolve) a 1D "shaper" followed by a 3D table.
//! Keywords come before the data: `TITLE`, `LUT_1D_SIZE`, `LUT_3D_SIZE` (2..=256),
//! `DOMAIN_MIN`/`DOMAIN_MAX` (three values each, default 0 and 1), Resolve's
//! `LUT_1D_INPUT_RANGE`/`LUT_3D_INPUT_RANGE` (min max); `#` starts a comment anywhere. In a 3D
//! table red changes fastest: node (r, g, b) is data line `r + N·g + N²·b`.

use std::fmt::Write;

/// A `.cube` that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` line {line}: {why}")]
pub struct CubeError {
    /// The file name.
    pub name: String,
    /// 1-based line number (0 when the problem is the file as a whole).
    pub line: usize,
    /// What is wrong and what is accepted.
    pub why: String,
}

/// A 1D table, per channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut1d {
    /// Input value of the first node, per channel.
    pub min: [f32; 3],
    /// Input value of the last node, per channel.
    pub max: [f32; 3],
    /// Output per node.
    pub table: Vec<[f32; 3]>,
}

/// A 3D table.
#[derive(Debug, Clone, PartialEq)]
pub struct Lut3d {
    /// Nodes per axis.
    pub size: usize,
    /// Input value of the first node, per channel.
    pub min: [f32; 3],
    /// Input value of the last node, per channel.
    pub max: [f32; 3],
    /// Output per node, red fastest.
    pub table: Vec<[f32; 3]>,
}

/// How to interpolate inside a 3D table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interp {
    /// Eight nodes, weighted by volume.
    Trilinear,
    /// Four nodes of the enclosing tetrahedron (what Resolve and most graders use).
    Tetrahedral,
}

/// A whole `.cube` file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cube {
    /// `TITLE`, if any.
    pub title: Option<String>,
    /// A 1D table applied first (the shaper of a Resolve file, or the whole of a 1D file).
    pub lut1d: Option<Lut1d>,
    /// The 3D table.
    pub lut3d: Option<Lut3d>,
}

fn lerp3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

impl Lut1d {
    /// Applies the table per channel, linearly interpolated, clamped to the domain.
    pub fn apply(&self, c: [f32; 3]) -> [f32; 3] {
        let n = self.table.len();
        let mut out = [0f32; 3];
        for k in 0..3 {
            let t = ((c[k] - self.min[k]) / (self.max[k] - self.min[k])).clamp(0.0, 1.0)
                * (n - 1) as f32;
            let i = (t as usize).min(n - 2);
            let f = t - i as f32;
            out[k] = self.table[i][k] + (self.table[i + 1][k] - self.table[i][k]) * f;
        }
        out
    }
}

impl Lut3d {
    /// The identity table of a given size over 0..1.
    pub fn identity(size: usize) -> Lut3d {
        let s = (size - 1) as f32;
        let mut table = Vec::with_capacity(size * size * size);
        for b in 0..size {
            for g in 0..size {
                for r in 0..size {
                    table.push([r as f32 / s, g as f32 / s, b as f32 / s]);
                }
            }
        }
        Lut3d {
            size,
            min: [0.0; 3],
            max: [1.0; 3],
            table,
        }
    }

    #[inline]
    fn node(&self, r: usize, g: usize, b: usize) -> [f32; 3] {
        self.table[r + self.size * (g + self.size * b)]
    }

    /// Applies the table to one colour.
    pub fn apply(&self, c: [f32; 3], interp: Interp) -> [f32; 3] {
        let n = self.size;
        let s = (n - 1) as f32;
        let mut i = [0usize; 3];
        let mut f = [0f32; 3];
        for k in 0..3 {
            let t = ((c[k] - self.min[k]) / (self.max[k] - self.min[k])).clamp(0.0, 1.0) * s;
            i[k] = (t as usize).min(n - 2);
            f[k] = t - i[k] as f32;
        }
        let (r0, g0, b0) = (i[0], i[1], i[2]);
        let (fr, fg, fb) = (f[0], f[1], f[2]);
        let c000 = self.node(r0, g0, b0);
        let c111 = self.node(r0 + 1, g0 + 1, b0 + 1);
        match interp {
            Interp::Trilinear => {
                let c100 = self.node(r0 + 1, g0, b0);
                let c010 = self.node(r0, g0 + 1, b0);
                let c110 = self.node(r0 + 1, g0 + 1, b0);
                let c001 = self.node(r0, g0, b0 + 1);
                let c101 = self.node(r0 + 1, g0, b0 + 1);
                let c011 = self.node(r0, g0 + 1, b0 + 1);
                let x00 = lerp3(c000, c100, fr);
                let x10 = lerp3(c010, c110, fr);
                let x01 = lerp3(c001, c101, fr);
                let x11 = lerp3(c011, c111, fr);
                lerp3(lerp3(x00, x10, fg), lerp3(x01, x11, fg), fb)
            }
            Interp::Tetrahedral => {
                // Pick the tetrahedron by the order of the fractions; walk from c000 to c111
                // along the cube edges in that order.
                let (a, b, c, x, y, z);
                if fr > fg {
                    if fg > fb {
                        (a, b) = (self.node(r0 + 1, g0, b0), self.node(r0 + 1, g0 + 1, b0));
                        (x, y, z) = (fr, fg, fb);
                    } else if fr > fb {
                        (a, b) = (self.node(r0 + 1, g0, b0), self.node(r0 + 1, g0, b0 + 1));
                        (x, y, z) = (fr, fb, fg);
                    } else {
                        (a, b) = (self.node(r0, g0, b0 + 1), self.node(r0 + 1, g0, b0 + 1));
                        (x, y, z) = (fb, fr, fg);
                    }
                } else if fb > fg {
                    (a, b) = (self.node(r0, g0, b0 + 1), self.node(r0, g0 + 1, b0 + 1));
                    (x, y, z) = (fb, fg, fr);
                } else if fb > fr {
                    (a, b) = (self.node(r0, g0 + 1, b0), self.node(r0, g0 + 1, b0 + 1));
                    (x, y, z) = (fg, fb, fr);
                } else {
                    (a, b) = (self.node(r0, g0 + 1, b0), self.node(r0 + 1, g0 + 1, b0));
                    (x, y, z) = (fg, fr, fb);
                }
                c = c111;
                let mut out = [0f32; 3];
                for k in 0..3 {
                    out[k] = (1.0 - x) * c000[k] + (x - y) * a[k] + (y - z) * b[k] + z * c[k];
                }
                out
            }
        }
    }
}

impl Cube {
    /// Applies the file's tables (1D, then 3D) to one colour.
    pub fn apply(&self, c: [f32; 3], interp: Interp) -> [f32; 3] {
        let c = self.lut1d.as_ref().map_or(c, |l| l.apply(c));
        self.lut3d.as_ref().map_or(c, |l| l.apply(c, interp))
    }

    /// Applies the file to 8-bit RGB pixels in place (inputs and outputs in 0..1).
    pub fn apply_rgb8(&self, rgb: &mut [u8], interp: Interp) {
        for p in rgb.chunks_exact_mut(3) {
            let o = self.apply(
                [
                    f32::from(p[0]) / 255.0,
                    f32::from(p[1]) / 255.0,
                    f32::from(p[2]) / 255.0,
                ],
                interp,
            );
            for k in 0..3 {
                p[k] = (o[k].clamp(0.0, 1.0) * 255.0 + 0.5) as u8;
            }
        }
    }

    /// Parses the text of a `.cube` file; `name` is used in errors.
    pub fn parse(text: &str, name: &str) -> Result<Cube, CubeError> {
        let err = |line: usize, why: String| CubeError {
            name: name.to_string(),
            line,
            why,
        };
        let mut cube = Cube::default();
        let (mut n1, mut n3) = (0usize, 0usize);
        let (mut dmin, mut dmax) = ([0f32; 3], [1f32; 3]);
        let mut r1: Option<(f32, f32)> = None;
        let mut r3: Option<(f32, f32)> = None;
        let mut data: Vec<([f32; 3], usize)> = Vec::new();
        let floats = |line: usize, parts: &[&str], n: usize| -> Result<Vec<f32>, CubeError> {
            if parts.len() != n {
                return Err(err(
                    line,
                    format!("expected {n} numbers, found {}", parts.len()),
                ));
            }
            parts
                .iter()
                .map(|p| {
                    p.parse::<f32>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| err(line, format!("`{p}` is not a number")))
                })
                .collect()
        };
        for (i, raw) in text.lines().enumerate() {
            let ln = i + 1;
            let l = raw.split('#').next().unwrap_or("").trim();
            if l.is_empty() {
                continue;
            }
            let parts: Vec<&str> = l.split_whitespace().collect();
            let key = parts[0];
            if key.starts_with(|c: char| c.is_ascii_alphabetic()) {
                if !data.is_empty() {
                    return Err(err(
                        ln,
                        format!("keyword `{key}` after the data; keywords come first"),
                    ));
                }
                let size = |p: &[&str]| -> Result<usize, CubeError> {
                    let v = floats(ln, &p[1..], 1)?[0];
                    if v.fract() != 0.0 || !(2.0..=256.0).contains(&v) {
                        return Err(err(
                            ln,
                            format!("{} {v} is not a whole number in 2..=256", p[0]),
                        ));
                    }
                    Ok(v as usize)
                };
                match key {
                    "TITLE" => cube.title = Some(l["TITLE".len()..].trim().trim_matches('"').to_string()),
                    "LUT_1D_SIZE" => n1 = size(&parts)?,
                    "LUT_3D_SIZE" => n3 = size(&parts)?,
                    "DOMAIN_MIN" => dmin = floats(ln, &parts[1..], 3)?.try_into().map_err(|_| err(ln, "three numbers".into()))?,
                    "DOMAIN_MAX" => dmax = floats(ln, &parts[1..], 3)?.try_into().map_err(|_| err(ln, "three numbers".into()))?,
                    "LUT_1D_INPUT_RANGE" => {
                        let v = floats(ln, &parts[1..], 2)?;
                        r1 = Some((v[0], v[1]));
                    }
                    "LUT_3D_INPUT_RANGE" => {
                        let v = floats(ln, &parts[1..], 2)?;
                        r3 = Some((v[0], v[1]));
                    }
                    other => {
                        return Err(err(
                            ln,
                            format!("unknown keyword `{other}`; accepted: TITLE, LUT_1D_SIZE, LUT_3D_SIZE, DOMAIN_MIN, DOMAIN_MAX, LUT_1D_INPUT_RANGE, LUT_3D_INPUT_RANGE"),
                        ))
                    }
                }
            } else {
                let v = floats(ln, &parts, 3)?;
                data.push(([v[0], v[1], v[2]], ln));
            }
        }
        if n1 == 0 && n3 == 0 {
            return Err(err(0, "no LUT_1D_SIZE or LUT_3D_SIZE".into()));
        }
        let want = n1 + n3 * n3 * n3;
        if data.len() != want {
            let line = data.last().map_or(0, |d| d.1);
            return Err(err(
                line,
                format!(
                    "{} data lines, expected {want} (LUT_1D_SIZE {n1}, LUT_3D_SIZE {n3})",
                    data.len()
                ),
            ));
        }
        for k in 0..3 {
            if dmax[k] <= dmin[k] {
                return Err(err(
                    0,
                    format!(
                        "DOMAIN_MAX must be greater than DOMAIN_MIN on every channel (channel {k})"
                    ),
                ));
            }
        }
        let table1: Vec<[f32; 3]> = data[..n1].iter().map(|d| d.0).collect();
        let table3: Vec<[f32; 3]> = data[n1..].iter().map(|d| d.0).collect();
        let range = |r: Option<(f32, f32)>| r.map_or((dmin, dmax), |(a, b)| ([a; 3], [b; 3]));
        if n1 > 0 {
            let (min, max) = range(r1);
            cube.lut1d = Some(Lut1d {
                min,
                max,
                table: table1,
            });
        }
        if n3 > 0 {
            let (min, max) = range(r3);
            cube.lut3d = Some(Lut3d {
                size: n3,
                min,
                max,
                table: table3,
            });
        }
        Ok(cube)
    }

    /// Writes the file in IRIDAS/Resolve `.cube` syntax (a shaper uses Resolve's
    /// `LUT_1D_INPUT_RANGE`; a lone table uses `DOMAIN_MIN/MAX` when they are not 0 and 1).
    pub fn to_cube_string(&self) -> String {
        let mut o = String::new();
        if let Some(t) = &self.title {
            let _ = writeln!(o, "TITLE \"{}\"", t.replace('"', "'"));
        }
        let domain = |o: &mut String, min: [f32; 3], max: [f32; 3]| {
            if min != [0.0; 3] || max != [1.0; 3] {
                let _ = writeln!(o, "DOMAIN_MIN {} {} {}", min[0], min[1], min[2]);
                let _ = writeln!(o, "DOMAIN_MAX {} {} {}", max[0], max[1], max[2]);
            }
        };
        match (&self.lut1d, &self.lut3d) {
            (Some(a), Some(b)) => {
                let _ = writeln!(o, "LUT_1D_SIZE {}", a.table.len());
                let _ = writeln!(o, "LUT_1D_INPUT_RANGE {} {}", a.min[0], a.max[0]);
                let _ = writeln!(o, "LUT_3D_SIZE {}", b.size);
                let _ = writeln!(o, "LUT_3D_INPUT_RANGE {} {}", b.min[0], b.max[0]);
            }
            (Some(a), None) => {
                let _ = writeln!(o, "LUT_1D_SIZE {}", a.table.len());
                domain(&mut o, a.min, a.max);
            }
            (None, Some(b)) => {
                let _ = writeln!(o, "LUT_3D_SIZE {}", b.size);
                domain(&mut o, b.min, b.max);
            }
            (None, None) => {}
        }
        for t in self
            .lut1d
            .iter()
            .flat_map(|l| l.table.iter())
            .chain(self.lut3d.iter().flat_map(|l| l.table.iter()))
        {
            let _ = writeln!(o, "{:.6} {:.6} {:.6}", t[0], t[1], t[2]);
        }
        o
    }
}
