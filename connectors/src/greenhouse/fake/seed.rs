//! The fake's generated data: a small default account (deterministic for a seed) and
//! bulk generators for backfill tests and benchmarks.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use serde_json::{Value, json};

use super::records::{NewCandidate, NewEducation, NewInterview};
use super::state::FakeState;

/// The Site Admin the sandbox credential acts as.
pub const ADMIN_EMAIL: &str = "recruiting-ops@acme.example";
/// A user who is not a Site Admin.
pub const NON_ADMIN_EMAIL: &str = "viewer@acme.example";

const FIRST: &[&str] = &[
    "Jane", "Omar", "Li", "Priya", "Lukas", "Amara", "Mateo", "Sofia", "Kenji", "Zoe",
];
const LAST: &[&str] = &[
    "Smith", "Haddad", "Wei", "Patel", "Becker", "Okafor", "Garcia", "Rossi", "Sato", "Brown",
];
const DEGREES: &[&str] = &["Bachelor's Degree", "Master's Degree", "PhD"];
const DISCIPLINES: &[&str] = &["Computer Science", "Mathematics", "Design", "Economics"];
const SCHOOLS: &[&str] = &[
    "Stanford University",
    "University of Michigan - Ann Arbor",
    "ETH Zurich",
];

fn id_of(v: &Value) -> i64 {
    v.get("id").and_then(Value::as_i64).unwrap_or_default()
}

fn random_candidate(rng: &mut StdRng, n: usize) -> NewCandidate {
    let first = FIRST[rng.random_range(0..FIRST.len())];
    let last = LAST[rng.random_range(0..LAST.len())];
    let handle = format!("{}.{}{n}", first.to_lowercase(), last.to_lowercase());
    NewCandidate {
        first_name: first.into(),
        last_name: last.into(),
        company: Some("Previous Co.".into()),
        title: Some("Engineer".into()),
        email_addresses: vec![
            json!({"value": format!("{handle}@work.example"), "type": "work"}),
            json!({"value": format!("{handle}@mail.example"), "type": "personal"}),
        ],
        tags: vec![],
        educations: vec![NewEducation {
            degree: Some(DEGREES[rng.random_range(0..DEGREES.len())].into()),
            discipline: Some(DISCIPLINES[rng.random_range(0..DISCIPLINES.len())].into()),
            school_name: Some(SCHOOLS[rng.random_range(0..SCHOOLS.len())].into()),
        }],
    }
}

/// Users, jobs and a few candidates at different steps.
pub fn seed_default_data(state: &mut FakeState, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    state.add_user("Robin", "Ops", ADMIN_EMAIL, true);
    let ada = id_of(&state.add_user("Ada", "Lacey", "ada.lacey@acme.example", false));
    let carl = id_of(&state.add_user("Carl", "Buddha", "carl.buddha@acme.example", false));
    let viewer = id_of(&state.add_user("Nia", "Viewer", NON_ADMIN_EMAIL, false));
    state.insert(
        "user_emails",
        json!({"user_id": viewer, "email": "nia.alias@acme.example", "verified": true}),
    );
    let jobs: Vec<i64> = ["Engineering Manager", "Data Scientist", "Designer"]
        .iter()
        .map(|n| id_of(&state.add_job(n)))
        .collect();
    for n in 0..4 {
        let candidate = id_of(&state.add_candidate(&random_candidate(&mut rng, n)));
        let Some(app) = state.add_application(candidate, jobs[n % jobs.len()], false) else {
            continue;
        };
        let app = id_of(&app);
        if n >= 1 {
            state.move_application(app, Some("Onsite"));
            state.add_interview(&NewInterview {
                application_id: app,
                starts_at: "2026-12-01T15:00:00.000Z".into(),
                ends_at: "2026-12-01T16:00:00.000Z".into(),
                status: None,
                interviewer_ids: vec![ada, carl],
            });
        }
        if n == 2 {
            state.add_offer(app, "2027-01-04");
            state.hire_application(app);
        }
        if n == 3 {
            state.reject_application(app);
        }
    }
}

/// Creates `count` candidates, each with an application to the first job.
pub fn bulk_candidates(state: &mut FakeState, seed: u64, count: usize) -> Vec<i64> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    (0..count)
        .map(|n| state.add_candidate_id(&random_candidate(&mut rng, 10_000 + n)))
        .collect()
}

/// Creates `count` hires: candidate, application, offer, hire. Returns application ids.
pub fn bulk_hires(state: &mut FakeState, seed: u64, count: usize) -> Vec<i64> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x417e);
    let job = state
        .table("jobs")
        .and_then(|t| t.keys().next().copied())
        .unwrap_or_else(|| id_of(&state.add_job("Engineer")));
    let mut out = Vec::with_capacity(count);
    for n in 0..count {
        let candidate = state.add_candidate_id(&random_candidate(&mut rng, 50_000 + n));
        let Some(app) = state.add_application_id(candidate, job, false) else {
            continue;
        };
        state.add_offer_id(app, "2027-02-01");
        state.hire(app);
        out.push(app);
    }
    out
}
