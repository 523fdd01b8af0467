//! The checklist from real prompts (issue 31): a vision model that truly sees no "forward", no
//! "image" and no "background" in a picture must not fail a good, paid draft, because no such
//! question is ever asked.

use crate::{bin, files_under, scratch};

/// Words PartiPrompts and captions use that name no thing (RULE.md's list and the issue's):
/// the fake answers "no" to any question asking after one of them.
const NOT_THINGS: &[&str] = &[
    "forward",
    "side",
    "color",
    "colour",
    "back",
    "front",
    "image",
    "picture",
    "see",
    "seen",
    "ar",
    "art",
    "photo",
    "photograph",
    "painting",
    "drawing",
    "illustration",
    "sketch",
    "render",
    "portrait",
    "cartoon",
    "style",
    "view",
    "shot",
    "closeup",
    "close",
    "level",
    "blurry",
    "word",
    "background",
    "foreground",
    "top",
    "bottom",
    "middle",
    "center",
    "centre",
    "corner",
    "distance",
    "size",
    "shape",
    "texture",
    "love",
    "peace",
    "life",
    "meaning",
    "energy",
    "wind",
    "air",
    "day",
    "time",
    "version",
    "resolution",
    "detail",
    "quality",
    "4k",
    "vector",
    "way",
    "collision",
    "finale",
];

/// Real prompts: PartiPrompts rows that carry such words (from the labelled sample's both
/// halves), and the caption and Midjourney examples.
const PROMPTS: &[&str] = &[
    "a photo of the back of a covered wagon. a polar bear is sticking it's head out of the wagon.",
    "an extreme close-up view of a capybara sitting in a field",
    "view from below of a tall white ladder with just one rung leaning up against a yellow brick wall",
    "A richly textured oil painting of a young badger delicately sniffing a yellow rose next to a tree trunk. A small waterfall can be seen in the background.",
    "a tree growing out of the middle of an intersection",
    "a giant gorilla at the top of the Empire State Building",
    "Zoomed out view of a giraffe and a zebra in the middle of a field covered with colorful flowers",
    "an overhead view of a pickup truck with boxes in its flatbed",
    "a cartoon of a cow jumping over the moon",
    "a kangaroo hopping in the air between two identical large statues of warrior rabbits",
    "an image of the moons of the planet Jupiter",
    "the silhouette of the Milllenium Wheel at dusk",
    "a flag furling in the wind",
    "three guitars vector image",
    "The plate is white in color",
    "a woman facing forward with her right arm raised above her head --ar 16:9 --v 6",
    "In this picture we can see a dog. In the background we can see it is blurry.",
];

#[test]
fn no_draft_of_a_real_prompt_campaign_is_failed_by_a_question_about_a_non_thing() {
    use darkroom_fakes::{Fake, Script};
    // Images from a vendor (not the built-in renderer, so the vision model's verdicts stand),
    // judged by a vision model on a server of one's own.
    let gpt = Fake::openai("sk-parti-images-1");
    let eyes = Fake::openai_compatible();
    eyes.push(vec![Script::AnswerNoAbout(NOT_THINGS); PROMPTS.len() * 4]);
    let d = scratch("checklist-non-things");
    let mut c = format!(
        "[campaign]\nname = \"parti\"\noutput = \"out\"\n\
         [providers.gpt]\nkind = \"openai\"\nmodel = \"gpt-image-1\"\napi_key_env = \"DR_PARTI_KEY\"\nbase_url = \"{}\"\nconcurrency = 4\n\
         [providers.eyes]\nkind = \"openai\"\nmodel = \"qwen2.5vl:7b\"\napi_key_env = \"\"\nbase_url = \"{}\"\nconcurrency = 4\n\
         [judges]\nvision = \"eyes\"\n\
         [tiers.draft]\nprovider = \"gpt\"\nsize = \"1K\"\nvariants = 1\n[tiers.finish]\nprovider = \"gpt\"\nsize = \"1K\"\nkeep = 1\n\
         [gates]\nadherence = 1.0\n[budget]\nmoney = \"50 USD\"\nmax_rounds = 1\n",
        gpt.url, eyes.url
    );
    for (i, p) in PROMPTS.iter().enumerate() {
        c.push_str(&format!(
            "[[shots]]\nid = \"p{i}\"\nprompt = {}\ndeliver = [\"1:1\"]\n",
            toml_string(p)
        ));
    }
    std::fs::write(d.join("c.toml"), c).unwrap();
    let o = bin()
        .current_dir(&d)
        .args(["run", "c.toml"])
        .env("DR_PARTI_KEY", "sk-parti-images-1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(eyes.rejected().is_empty(), "{:?}", eyes.rejected());
    assert!(gpt.rejected().is_empty(), "{:?}", gpt.rejected());
    // Every draft and final was asked about, and every one passed on the answers.
    assert!(eyes.seen().len() >= PROMPTS.len(), "{err}");
    assert_eq!(o.status.code(), Some(0), "{err}");
    let delivered = files_under(&d.join("out/deliverables"), &["png"]);
    assert_eq!(delivered.len(), PROMPTS.len(), "{err}");
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
