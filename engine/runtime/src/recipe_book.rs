//! The recipe book: the recipes currently loaded (by name) and every version
//! seen (by content hash), so that a run executes the version it was recorded
//! with even after the file was edited.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use hirewire_core::recipe::Recipe;

/// Shared, swappable view of the loaded recipes.
#[derive(Debug, Clone, Default)]
pub struct RecipeBook {
    inner: Arc<RwLock<BookState>>,
}

#[derive(Debug, Default)]
struct BookState {
    current: BTreeMap<String, Arc<Recipe>>,
    versions: HashMap<String, Arc<Recipe>>,
}

impl RecipeBook {
    /// A book holding `recipes` as the current set.
    #[must_use]
    pub fn new(recipes: Vec<Recipe>) -> Self {
        let book = Self::default();
        book.replace_all(recipes);
        book
    }

    /// Makes `recipes` the current set (removed names stop; versions are kept).
    pub fn replace_all(&self, recipes: Vec<Recipe>) {
        let mut state = self.inner.write().expect("recipe book lock");
        state.current.clear();
        for recipe in recipes {
            let recipe = Arc::new(recipe);
            state.versions.insert(recipe.version.clone(), recipe.clone());
            state.current.insert(recipe.name.clone(), recipe);
        }
    }

    /// Remembers a version without making it current (an old version loaded from the store).
    pub fn remember_version(&self, recipe: Recipe) -> Arc<Recipe> {
        let recipe = Arc::new(recipe);
        let mut state = self.inner.write().expect("recipe book lock");
        state.versions.entry(recipe.version.clone()).or_insert(recipe).clone()
    }

    /// The current recipe called `name`.
    #[must_use]
    pub fn current(&self, name: &str) -> Option<Arc<Recipe>> {
        self.inner.read().expect("recipe book lock").current.get(name).cloned()
    }

    /// The recipe with content hash `version`, if this process has seen it.
    #[must_use]
    pub fn version(&self, version: &str) -> Option<Arc<Recipe>> {
        self.inner.read().expect("recipe book lock").versions.get(version).cloned()
    }

    /// All current recipes, by name.
    #[must_use]
    pub fn all_current(&self) -> Vec<Arc<Recipe>> {
        self.inner.read().expect("recipe book lock").current.values().cloned().collect()
    }
}
