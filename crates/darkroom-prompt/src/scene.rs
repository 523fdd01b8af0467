//! The scene graph a prompt becomes: entities with their attributes, relations between them,
//! scene-level camera, lighting, setting, style and text, the checklist, and the words that were
//! not understood. These types are serialised as the `darkroom parse --json` format that later
//! tools (judges, the `sim` provider, the report) rely on, so field names are part of the contract.

use darkroom_color::Rgb8;
use serde::{Deserialize, Serialize};

/// Everything darkroom understood of one prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Scene {
    /// The things to draw, in the order the prompt mentions them; `id` is the index.
    pub entities: Vec<Entity>,
    /// Spatial relations between entities.
    pub relations: Vec<Relation>,
    /// Camera angle and shot, if the prompt says anything about them.
    pub camera: Option<Camera>,
    /// Lighting cues, in prompt order, without repeats.
    pub lighting: Vec<Lighting>,
    /// Text the image must show.
    pub text: Vec<TextItem>,
    /// Where the scene is (a kitchen, a beach, a white background…).
    pub setting: Vec<String>,
    /// The background colour, when the prompt names one ("on a white background").
    pub background: Option<Color>,
    /// Style words (photorealistic, watercolor, isometric…).
    pub style: Vec<String>,
    /// The prompt decomposed into atomic assertions (see [`crate::checklist`]).
    pub checklist: Vec<Assertion>,
    /// Words that were not understood, in prompt order. Never silently dropped.
    pub unparsed: Vec<String>,
    /// Words understood and deliberately left out of the checklist, with why: the picture's
    /// medium, a direction, an abstraction. Nothing is asked about them.
    #[serde(default)]
    pub dropped: Vec<Dropped>,
}

impl Scene {
    /// The scene without its setting entities (and their checklist items): what a renderer
    /// draws as objects and a simulated model can drop. Settings are always the last entities,
    /// so no id or relation moves.
    pub fn without_settings(&self) -> Scene {
        let keep = self
            .entities
            .iter()
            .position(|e| e.kind == EntityKind::Setting)
            .unwrap_or(self.entities.len());
        if keep == self.entities.len() {
            return self.clone();
        }
        let mut s = self.clone();
        s.entities.truncate(keep);
        s.checklist = crate::checklist::build(&s);
        s
    }
}

/// A word the checklist does not ask about, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    /// The word as written (lowercase).
    pub word: String,
    /// Why it is not a thing to look for.
    pub reason: DropReason,
    /// Which of the two decided it.
    pub decided_by: Decider,
}

/// Why a word is not a thing to look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The picture's medium or format ("photo", "vector image", "oil painting", "4k").
    Medium,
    /// A style, movement or artist ("anime", "in the style of Van Gogh").
    Style,
    /// The caption's voice ("in this picture we can see") or a pronoun.
    Voice,
    /// A direction, a side or a part of the frame ("to the side", "facing forward", "the top of").
    Direction,
    /// A quality or measure ("color", "size", "texture").
    Attribute,
    /// An act, an event or a pose ("a jump", "tug-of-war", "collision").
    Act,
    /// An idea, feeling, state or message with nothing to point at ("love", "peace", "meaning").
    Abstract,
    /// A time of day or year ("night", "sunset", "day").
    Time,
    /// The word that introduces text to render ("the word OPEN").
    TextIntro,
    /// A Midjourney-style flag or weight (`--ar 16:9`, `::2`).
    Flag,
    /// Not a noun at all (an adjective or verb where a noun was expected: "blurry", "see").
    NotANoun,
    /// A collective or quantity before "of" ("a herd of", "a pile of"): the things follow.
    Collective,
    /// A relation or a link between clauses the checklist has no question for ("through",
    /// "while", "as").
    Relation,
}

