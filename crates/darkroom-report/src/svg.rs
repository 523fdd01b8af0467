//! Charts as hand-written inline SVG. A plotting crate would bring a font stack and a raster
//! backend we do not need; these five shapes are a few hundred lines, scale with the page, print
//! sharp, and every number is formatted with a fixed precision so output is byte-stable.

use std::fmt::Write as _;

use crate::model::{Bar, Chart, Series, SwatchRow};

const W: f64 = 640.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
/// Series colours: distinguishable, and readable when printed in grey.
const COLORS: [&str; 8] = [
    "#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#718096", "#b7791f", "#319795",
];

/// Escapes text for SVG/HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A number for a coordinate: one decimal, no `-0.0`.
fn f(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".into()
    } else if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// A tick label: as few digits as the scale needs.
fn tick(v: f64, step: f64) -> String {
    if step >= 1.0 || v == 0.0 {
        format!("{}", v.round() as i64)
    } else if step >= 0.1 {
        format!("{v:.1}")
    } else if step >= 0.01 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A "nice" axis: a maximum at or above `max` and a step that divides it into 4–5 parts.
fn nice(max: f64) -> (f64, f64) {
    if max.is_nan() || max <= 0.0 || !max.is_finite() {
        return (1.0, 0.25);
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((max / step).ceil() * step, step)
}

fn open(s: &mut String, id: &str, title: &str, h: f64) {
    let _ = write!(
        s,
        r#"<svg class="chart" id="svg-{}" viewBox="0 0 {} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        esc(id),
        f(W),
        f(h),
        esc(title),
        esc(title)
    );
}

fn empty(s: &mut String, h: f64) {
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle" class="muted">no data</text></svg>"#,
        f(W / 2.0),
        f(h / 2.0)
    );
}

/// Y gridlines with labels, for a plot area from `top` to `bottom`.
fn y_axis(s: &mut String, top: f64, bottom: f64, ymax: f64, step: f64, label: &str) {
    let mut v = 0.0;
    while v <= ymax + step * 1e-6 {
        let y = bottom - (bottom - top) * v / ymax;
        let _ = write!(
            s,
            r#"<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            f(LEFT),
            f(y),
            f(W - RIGHT),
            f(y),
            f(LEFT - 6.0),
            f(y + 4.0),
            tick(v, step)
        );
        v += step;
    }
    let _ = write!(
        s,
        r#"<text class="axis" x="12" y="{}" transform="rotate(-90 12 {})" text-anchor="middle">{}</text>"#,
        f((top + bottom) / 2.0),
        f((top + bottom) / 2.0),
        esc(label)
    );
}

/// A dashed horizontal line across the plot at pixel row `y` (a gate, a cap), labelled.
fn reference_line(s: &mut String, y: f64, label: &str) {
    let _ = write!(
        s,
        r#"<line class="ref" x1="{}" y1="{}" x2="{}" y2="{}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
        f(LEFT),
        f(y),
        f(W - RIGHT),
        f(y),
        f(W - RIGHT),
        f(y - 4.0),
        esc(label)
    );
}

/// Renders one chart to an SVG element.
pub fn render(chart: &Chart) -> String {
    let mut s = String::new();
    match chart {
        Chart::Lines {
            id,
            title,
            x_label,
            y_label,
            series,
            step,
            reference,
        } => lines(
            &mut s, id, title, x_label, y_label, series, *step, reference,
        ),
        Chart::Histograms {
            id,
            title,
            x_label,
            groups,
        } => histograms(&mut s, id, title, x_label, groups),
        Chart::Bars {
            id,
            title,
            y_label,
            bars,
            max,
            reference,
        } => bars_chart(&mut s, id, title, y_label, bars, *max, reference),
        Chart::Swatches { id, title, rows } => swatches(&mut s, id, title, rows),
    }
    s
}

#[expect(clippy::too_many_arguments)]
fn lines(
    s: &mut String,
    id: &str,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    step: bool,
    reference: &Option<(f64, String)>,
) {
    let h = 280.0;
    let (top, bottom) = (34.0, h - 40.0);
    open(s, id, title, h);
    let pts = series.iter().flat_map(|x| x.points.iter());
    let (mut xmax, mut ymax) = (0f64, 0f64);
    let mut any = false;
    for &(x, y) in pts {
        if x.is_finite() && y.is_finite() {
            xmax = xmax.max(x);
            ymax = ymax.max(y);
            any = true;
        }
    }
    if !any {
        return empty(s, h);
    }
    if let Some((r, _)) = reference {
        ymax = ymax.max(*r);
    }
    let (ymax, ystep) = nice(ymax);
    let (xmax, xstep) = nice(xmax);
    y_axis(s, top, bottom, ymax, ystep, y_label);
    let px = |x: f64| LEFT + (W - LEFT - RIGHT) * x / xmax;
    let py = |y: f64| bottom - (bottom - top) * y / ymax;
    let mut v = 0.0;
    while v <= xmax + xstep * 1e-6 {
        let _ = write!(
            s,
            r#"<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>"#,
            f(px(v)),
            f(bottom + 16.0),
            tick(v, xstep)
        );
        v += xstep;
    }
    let _ = write!(
        s,
        r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>"#,
        f((LEFT + W - RIGHT) / 2.0),
        f(h - 6.0),
        esc(x_label)
    );
    if let Some((r, label)) = reference {
        reference_line(s, py(*r), label);
    }
    for (i, se) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let mut d = String::new();
        let mut last: Option<(f64, f64)> = None;
        for &(x, y) in se
            .points
            .iter()
            .filter(|p| p.0.is_finite() && p.1.is_finite())
        {
            match last {
                None => {
                    let _ = write!(d, "M{},{}", f(px(x)), f(py(y)));
                }
                Some((_, ly)) if step => {
                    let _ = write!(d, " L{},{} L{},{}", f(px(x)), f(py(ly)), f(px(x)), f(py(y)));
                }
                Some(_) => {
                    let _ = write!(d, " L{},{}", f(px(x)), f(py(y)));
                }
            }
            last = Some((x, y));
        }
        let _ = write!(
            s,
            r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="2"/>"#
        );
        if se.points.len() == 1 {
            let (x, y) = se.points[0];
            let _ = write!(
                s,
                r#"<circle cx="{}" cy="{}" r="3" fill="{color}"/>"#,
                f(px(x)),
                f(py(y))
            );
        }
        let lx = LEFT + 8.0 + 150.0 * i as f64;
        let _ = write!(
            s,
            r#"<rect x="{}" y="10" width="12" height="12" fill="{color}"/><text class="legend" x="{}" y="20">{}</text>"#,
            f(lx),
            f(lx + 16.0),
            esc(&se.name)
        );
    }
    s.push_str("</svg>");
}

