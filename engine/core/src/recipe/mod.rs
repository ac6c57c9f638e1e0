//! Recipes (SPEC section 3): the model and the loader.

mod load;
mod model;
mod refs;
mod steps;

pub use load::{LoadContext, load_recipe};
pub use model::{
    ActionStep, Backoff, ClockTrigger, ConnectorTrigger, Delivery, ForEachStep, Recipe, RetryPolicy, Schedule, Step,
    StepKind, Trigger, parse_duration,
};