impl DropReason {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            DropReason::Medium => "medium",
            DropReason::Style => "style",
            DropReason::Voice => "voice",
            DropReason::Direction => "direction",
            DropReason::Attribute => "attribute",
            DropReason::Act => "act",
            DropReason::Abstract => "abstract",
            DropReason::Time => "time",
            DropReason::TextIntro => "text_intro",
            DropReason::Flag => "flag",
            DropReason::NotANoun => "not_a_noun",
            DropReason::Collective => "collective",
            DropReason::Relation => "relation",
        }
    }
}

/// Which part of the parser decided what a word is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Decider {
    /// The prompt's grammar: the word's place and the words around it.
    #[default]
    Grammar,
    /// The WordNet prior: what the word most often means.
    Lexicon,
}

/// What kind of thing an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// An object, animal, plant, food, vehicle…
    #[default]
    Object,
    /// A person ("man", "astronaut", "someone").
    Person,
    /// The place or scenery the picture shows ("beach", "sky", "kitchen"). Not drawn as an
    /// object; judged as present by judges that can see scenery, else undecided.
    Setting,
}

/// One thing in the scene (possibly several copies of it, see `count`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Index in [`Scene::entities`].
    pub id: usize,
    /// Singular, lowercase noun; multi-word nouns keep their spaces ("teddy bear").
    pub noun: String,
    /// How many; `None` when the prompt leaves it open ("a few", "several", bare plurals).
    pub count: Option<u32>,
    /// A lower bound when the exact count is open ("a few apples" → at least 2).
    pub count_at_least: Option<u32>,
    /// Its colour.
    pub color: Option<Color>,
    /// Its material or surface finish.
    pub material: Option<Material>,
    /// A size word.
    pub size: Option<SizeWord>,
    /// Where in the frame it should be, when said absolutely ("on the left").
    pub position: Option<Position>,
    /// Descriptive words that were understood but are not checked ("fluffy", "of water").
    pub modifiers: Vec<String>,
    /// Object, person or setting.
    #[serde(default)]
    pub kind: EntityKind,
    /// Whether the grammar or the lexicon made this noun a thing.
    #[serde(default)]
    pub decided_by: Decider,
}

/// A colour as the prompt named it, with its sRGB value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Color {
    /// The words of the prompt ("red", "light blue", "#0047AB").
    pub name: String,
    /// `#RRGGBB`.
    pub hex: String,
}

impl Color {
    /// Builds a colour from a name and its value.
    pub fn new(name: impl Into<String>, rgb: Rgb8) -> Self {
        Color {
            name: name.into(),
            hex: rgb.to_hex(),
        }
    }

    /// The sRGB value.
    pub fn rgb(&self) -> Rgb8 {
        // The hex is always written by `Color::new`, so it parses; black is a safe fallback
        // for a hand-edited JSON file.
        Rgb8::from_hex(&self.hex).unwrap_or(Rgb8::new(0, 0, 0))
    }
}

/// A material or a surface finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Material {
    /// Diffuse, no highlight.
    Matte,
    /// Diffuse with a sharp highlight and a faint reflection.
    Glossy,
    /// Generic metal ("metal", "metallic", "steel").
    Metal,
    /// Mirror-like metal.
    Chrome,
    /// Gold metal.
    Gold,
    /// Silver metal.
    Silver,
    /// Copper metal.
    Copper,
    /// Brass or bronze.
    Brass,
    /// Transparent, refracting.
    Glass,
    /// Wood.
    Wood,
    /// Marble.
    Marble,
    /// Plastic.
    Plastic,
    /// Ceramic or porcelain.
    Ceramic,
    /// Fabric, cloth, velvet, wool.
    Fabric,
    /// Stone or concrete.
    Stone,
    /// Leather.
    Leather,
    /// Paper or cardboard.
    Paper,
    /// Rubber.
    Rubber,
}