fn histograms(s: &mut String, id: &str, title: &str, x_label: &str, groups: &[(String, Vec<f64>)]) {
    let row = 92.0;
    let h = 40.0 + row * groups.len().max(1) as f64;
    open(s, id, title, h);
    let all: Vec<f64> = groups
        .iter()
        .flat_map(|g| g.1.iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    if all.is_empty() {
        return empty(s, h);
    }
    let (xmax, xstep) = nice(all.iter().copied().fold(0.0, f64::max));
    const BINS: usize = 20;
    let bw = (W - LEFT - RIGHT) / BINS as f64;
    for (gi, (name, vals)) in groups.iter().enumerate() {
        let color = COLORS[gi % COLORS.len()];
        let top = 10.0 + row * gi as f64;
        let bottom = top + row - 30.0;
        let mut counts = [0u32; BINS];
        for v in vals.iter().filter(|v| v.is_finite()) {
            let b = ((v / xmax) * BINS as f64).floor() as usize;
            counts[b.min(BINS - 1)] += 1;
        }
        let cmax = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
        let _ = write!(
            s,
            r#"<text class="legend" x="{}" y="{}">{} (n = {})</text><line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
            f(LEFT),
            f(top + 10.0),
            esc(name),
            vals.len(),
            f(LEFT),
            f(bottom),
            f(W - RIGHT),
            f(bottom)
        );
        for (b, &c) in counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let bh = (bottom - top - 16.0) * c as f64 / cmax;
            let _ = write!(
                s,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{color}"><title>{}</title></rect>"#,
                f(LEFT + bw * b as f64 + 1.0),
                f(bottom - bh),
                f(bw - 2.0),
                f(bh),
                c
            );
        }
        let mut v = 0.0;
        while v <= xmax + xstep * 1e-6 {
            let _ = write!(
                s,
                r#"<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                f(LEFT + (W - LEFT - RIGHT) * v / xmax),
                f(bottom + 14.0),
                tick(v, xstep)
            );
            v += xstep;
        }
    }
    let _ = write!(
        s,
        r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text></svg>"#,
        f((LEFT + W - RIGHT) / 2.0),
        f(h - 6.0),
        esc(x_label)
    );
}

