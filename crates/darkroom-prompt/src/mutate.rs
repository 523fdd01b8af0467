//! Scene mutations with ground truth: break a relation, change a count, recolour or remove an
//! entity. The `sim` provider applies them to model a paid model's instruction drops; the judge
//! accuracy audit applies them at known rates and checks that the judges notice. Each mutation
//! says what it changed and which checklist assertions it makes false.

use serde::{Deserialize, Serialize};

use crate::scene::{AssertionKind, Color, Predicate, Scene};

/// What a mutation changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Mutation {
    /// An entity's colour was replaced.
    Recolour {
        /// The entity.
        entity: usize,
        /// The colour asked for.
        from: Color,
        /// The colour rendered instead.
        to: Color,
    },
    /// An entity's count was changed.
    Recount {
        /// The entity.
        entity: usize,
        /// The count asked for.
        from: u32,
        /// The count rendered instead.
        to: u32,
    },
    /// A relation's predicate was replaced by its opposite.
    BreakRelation {
        /// Index in `Scene::relations`.
        relation: usize,
        /// The predicate asked for.
        from: Predicate,
        /// The predicate rendered instead.
        to: Predicate,
    },
    /// An entity was left out.
    Remove {
        /// The entity.
        entity: usize,
    },
}

/// The opposite of a spatial predicate, where one exists.
pub fn opposite(p: Predicate) -> Option<Predicate> {
    Some(match p {
        Predicate::LeftOf => Predicate::RightOf,
        Predicate::RightOf => Predicate::LeftOf,
        Predicate::Above => Predicate::Below,
        Predicate::Below => Predicate::Above,
        Predicate::On => Predicate::Under,
        Predicate::Under => Predicate::On,
        Predicate::InFrontOf => Predicate::Behind,
        Predicate::Behind => Predicate::InFrontOf,
        Predicate::NextTo | Predicate::Between => return None,
    })
}

impl Mutation {
    /// Applies the mutation to a scene (the checklist is left as it was asked, so judging the
    /// mutated render against it finds the mutation).
    pub fn apply(&self, scene: &mut Scene) {
        match self {
            Mutation::Recolour { entity, to, .. } => {
                scene.entities[*entity].color = Some(to.clone())
            }
            Mutation::Recount { entity, to, .. } => {
                scene.entities[*entity].count = Some(*to);
                scene.entities[*entity].count_at_least = None;
            }
            Mutation::BreakRelation { relation, to, .. } => {
                scene.relations[*relation].predicate = *to
            }
            Mutation::Remove { entity } => {
                scene.entities[*entity].count = Some(0);
                scene.entities[*entity].count_at_least = None;
            }
        }
    }

    /// The checklist assertions this mutation makes false.
    pub fn falsifies(&self, scene: &Scene) -> Vec<usize> {
        let on = |kind: AssertionKind, entity: usize| {
            scene
                .checklist
                .iter()
                .filter(move |a| a.kind == kind && a.entities.first() == Some(&entity))
                .map(|a| a.id)
        };
        match self {
            Mutation::Recolour { entity, .. } => on(AssertionKind::Color, *entity).collect(),
            Mutation::Recount { entity, .. } => on(AssertionKind::Count, *entity).collect(),
            Mutation::BreakRelation { relation, .. } => {
                let r = &scene.relations[*relation];
                scene
                    .checklist
                    .iter()
                    .filter(|a| {
                        a.kind == AssertionKind::Relation
                            && a.entities.first() == Some(&r.subject)
                            && a.entities.get(1) == Some(&r.object)
                            && a.value.as_deref() == Some(r.predicate.as_str())
                    })
                    .map(|a| a.id)
                    .collect()
            }
            Mutation::Remove { entity } => scene
                .checklist
                .iter()
                .filter(|a| a.entities.contains(entity))
                .map(|a| a.id)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn mutations_change_the_scene_and_name_what_they_falsify() {
        let s = parse("two red spheres to the left of a blue cube").unwrap();
        let blue = s.entities[1].color.clone().unwrap();
        let m = Mutation::Recolour {
            entity: 0,
            from: s.entities[0].color.clone().unwrap(),
            to: blue.clone(),
        };
        let mut t = s.clone();
        m.apply(&mut t);
        assert_eq!(t.entities[0].color, Some(blue));
        let f = m.falsifies(&s);
        assert_eq!(f.len(), 1);
        assert_eq!(s.checklist[f[0]].question, "Are the spheres red?");
        let r = Mutation::BreakRelation {
            relation: 0,
            from: Predicate::LeftOf,
            to: Predicate::RightOf,
        };
        r.apply(&mut t);
        assert_eq!(t.relations[0].predicate, Predicate::RightOf);
        assert_eq!(
            s.checklist[r.falsifies(&s)[0]].kind,
            AssertionKind::Relation
        );
        let c = Mutation::Recount {
            entity: 0,
            from: 2,
            to: 3,
        };
        assert_eq!(
            s.checklist[c.falsifies(&s)[0]].question,
            "Are there exactly two spheres?"
        );
        let gone = Mutation::Remove { entity: 1 };
        assert_eq!(
            gone.falsifies(&s).len(),
            3,
            "entity, colour and the relation"
        );
        assert_eq!(opposite(Predicate::Above), Some(Predicate::Below));
    }
}
