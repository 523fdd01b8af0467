//! `[judges]`: the vision judge, a `gemini` or `openai` provider.

use std::collections::BTreeMap;

use super::*;

/// Checks `[judges]`: the vision judge's provider, if any.
pub(super) fn check(
    v: &mut V<'_>,
    node: Option<&Node>,
    providers: &BTreeMap<String, Provider>,
) -> Option<String> {
    let mut vision = None;
    if let Some(j) = node {
        for (k, n) in v.keys(j, "judges", &["vision"]) {
            let kp = format!("judges.{k}");
            if let Some(name) = v.string(n, &kp) {
                match providers.get(&name) {
                    Some(p) if matches!(p.kind, ProviderKind::Gemini | ProviderKind::OpenAi) => {
                        vision = Some(name)
                    }
                    Some(p) => v.err(
                        &n.span(),
                        &kp,
                        format!(
                            "provider `{name}` is a `{}`; the vision judge needs a `gemini` or `openai` provider (a vision model such as gemini-2.5-flash or gpt-4.1-mini, or one on a server of your own with api_key_env = \"\")",
                            p.kind.as_str()
                        ),
                    ),
                    None => v.err(&n.span(), &kp, format!("no provider named `{name}`")),
                }
            }
        }
    }
    vision
}
