//! From a noun phrase to the scene: whether its head is a thing (the grammar's evidence and
//! the lexicon's prior, in `things`), which entity it is, and where it stands in the clause.

use super::{Join, Np, Parser};
use crate::lexicon::{self, Phrase};
use crate::scene::*;
use crate::things::{self, Evidence, Verdict};
use crate::tokenize::Kind;

impl Parser<'_> {
    pub(super) fn handle_np(&mut self, np: Np, end: usize) {
        self.scene.unparsed.extend(np.unknown.iter().cloned());
        let Some(noun) = np.noun.clone() else {
            // Attributes only ("is red", "in red", "made of glass"): said of the last entity.
            let target = if self.about_last || self.prep.is_some() || self.join == Join::None {
                self.last
            } else {
                None
            };
            self.about_last = false;
            let prep = self.prep.take();
            match target {
                Some(t)
                    if np.color.is_some()
                        || np.material.is_some()
                        || np.size.is_some()
                        || !np.modifiers.is_empty() =>
                {
                    let e = &mut self.scene.entities[t];
                    merge_attrs(e, &np);
                }
                _ => {
                    self.scene.unparsed.extend(prep);
                    self.scene.unparsed.extend(np.orig);
                }
            }
            return;
        };
        // Setting: "in a kitchen", "on a white background".
        let via_on = matches!(&self.pending, Some(p) if p.pred == Predicate::On || p.pred == Predicate::InFrontOf);
        if lexicon::setting_noun(&noun)
            && (self.prep.is_some() || via_on || matches!(noun.as_str(), "background" | "backdrop"))
        {
            let mut desc = np.attr_words.clone();
            desc.push(noun.clone());
            self.scene.setting.push(desc.join(" "));
            self.settings.push((noun.clone(), np.attr_words.clone()));
            if matches!(
                noun.as_str(),
                "background" | "backdrop" | "wall" | "seamless backdrop"
            ) {
                if let Some(c) = np.color.clone() {
                    self.scene.background = Some(c);
                }
            }
            self.prep = None;
            if via_on {
                self.pending = None;
            }
            self.np_end = end;
            return;
        }
        self.flush_prep();
        if let Some(c) = self.container_of.take() {
            let mut desc = np.attr_words.clone();
            desc.push(noun);
            self.scene.entities[c]
                .modifiers
                .push(format!("of {}", desc.join(" ")));
            self.np_end = end;
            return;
        }
        let ev = self.evidence(&np, end);
        // "a herd of dolphins" gathers; "a family of four posing" is the family.
        let of_a_number = self
            .words
            .get(end + 1)
            .and_then(|w| lexicon::count_word(w))
            .is_some_and(|(n, _, _)| n.is_some_and(|n| n > 1))
            && self.words.get(end + 2).is_none_or(|w| {
                self.toks[end + 2].kind != Kind::Word
                    || lexicon::function_word(w)
                    || things::verb_inflection(w)
            });
        let gathers =
            things::collective(&noun) && self.words.get(end) == Some(&"of") && !of_a_number;
        // "a few feet in front of": a measure.
        let measure = things::unit(&noun)
            && self.words.get(end).is_some_and(|w| {
                lexicon::function_word(w)
                    || matches!(*w, "away" | "tall" | "long" | "wide" | "high" | "deep")
                    || lexicon::phrase(&self.words[end..]).is_some()
            });
        let verdict = if gathers {
            Verdict::Drop(DropReason::Collective, Decider::Grammar)
        } else if measure {
            Verdict::Drop(DropReason::Attribute, Decider::Grammar)
        } else {
            things::verdict(&noun, &ev)
        };
        let (kind, by) = match verdict {
            Verdict::Thing(kind, by) => (kind, by),
            Verdict::Drop(reason, decided_by) => {
                if reason == DropReason::TextIntro {
                    self.text_intro = true;
                    self.text_free = true;
                }
                self.scene
                    .dropped
                    .extend(np.attr_words.iter().map(|w| Dropped {
                        word: w.clone(),
                        reason,
                        decided_by,
                    }));
                self.scene.dropped.push(Dropped {
                    word: noun,
                    reason,
                    decided_by,
                });
                self.dropped_end = end;
                return;
            }
        };
        let noun = things::person_noun(&noun).map_or(noun, str::to_string);
        if let Some(owner) = np.possessor.clone().filter(|_| things::part(&noun)) {
            self.add_possessor(owner, end);
        }
        let id = self.resolve(&np, noun);
        self.scene.entities[id].kind = kind;
        self.scene.entities[id].decided_by = by;
        self.np_end = end;
        self.attach(id, true);
        self.held = false;
    }

    /// "the moon's surface": the moon is in the picture too, as a thing of its own when the
    /// lexicon and grammar say it is one (it takes no part in the clause's relations).
    pub(super) fn add_possessor(&mut self, owner: String, end: usize) {
        let ev = Evidence {
            determined: true,
            ..Evidence::default()
        };
        let Verdict::Thing(kind, decided_by) = things::verdict(&owner, &ev) else {
            return;
        };
        let _ = end;
        if self.scene.entities.iter().any(|e| e.noun == owner) {
            return;
        }
        let owner_np = Np {
            definite: true,
            ..Np::default()
        };
        let id = self.resolve(&owner_np, owner);
        self.scene.entities[id].kind = kind;
        self.scene.entities[id].decided_by = decided_by;
    }

    /// What the words around a noun phrase say about whether it is physical.
    pub(super) fn evidence(&self, np: &Np, end: usize) -> Evidence {
        let next_word = self
            .words
            .get(end)
            .copied()
            .filter(|_| self.toks.get(end).is_some_and(|t| t.kind == Kind::Word));
        let next_quoted = self.toks.get(end).is_some_and(|t| t.kind == Kind::Quoted);
        let next_shouted = self.toks.get(end).is_some_and(|t| {
            t.kind == Kind::Word && t.orig.chars().any(char::is_uppercase) && t.orig.len() > 1
        });
        let relation_after = matches!(
            self.words.get(end..).and_then(lexicon::phrase),
            Some((_, Phrase::Rel(_) | Phrase::Between))
        );
        let prev = np
            .start
            .checked_sub(1)
            .filter(|&k| self.toks[k].kind == Kind::Word)
            .map(|k| self.words[k]);
        Evidence {
            color: np.color.is_some(),
            material_or_size: np.material.is_some() || np.size.is_some(),
            several: np.counted && np.count.is_some_and(|c| c >= 2),
            related: self.pending.is_some() || relation_after,
            held: self.held,
            // `a sign "OPEN"`, `an 'OPEN' sign`.
            bears_text: next_quoted
                || np
                    .start
                    .checked_sub(1)
                    .is_some_and(|k| self.toks[k].kind == Kind::Quoted)
                || next_word.is_some_and(|w| {
                    matches!(
                        w,
                        "saying" | "says" | "reading" | "reads" | "labeled" | "labelled"
                    )
                }),
            text_follows: next_quoted || next_shouted,
            after_verb: prev.is_some_and(|w| {
                lexicon::verb_form(w) || w.ends_with("ing") || lexicon::verbish(w)
            }),
            after_modal: prev.is_some_and(|w| {
                matches!(
                    w,
                    "can" | "could" | "will" | "would" | "may" | "might" | "must" | "should"
                )
            }),
            determined: np.definite || np.counted,
            with: self.join == Join::With || self.in_with,
            plural: np.plural,
        }
    }

    /// Settings become entities of kind `setting`, after every other entity so no id moves.
    /// A backdrop is not scenery (its colour is checked as the background).
    pub(super) fn add_setting_entities(&mut self) {
        for (noun, attrs) in std::mem::take(&mut self.settings) {
            let backdrop = matches!(
                noun.as_str(),
                "background"
                    | "backdrop"
                    | "seamless backdrop"
                    | "void"
                    | "darkness"
                    | "interior"
                    | "night"
            );
            if backdrop || self.scene.entities.iter().any(|e| e.noun == noun) {
                continue;
            }
            let id = self.scene.entities.len();
            self.scene.entities.push(Entity {
                id,
                noun,
                count: Some(1),
                count_at_least: None,
                color: None,
                material: None,
                size: None,
                position: None,
                modifiers: attrs,
                kind: EntityKind::Setting,
                decided_by: Decider::Grammar,
            });
        }
    }

    /// Finds the entity a definite phrase refers to, or creates a new one.
    pub(super) fn resolve(&mut self, np: &Np, noun: String) -> usize {
        if np.definite {
            let found = self.scene.entities.iter().rev().find(|e| {
                e.noun == noun
                    && match (&np.color, &e.color) {
                        (Some(a), Some(b)) => a.hex == b.hex,
                        _ => true,
                    }
            });
            if let Some(e) = found {
                let id = e.id;
                merge_attrs(&mut self.scene.entities[id], np);
                return id;
            }
        }
        let (count, at_least) = if self.negate {
            (Some(0), None)
        } else if np.counted {
            (np.count, np.at_least)
        } else if np.plural {
            (None, Some(2))
        } else {
            (Some(1), None)
        };
        let id = self.scene.entities.len();
        let mut e = Entity {
            id,
            noun,
            count,
            count_at_least: if count.is_none() {
                at_least.or(Some(2))
            } else {
                None
            },
            color: None,
            material: None,
            size: None,
            position: None,
            modifiers: Vec::new(),
            kind: EntityKind::Object,
            decided_by: Decider::Grammar,
        };
        merge_attrs(&mut e, np);
        self.scene.entities.push(e);
        id
    }

    /// Places an entity in the clause: object of a pending relation, or a (new) subject.
    pub(super) fn attach(&mut self, id: usize, _new: bool) {
        if let Some(mut p) = self.pending.take() {
            if p.subjects.is_empty() {
                match p.first {
                    None => {
                        // Inverted: "on the table, a cup" — the object comes first.
                        p.first = Some(id);
                        self.pending = Some(p);
                        self.last = Some(id);
                        return;
                    }
                    Some(obj) if p.pred != Predicate::Between => {
                        self.add_relation(id, p.pred, obj, None);
                        self.group = vec![id];
                        self.last = Some(id);
                        self.join = Join::None;
                        return;
                    }
                    Some(_) => {}
                }
            }
            if p.pred == Predicate::Between {
                let several = self.scene.entities[id].count.is_none_or(|c| c >= 2);
                match p.first {
                    // "between two plates": the two copies of one entity.
                    None if several => {
                        for &s in &p.subjects {
                            self.add_relation(s, Predicate::Between, id, Some(id));
                        }
                        self.related = true;
                    }
                    None => {
                        p.first = Some(id);
                        self.pending = Some(p);
                    }
                    Some(first) => {
                        for &s in &p.subjects {
                            self.add_relation(s, Predicate::Between, first, Some(id));
                        }
                        self.related = true;
                        if p.subjects.is_empty() {
                            self.scene.unparsed.extend(p.words);
                        }
                    }
                }
            } else {
                for &s in &p.subjects {
                    self.add_relation(s, p.pred, id, None);
                }
                self.related = true;
                let vertical = matches!(
                    p.pred,
                    Predicate::On | Predicate::Above | Predicate::Below | Predicate::Under
                );
                self.stack_top = if vertical { Some(id) } else { None };
            }
            self.last = Some(id);
            self.join = Join::None;
            return;
        }
        match self.join {
            Join::And if !self.group.is_empty() && !self.related => self.group.push(id),
            _ => {
                self.group = vec![id];
                self.related = false;
            }
        }
        self.stack_top = None;
        self.join = Join::None;
        self.negate = false;
        self.last = Some(id);
    }

    pub(super) fn add_relation(
        &mut self,
        subject: usize,
        predicate: Predicate,
        object: usize,
        object2: Option<usize>,
    ) {
        if subject == object
            || Some(subject) == object2
            || (object2.is_some() && predicate != Predicate::Between)
        {
            return;
        }
        let r = Relation {
            subject,
            predicate,
            object,
            object2,
        };
        if !self.scene.relations.contains(&r) {
            self.scene.relations.push(r);
        }
    }
}

pub(super) fn merge_attrs(e: &mut Entity, np: &Np) {
    if let Some(c) = &np.color {
        match &e.color {
            None => e.color = Some(c.clone()),
            Some(old) if old.hex != c.hex => e.modifiers.push(c.name.clone()),
            Some(_) => {}
        }
    }
    e.modifiers.extend(np.extra_colors.iter().cloned());
    if let Some(m) = np.material {
        match e.material {
            None => e.material = Some(m),
            Some(old) if old.is_finish() && !m.is_finish() => {
                e.modifiers.push(old.as_str().to_string());
                e.material = Some(m);
            }
            Some(old) if old != m => e.modifiers.push(m.as_str().to_string()),
            Some(_) => {}
        }
    }
    if np.size.is_some() {
        e.size = np.size;
    }
    for m in &np.modifiers {
        if !e.modifiers.contains(m) {
            e.modifiers.push(m.clone());
        }
    }
}
