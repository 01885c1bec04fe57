//! The exercises the service grades, loaded once at start-up from a folder
//! of tracks. An exercise that does not load is left out and logged; the
//! others are served.

use std::collections::BTreeMap;
use std::path::Path;

use grader::Exercise;
use grader::exercise::Visibility;
use grader::fsread;

#[derive(Debug, Default)]
pub struct Catalog {
    exercises: BTreeMap<String, Exercise>,
}

impl Catalog {
    pub fn load(dir: &Path) -> Catalog {
        let mut exercises = BTreeMap::new();
        for folder in grader::check::discover(&[dir.to_owned()]) {
            match Exercise::load(&folder) {
                Ok(exercise) => {
                    exercises.insert(exercise.id.clone(), exercise);
                }
                Err(error) => tracing::error!(%error, "an exercise is left out"),
            }
        }
        tracing::info!(count = exercises.len(), "exercises loaded");
        Catalog { exercises }
    }

    pub fn get(&self, id: &str) -> Option<&Exercise> {
        self.exercises.get(id)
    }

    pub fn all(&self) -> impl Iterator<Item = &Exercise> {
        self.exercises.values()
    }
}

/// The files of `exercise` a learner may see: the statement, the starter,
/// and the visible tests (with the schema of a sql exercise).
pub fn learner_files(
    exercise: &Exercise,
) -> (
    String,
    BTreeMap<String, crate::model::FileBody>,
    BTreeMap<String, String>,
) {
    // Every file is inside the exercise: a link there is refused (and
    // `Exercise::load` refused the exercise already).
    let read = |relative: String| {
        fsread::read_to_string_in(
            &exercise.dir,
            Path::new(&relative),
            grader::exercise::MAX_EXERCISE_FILE,
        )
        .unwrap_or_default()
    };
    let statement = read("README.md".to_owned());
    let starter = exercise
        .spec
        .submission
        .files
        .iter()
        .map(|file| {
            // A binary starter (a git bundle) goes as it is, base64.
            let bytes = fsread::read_in(
                &exercise.dir,
                &Path::new("starter").join(&file.name),
                grader::exercise::MAX_EXERCISE_FILE,
            )
            .unwrap_or_default();
            (file.name.clone(), crate::model::FileBody::of(bytes))
        })
        .collect();
    let mut visible: BTreeMap<String, String> = exercise
        .spec
        .tests
        .iter()
        .filter(|test| test.visibility == Visibility::Visible)
        .map(|test| {
            let text = read(format!("tests/{}", test.file));
            (format!("tests/{}", test.file), text)
        })
        .collect();
    if let Some(sql) = &exercise.spec.sql {
        visible.insert(sql.schema.clone(), read(sql.schema.clone()));
    }
    (statement, starter, visible)
}