fn bars_chart(
    s: &mut String,
    id: &str,
    title: &str,
    y_label: &str,
    bars: &[Bar],
    max: f64,
    reference: &Option<(f64, String)>,
) {
    let labelled = bars.len() <= 24;
    let h = if labelled { 300.0 } else { 240.0 };
    let (top, bottom) = (20.0, if labelled { h - 70.0 } else { h - 24.0 });
    open(s, id, title, h);
    if bars.is_empty() {
        return empty(s, h);
    }
    let (ymax, ystep) = nice(max.max(bars.iter().map(|b| b.value).fold(0.0, f64::max)));
    y_axis(s, top, bottom, ymax, ystep, y_label);
    let py = |y: f64| bottom - (bottom - top) * y.clamp(0.0, ymax) / ymax;
    let bw = (W - LEFT - RIGHT) / bars.len() as f64;
    let gap = (bw * 0.2).min(6.0);
    for (i, b) in bars.iter().enumerate() {
        let below = reference.as_ref().is_some_and(|(r, _)| b.value < *r);
        let class = if below { "bar low" } else { "bar" };
        let x = LEFT + bw * i as f64 + gap / 2.0;
        let _ = write!(
            s,
            r#"<rect class="{class}" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>"#,
            f(x),
            f(py(b.value)),
            f((bw - gap).max(0.5)),
            f(bottom - py(b.value)),
            esc(&b.label),
            esc(&if b.note.is_empty() {
                format!("{:.3}", b.value)
            } else {
                b.note.clone()
            })
        );
        if labelled {
            let cx = x + (bw - gap) / 2.0;
            if !b.note.is_empty() {
                let _ = write!(
                    s,
                    r#"<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                    f(cx),
                    f(py(b.value) - 4.0),
                    esc(&b.note)
                );
            }
            let _ = write!(
                s,
                r#"<text class="tick" x="{}" y="{}" text-anchor="end" transform="rotate(-35 {} {})">{}</text>"#,
                f(cx),
                f(bottom + 14.0),
                f(cx),
                f(bottom + 14.0),
                esc(&b.label)
            );
        }
    }
    if let Some((r, label)) = reference {
        reference_line(s, py(*r), label);
    }
    s.push_str("</svg>");
}

fn swatches(s: &mut String, id: &str, title: &str, rows: &[SwatchRow]) {
    let row = 64.0;
    let h = 12.0 + row * rows.len().max(1) as f64;
    open(s, id, title, h);
    if rows.is_empty() {
        return empty(s, h);
    }
    let label_w = 170.0;
    for (ri, r) in rows.iter().enumerate() {
        let y = 8.0 + row * ri as f64;
        let _ = write!(
            s,
            r#"<text class="legend" x="4" y="{}">{}</text>"#,
            f(y + 22.0),
            esc(&shorten(&r.label, 26))
        );
        let cw = ((W - label_w - 8.0) / r.cells.len().max(1) as f64).min(72.0);
        for (ci, c) in r.cells.iter().enumerate() {
            let x = label_w + cw * ci as f64;
            let _ = write!(
                s,
                r#"<rect x="{}" y="{}" width="{}" height="32" rx="3" fill="{}" stroke="rgba(0,0,0,0.2)"><title>{} {}</title></rect><text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                f(x),
                f(y),
                f(cw - 6.0),
                esc(&c.hex),
                esc(&c.hex),
                esc(&c.caption),
                f(x + (cw - 6.0) / 2.0),
                f(y + 46.0),
                esc(&c.caption)
            );
        }
    }
    s.push_str("</svg>");
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut o: String = s.chars().take(n - 1).collect();
        o.push('…');
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_axes_cover_the_data() {
        for max in [0.3, 1.0, 7.0, 13.2, 480.0, 0.0042] {
            let (m, st) = nice(max);
            assert!(
                m >= max && st > 0.0 && m / st <= 5.0 + 1e-9,
                "{max} → {m} {st}"
            );
        }
        assert_eq!(nice(0.0), (1.0, 0.25));
        assert_eq!(nice(f64::NAN), (1.0, 0.25));
    }

    #[test]
    fn text_is_escaped_and_numbers_are_stable() {
        let c = Chart::Bars {
            id: "x".into(),
            title: "a <b> & \"c\"".into(),
            y_label: "share".into(),
            bars: vec![Bar {
                label: "<img>".into(),
                value: 0.5,
                note: String::new(),
            }],
            max: 1.0,
            reference: Some((0.35, "gate".into())),
        };
        let s = render(&c);
        assert!(!s.contains("<img>") && s.contains("&lt;img&gt;"));
        assert!(s.contains("a &lt;b&gt; &amp; &quot;c&quot;"));
        assert_eq!(render(&c), s);
        assert_eq!(f(-0.04), "0");
        assert_eq!(f(2.0), "2");
        assert_eq!(f(2.25), "2.3");
    }

    #[test]
    fn bars_below_the_gate_are_marked() {
        let c = Chart::Bars {
            id: "p".into(),
            title: "t".into(),
            y_label: "y".into(),
            bars: vec![
                Bar {
                    label: "a".into(),
                    value: 0.2,
                    note: String::new(),
                },
                Bar {
                    label: "b".into(),
                    value: 0.6,
                    note: String::new(),
                },
            ],
            max: 1.0,
            reference: Some((0.35, "gate".into())),
        };
        let s = render(&c);
        assert_eq!(s.matches(r#"class="bar low""#).count(), 1);
        assert_eq!(s.matches(r#"class="bar""#).count(), 1);
    }

    #[test]
    fn an_empty_chart_says_so() {
        let c = Chart::Lines {
            id: "l".into(),
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![],
            step: true,
            reference: None,
        };
        let s = render(&c);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>") && s.contains("no data"));
    }
}
