//! `[brand]`: the palette, its tolerance, forbidden and protected colours.

use super::*;

/// Checks `[brand]`; `None` when it is absent or wrong (the errors are in `v`).
pub(super) fn check(v: &mut V<'_>, node: Option<&Node>) -> Option<Brand> {
    node.and_then(|b| {
        let mut spec = BrandSpec {
            palette: Vec::new(),
            tolerance: None,
            min_on_palette: None,
            forbid: Vec::new(),
            protect: Vec::new(),
        };
        let colours = |v: &mut V, n: &Node, path: &str| -> Vec<ColorSpec> {
            let Node::Array(items, _) = n else {
                v.err(
                    &n.span(),
                    path,
                    format!("expected an array of colours, found {}", n.kind()),
                );
                return Vec::new();
            };
            let mut out = Vec::new();
            for (i, it) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                let spec = match it {
                    Node::Str(s, _) => Some(ColorSpec::Bare(s.clone())),
                    Node::Table(..) => {
                        let (mut nm, mut hex) = (None, None);
                        for (k, x) in v.keys(it, &p, &["name", "hex"]) {
                            if k == "name" {
                                nm = v.string(x, &format!("{p}.name"));
                            } else {
                                hex = v.string(x, &format!("{p}.hex"));
                            }
                        }
                        hex.map(|hex| ColorSpec::Named { name: nm, hex })
                    }
                    other => {
                        v.err(
                            &other.span(),
                            &p,
                            format!(
                                "expected a colour string or {{ name, hex }}, found {}",
                                other.kind()
                            ),
                        );
                        None
                    }
                };
                if let Some(s) = spec {
                    let hex = match &s {
                        ColorSpec::Bare(h) | ColorSpec::Named { hex: h, .. } => h.clone(),
                    };
                    if let Err(e) = darkroom_color::parse_color(&hex) {
                        v.err(&it.span(), &p, e.to_string());
                    } else {
                        out.push(s);
                    }
                }
            }
            out
        };
        for (k, n) in v.keys(
            b,
            "brand",
            &[
                "palette",
                "tolerance",
                "min_on_palette",
                "forbid",
                "protect",
            ],
        ) {
            match k {
                "palette" => spec.palette = colours(v, n, "brand.palette"),
                "forbid" => spec.forbid = colours(v, n, "brand.forbid"),
                "protect" => spec.protect = colours(v, n, "brand.protect"),
                "tolerance" => spec.tolerance = v.number(n, "brand.tolerance", 0.1, 100.0),
                _ => spec.min_on_palette = v.number(n, "brand.min_on_palette", 0.0, 1.0),
            }
        }
        match Brand::from_spec(&spec) {
            Ok(b) => Some(b),
            Err(errs) => {
                for e in errs {
                    v.err(&b.span(), "brand", e);
                }
                None
            }
        }
    })
}
