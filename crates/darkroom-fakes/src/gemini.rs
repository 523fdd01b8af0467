//! The fake Gemini API: `generateContent` (images and vision questions) and model metadata.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::{b64, json_answer, png, Answer, Fake, Script, Seen};

impl Fake {
    fn gemini_error(code: u16, status: &str, message: &str, details: Value) -> Answer {
        json_answer(
            code,
            json!({"error": {"code": code, "message": message, "status": status, "details": details}}),
        )
    }

    #[expect(
        clippy::too_many_lines,
        reason = "the vendor's documented request checks for one endpoint, in the order its documentation gives them"
    )]
    pub(crate) fn gemini_answer(&self, s: &mut Seen) -> Answer {
        let reject = |s: &mut Seen, why: String| {
            s.verdict = Err(why.clone());
            Fake::gemini_error(400, "INVALID_ARGUMENT", &why, json!([]))
        };
        if s.header("x-goog-api-key") != Some(self.key.as_str()) {
            s.verdict = Err("missing or wrong x-goog-api-key".into());
            return Fake::gemini_error(
                403,
                "PERMISSION_DENIED",
                "API key not valid. Please pass a valid API key.",
                json!([]),
            );
        }
        let Some(rest) = s.path.strip_prefix("/v1beta/models/") else {
            s.verdict = Err(format!("unknown path {}", s.path));
            return Fake::gemini_error(404, "NOT_FOUND", "not found", json!([]));
        };
        let model_ok = |m: &str| {
            !m.is_empty()
                && m.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        };
        if s.method == "GET" {
            if !model_ok(rest) {
                return reject(s, format!("bad model id {rest}"));
            }
            return json_answer(
                200,
                json!({"name": format!("models/{rest}"), "displayName": "Nano Banana (fake)"}),
            );
        }
        let Some(model) = rest
            .strip_suffix(":generateContent")
            .filter(|m| model_ok(m))
        else {
            return reject(s, format!("not a generateContent path: {}", s.path));
        };
        if s.method != "POST"
            || !s
                .header("content-type")
                .is_some_and(|c| c.starts_with("application/json"))
        {
            return reject(s, "generateContent is a JSON POST".into());
        }
        let v: Value = match serde_json::from_slice(&s.body) {
            Ok(v) => v,
            Err(e) => return reject(s, format!("body is not JSON: {e}")),
        };
        let (aspect, size) = match validate_gemini(&v, model) {
            Ok(x) => x,
            Err(why) => return reject(s, why),
        };
        if v["generationConfig"]["responseModalities"] == json!(["TEXT"]) {
            // A vision model answering the checklist: "N: yes" for every numbered question.
            let question_text = v["contents"][0]["parts"][0]["text"].as_str().unwrap_or("");
            let text = match self.next() {
                Script::Refuse(_) => "I can't help with that.".to_string(),
                Script::AnswerNo => answer_all(question_text).replace(": yes", ": no"),
                Script::AnswerNoAbout(words) => answer_about(question_text, words),
                _ => answer_all(question_text),
            };
            return json_answer(
                200,
                json!({
                    "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
                    "usageMetadata": {"promptTokenCount": 1400, "candidatesTokenCount": 40, "totalTokenCount": 1440},
                    "modelVersion": model
                }),
            );
        }
        let pro = model.starts_with("gemini-3");
        let k = match size.as_str() {
            "2K" => 2,
            "4K" => 4,
            _ => 1,
        };
        let (w, h) = if pro {
            let (w, h) = match aspect.as_str() {
                "2:3" => (848, 1264),
                "3:2" => (1264, 848),
                "3:4" => (896, 1200),
                "4:3" => (1200, 896),
                "4:5" => (928, 1152),
                "5:4" => (1152, 928),
                "9:16" => (768, 1376),
                "16:9" => (1376, 768),
                "21:9" => (1584, 672),
                _ => (1024, 1024),
            };
            (w * k, h * k)
        } else {
            match aspect.as_str() {
                "2:3" => (832, 1248),
                "3:2" => (1248, 832),
                "3:4" => (864, 1184),
                "4:3" => (1184, 864),
                "4:5" => (896, 1152),
                "5:4" => (1152, 896),
                "9:16" => (768, 1344),
                "16:9" => (1344, 768),
                "21:9" => (1536, 672),
                _ => (1024, 1024),
            }
        };
        let tokens = if pro {
            if k == 4 {
                2000
            } else {
                1120
            }
        } else {
            1290
        };
        let ok = |w: u32, h: u32| {
            json_answer(
                200,
                json!({
                    "candidates": [{"content": {"role": "model", "parts": [
                        {"text": "Planning the composition.", "thought": true},
                        {"inlineData": {"mimeType": "image/png", "data": b64(&png(w, h))}}
                    ]}, "finishReason": "STOP"}],
                    "usageMetadata": {"promptTokenCount": 40, "candidatesTokenCount": tokens, "totalTokenCount": 40 + tokens},
                    "modelVersion": format!("{model}-fake-001"),
                    "responseId": "fake"
                }),
            )
        };
        match self.next() {
            Script::Ok | Script::AnswerNo | Script::AnswerNoAbout(_) => ok(w, h),
            Script::Slow(d) => Answer {
                delay: Some(d),
                ..ok(w, h)
            },
            Script::WrongSize => ok(512, 512),
            Script::RateLimited(secs) => Fake::gemini_error(
                429,
                "RESOURCE_EXHAUSTED",
                "Resource has been exhausted (e.g. check quota).",
                json!([
                    {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_requests_per_model", "quotaId": "GenerateRequestsPerMinutePerProjectPerModel"}]},
                    {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": format!("{secs}s")}
                ]),
            ),
            Script::Quota => Fake::gemini_error(
                429,
                "RESOURCE_EXHAUSTED",
                "You exceeded your current quota.",
                json!([
                    {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_requests_per_model_per_day", "quotaId": "GenerateRequestsPerDayPerProjectPerModel"}]}
                ]),
            ),
            Script::ServerError | Script::NodeError => Fake::gemini_error(
                503,
                "UNAVAILABLE",
                "The model is overloaded. Please try again later.",
                json!([]),
            ),
            Script::Refuse("prompt") => json_answer(
                200,
                json!({"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}, "usageMetadata": {"promptTokenCount": 40, "totalTokenCount": 40}, "modelVersion": model}),
            ),
            Script::Refuse("finish") => json_answer(
                200,
                json!({"candidates": [{"content": {"role": "model", "parts": []}, "finishReason": "IMAGE_SAFETY", "finishMessage": "Unable to show the generated image."}], "modelVersion": model}),
            ),
            Script::Refuse(_) => json_answer(
                200,
                json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "I can't create that image."}]}, "finishReason": "STOP"}], "modelVersion": model}),
            ),
            Script::Malformed => Answer {
                status: 200,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: b"{\"candidates\": [{\"content\": ".to_vec(),
                delay: None,
            },
        }
    }
}