impl Material {
    /// The word used in questions and in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Material::Matte => "matte",
            Material::Glossy => "glossy",
            Material::Metal => "metal",
            Material::Chrome => "chrome",
            Material::Gold => "gold",
            Material::Silver => "silver",
            Material::Copper => "copper",
            Material::Brass => "brass",
            Material::Glass => "glass",
            Material::Wood => "wood",
            Material::Marble => "marble",
            Material::Plastic => "plastic",
            Material::Ceramic => "ceramic",
            Material::Fabric => "fabric",
            Material::Stone => "stone",
            Material::Leather => "leather",
            Material::Paper => "paper",
            Material::Rubber => "rubber",
        }
    }

    /// Whether this is a surface finish rather than a substance.
    pub fn is_finish(&self) -> bool {
        matches!(self, Material::Matte | Material::Glossy)
    }

    /// Whether this renders as a reflective metal.
    pub fn is_metal(&self) -> bool {
        matches!(
            self,
            Material::Metal
                | Material::Chrome
                | Material::Gold
                | Material::Silver
                | Material::Copper
                | Material::Brass
        )
    }
}

/// A size word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeWord {
    /// tiny, miniature.
    Tiny,
    /// small, little.
    Small,
    /// large, big.
    Large,
    /// huge, giant, enormous.
    Huge,
    /// tall.
    Tall,
}

impl SizeWord {
    /// The word used in questions and in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            SizeWord::Tiny => "tiny",
            SizeWord::Small => "small",
            SizeWord::Large => "large",
            SizeWord::Huge => "huge",
            SizeWord::Tall => "tall",
        }
    }
}

/// An absolute place in the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Left side of the image.
    Left,
    /// Right side of the image.
    Right,
    /// Centre of the image.
    Center,
    /// Top of the image.
    Top,
    /// Bottom of the image.
    Bottom,
    /// Near the camera.
    Foreground,
    /// Far from the camera.
    Background,
}

impl Position {
    /// Phrase used in questions.
    pub fn phrase(&self) -> &'static str {
        match self {
            Position::Left => "on the left side of the image",
            Position::Right => "on the right side of the image",
            Position::Center => "in the centre of the image",
            Position::Top => "at the top of the image",
            Position::Bottom => "at the bottom of the image",
            Position::Foreground => "in the foreground",
            Position::Background => "in the background",
        }
    }
}

/// A spatial relation `subject predicate object [and object2]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    /// The entity the relation is said of.
    pub subject: usize,
    /// How it relates.
    pub predicate: Predicate,
    /// The entity it relates to.
    pub object: usize,
    /// The second object, for `between` only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub object2: Option<usize>,
}

/// The spatial predicates darkroom understands, as seen from the camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Predicate {
    /// Left in the image.
    LeftOf,
    /// Right in the image.
    RightOf,
    /// Higher, not touching.
    Above,
    /// Lower, not touching.
    Below,
    /// Resting on top of.
    On,
    /// Underneath, covered by.
    Under,
    /// Nearer the camera.
    InFrontOf,
    /// Farther from the camera.
    Behind,
    /// Beside, near.
    NextTo,
    /// Between `object` and `object2`.
    Between,
}

impl Predicate {
    /// The snake_case name used in JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Predicate::LeftOf => "left_of",
            Predicate::RightOf => "right_of",
            Predicate::Above => "above",
            Predicate::Below => "below",
            Predicate::On => "on",
            Predicate::Under => "under",
            Predicate::InFrontOf => "in_front_of",
            Predicate::Behind => "behind",
            Predicate::NextTo => "next_to",
            Predicate::Between => "between",
        }
    }

    /// The words used in questions ("to the left of").
    pub fn phrase(&self) -> &'static str {
        match self {
            Predicate::LeftOf => "to the left of",
            Predicate::RightOf => "to the right of",
            Predicate::Above => "above",
            Predicate::Below => "below",
            Predicate::On => "on",
            Predicate::Under => "under",
            Predicate::InFrontOf => "in front of",
            Predicate::Behind => "behind",
            Predicate::NextTo => "next to",
            Predicate::Between => "between",
        }
    }
}

/// Camera angle and shot size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Camera {
    /// Where the camera looks from.
    pub angle: Option<CameraAngle>,
    /// How much of the scene is in frame.
    pub shot: Option<Shot>,
}

