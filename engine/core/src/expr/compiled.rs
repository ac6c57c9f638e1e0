//! The compiled-expression cache: each distinct expression or text template of the loaded recipes is parsed
//! and compiled once, then evaluated for every run, so no run re-parses its recipe's expressions.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use minijinja::{Environment, Expression, Template};

/// At most this many compiled strings of each kind are kept; beyond it (a daemon whose recipes were edited
/// thousands of times) strings are compiled per use, as they were before the cache.
const MAX_CACHED: usize = 10_000;

/// Compiled strings by source text, sharing one environment.
pub(crate) struct CompiledCache {
    env: &'static Environment<'static>,
    expressions: RwLock<HashMap<String, Arc<Expression<'static, 'static>>>>,
    templates: RwLock<HashMap<String, Arc<Template<'static, 'static>>>>,
}

impl CompiledCache {
    /// A cache over `env`. The environment lives for the rest of the process (one per engine; a daemon makes
    /// one), which is what lets compiled expressions be kept without borrowing from the engine.
    pub(crate) fn new(env: Environment<'static>) -> Self {
        Self { env: Box::leak(Box::new(env)), expressions: RwLock::default(), templates: RwLock::default() }
    }

    /// The environment.
    pub(crate) fn env(&self) -> &'static Environment<'static> {
        self.env
    }

    /// The compiled expression `expr`; `None` when the cache is full (compile it per use).
    pub(crate) fn expression(&self, expr: &str) -> Result<Option<Arc<Expression<'static, 'static>>>, minijinja::Error> {
        get_or_compile(&self.expressions, expr, || self.env.compile_expression_owned(expr.to_owned()))
    }

    /// The compiled text template `text`; `None` when the cache is full (render it per use).
    pub(crate) fn template(&self, text: &str) -> Result<Option<Arc<Template<'static, 'static>>>, minijinja::Error> {
        get_or_compile(&self.templates, text, || {
            // A template borrows its source: a cached source lives as long as the environment.
            let source: &'static str = Box::leak(text.to_owned().into_boxed_str());
            self.env.template_from_str(source)
        })
    }
}

fn get_or_compile<T>(
    entries: &RwLock<HashMap<String, Arc<T>>>,
    source: &str,
    compile: impl FnOnce() -> Result<T, minijinja::Error>,
) -> Result<Option<Arc<T>>, minijinja::Error> {
    if let Some(found) = entries.read().expect("expression cache lock").get(source) {
        return Ok(Some(found.clone()));
    }
    let mut entries = entries.write().expect("expression cache lock");
    if let Some(found) = entries.get(source) {
        return Ok(Some(found.clone()));
    }
    if entries.len() >= MAX_CACHED {
        return Ok(None);
    }
    let compiled = Arc::new(compile()?);
    entries.insert(source.to_owned(), compiled.clone());
    Ok(Some(compiled))
}