/// "N: yes" for every line of `text` that starts with a number and a colon.
pub(crate) fn answer_all(text: &str) -> String {
    text.lines()
        .filter_map(|l| {
            l.split_once(':')
                .and_then(|(n, _)| n.trim().parse::<u32>().ok())
        })
        .map(|n| format!("{n}: yes"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// "N: no" to each numbered question whose subject is one of `words`, "N: yes" to the rest.
pub(crate) fn answer_about(text: &str, words: &[&str]) -> String {
    text.lines()
        .filter_map(|l| {
            let (n, q) = l.split_once(':')?;
            let n = n.trim().parse::<u32>().ok()?;
            let about = subject(q.trim()).iter().any(|w| {
                let w = w.trim_end_matches('s');
                words
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(w) || x.eq_ignore_ascii_case(&format!("{w}s")))
            });
            Some(format!("{n}: {}", if about { "no" } else { "yes" }))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The words naming what a checklist question asks after: the noun phrase after "Is there
/// a", "Are there (exactly|at least|no) N", "Does the scene show a", or after the first "the"
/// up to the verb or preposition that follows it ("Is the color red?" → "color").
fn subject(q: &str) -> Vec<String> {
    const STOP: &[&str] = &[
        "is", "are", "say", "says", "have", "has", "made", "on", "in", "to", "above", "below",
        "under", "between", "next", "behind", "a", "an", "the", "of", "lit", "at", "shown",
        "viewed",
    ];
    // "Is the image in the style …?" asks about the picture's look, not after a thing.
    if q.starts_with("Is the image in the style") {
        return Vec::new();
    }
    let words: Vec<String> = q
        .trim_end_matches('?')
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    let start =
        if words.starts_with(&["is".into(), "there".into()])
            || words.starts_with(&["are".into(), "there".into()])
        {
            let mut k = 2;
            while words.get(k).is_some_and(|w| {
                matches!(w.as_str(), "a" | "an" | "exactly" | "at" | "least" | "no")
            }) || words.get(k).is_some_and(|w| {
                matches!(
                    w.as_str(),
                    "two"
                        | "three"
                        | "four"
                        | "five"
                        | "six"
                        | "seven"
                        | "eight"
                        | "nine"
                        | "ten"
                        | "eleven"
                        | "twelve"
                ) || w.chars().all(|c| c.is_ascii_digit())
            }) {
                k += 1;
            }
            k
        } else if words.starts_with(&["does".into(), "the".into(), "scene".into(), "show".into()]) {
            5
        } else if let Some(t) = words.iter().position(|w| w == "the") {
            t + 1
        } else {
            return Vec::new();
        };
    words
        .iter()
        .skip(start)
        .take_while(|w| !STOP.contains(&w.as_str()))
        .cloned()
        .collect()
}

/// Validates a `generateContent` body; returns (aspectRatio, imageSize).
fn validate_gemini(v: &Value, model: &str) -> Result<(String, String), String> {
    let top = v.as_object().ok_or("body is not an object")?;
    for k in top.keys() {
        if ![
            "contents",
            "generationConfig",
            "safetySettings",
            "tools",
            "systemInstruction",
        ]
        .contains(&k.as_str())
        {
            return Err(format!(
                "Invalid JSON payload received. Unknown name \"{k}\""
            ));
        }
    }
    let parts = v["contents"][0]["parts"]
        .as_array()
        .ok_or("contents[0].parts is required")?;
    if !parts.iter().any(|p| p["text"].is_string()) {
        return Err("a text part is required".into());
    }
    for p in parts {
        let o = p.as_object().ok_or("a part is an object")?;
        if o.len() != 1 || !(o.contains_key("text") || o.contains_key("inlineData")) {
            return Err(format!(
                "a part has exactly one of text, inlineData: {}",
                o.keys().cloned().collect::<Vec<_>>().join(",")
            ));
        }
        if let Some(d) = o.get("inlineData") {
            let mime = d["mimeType"].as_str().unwrap_or("");
            if !["image/png", "image/jpeg", "image/webp"].contains(&mime) {
                return Err(format!("inlineData.mimeType {mime:?}"));
            }
            let data = d["data"].as_str().ok_or("inlineData.data is required")?;
            base64::engine::general_purpose::STANDARD
                .decode(data)
                .map_err(|e| format!("inlineData.data is not base64: {e}"))?;
        }
    }
    let g = &v["generationConfig"];
    if let Some(o) = g.as_object() {
        for k in o.keys() {
            if ![
                "responseModalities",
                "imageConfig",
                "temperature",
                "candidateCount",
                "seed",
                "thinkingConfig",
            ]
            .contains(&k.as_str())
            {
                return Err(format!("Unknown name \"{k}\" at 'generation_config'"));
            }
        }
    }
    for m in g["responseModalities"].as_array().into_iter().flatten() {
        if !["TEXT", "IMAGE"].contains(&m.as_str().unwrap_or("")) {
            return Err(format!("responseModalities value {m}"));
        }
    }
    let ic = &g["imageConfig"];
    if let Some(o) = ic.as_object() {
        for k in o.keys() {
            if !["aspectRatio", "imageSize"].contains(&k.as_str()) {
                return Err(format!(
                    "Unknown name \"{k}\" at 'generation_config.image_config'"
                ));
            }
        }
    }
    let aspect = ic["aspectRatio"].as_str().unwrap_or("1:1").to_string();
    if ![
        "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9",
    ]
    .contains(&aspect.as_str())
    {
        return Err(format!("aspectRatio {aspect} is not supported"));
    }
    let size = match ic.get("imageSize") {
        None => "1K".to_string(),
        Some(s) => {
            let s = s.as_str().unwrap_or("").to_string();
            if !["1K", "2K", "4K"].contains(&s.as_str()) {
                return Err(format!("imageSize {s:?}: use 1K, 2K or 4K"));
            }
            if !model.starts_with("gemini-3") {
                return Err(format!("imageSize is not supported by {model}"));
            }
            s
        }
    };
    Ok((aspect, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_no_about_the_named_words_only() {
        let q = "1: Is there a forward?\n2: Is there a woman?\n3: Is the color red?\n\
                 4: Are there exactly three images?\n5: Is the woman on the left side of the image?\n\
                 6: Does the scene show a beach?";
        assert_eq!(
            answer_about(q, &["forward", "color", "image", "side"]),
            "1: no\n2: yes\n3: no\n4: no\n5: yes\n6: yes"
        );
    }
}