/// Where the camera looks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraAngle {
    /// Level with the subject.
    EyeLevel,
    /// Low angle, worm's-eye: looking up.
    FromBelow,
    /// High angle, bird's-eye: looking down.
    FromAbove,
    /// Straight down.
    TopDown,
}

impl CameraAngle {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            CameraAngle::EyeLevel => "eye_level",
            CameraAngle::FromBelow => "from_below",
            CameraAngle::FromAbove => "from_above",
            CameraAngle::TopDown => "top_down",
        }
    }
}

/// Shot size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shot {
    /// The main subject fills the frame.
    CloseUp,
    /// The whole scene with room around it.
    Wide,
}

impl Shot {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Shot::CloseUp => "close_up",
            Shot::Wide => "wide",
        }
    }
}

/// A lighting cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lighting {
    /// Large light source, soft shadows.
    Soft,
    /// Small light source, crisp shadows.
    Hard,
    /// Contrasty, warm key and cool fill, vignette.
    Cinematic,
    /// Neutral, even, seamless backdrop.
    Studio,
    /// Low, warm sun.
    GoldenHour,
    /// Light from behind the subject.
    Backlit,
    /// Natural daylight.
    Natural,
    /// Strong contrast, deep shadows.
    Dramatic,
    /// Key light from the left of the frame.
    FromLeft,
    /// Key light from the right of the frame.
    FromRight,
    /// Key light from behind the subject.
    FromBehind,
    /// Key light from straight above.
    FromAbove,
}

impl Lighting {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Lighting::Soft => "soft",
            Lighting::Hard => "hard",
            Lighting::Cinematic => "cinematic",
            Lighting::Studio => "studio",
            Lighting::GoldenHour => "golden_hour",
            Lighting::Backlit => "backlit",
            Lighting::Natural => "natural",
            Lighting::Dramatic => "dramatic",
            Lighting::FromLeft => "from_left",
            Lighting::FromRight => "from_right",
            Lighting::FromBehind => "from_behind",
            Lighting::FromAbove => "from_above",
        }
    }
}

/// Text the image must show, and on which entity when the prompt says ("a sign that says …").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextItem {
    /// The text, with the prompt's case.
    pub content: String,
    /// The entity it is written on.
    pub entity: Option<usize>,
}

/// One atomic, checkable assertion about the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assertion {
    /// Index in [`Scene::checklist`].
    pub id: usize,
    /// What kind of fact it checks.
    pub kind: AssertionKind,
    /// A plain yes/no question a person or a vision model can answer.
    pub question: String,
    /// Assertions that must hold for this one to make sense (DSG dependencies).
    pub depends_on: Vec<usize>,
    /// The entities involved, subject first.
    pub entities: Vec<usize>,
    /// The expected value in machine form: a hex colour, a count, a material, a predicate, a
    /// camera angle, a lighting cue, the text.
    pub value: Option<String>,
}

/// The category of an assertion (the report aggregates adherence per category).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum AssertionKind {
    /// The entity is present.
    Entity,
    /// How many there are.
    Count,
    /// Its colour.
    Color,
    /// Its material or finish.
    Material,
    /// Its size.
    Size,
    /// Its absolute place in the frame.
    Position,
    /// A spatial relation.
    Relation,
    /// The camera angle or shot.
    Camera,
    /// A lighting cue.
    Lighting,
    /// Rendered text.
    Text,
    /// The picture's medium or style ("watercolor", "3d render"): asked of a vision model only.
    Style,
}

impl AssertionKind {
    /// The snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            AssertionKind::Entity => "entity",
            AssertionKind::Count => "count",
            AssertionKind::Color => "color",
            AssertionKind::Material => "material",
            AssertionKind::Size => "size",
            AssertionKind::Position => "position",
            AssertionKind::Relation => "relation",
            AssertionKind::Camera => "camera",
            AssertionKind::Lighting => "lighting",
            AssertionKind::Text => "text",
            AssertionKind::Style => "style",
        }
    }
}
