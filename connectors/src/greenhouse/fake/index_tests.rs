//! Tests of the fake's secondary indexes: after inserts, updates that move a record between
//! values and every generator, `find_by` and the id-filtered lists answer exactly what a scan
//! of the whole table answers.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::index::INDEXED;
use super::listing::list_page;
use super::records::NewInterview;
use super::seed::{bulk_candidates, bulk_hires, seed_default_data};
use super::state::{FakeSettings, FakeState};

/// What the scan before the indexes gave: matching records, ascending id.
fn scan(state: &FakeState, resource: &str, field: &str, value: &Value) -> Vec<Value> {
    state
        .table(resource)
        .map(|t| t.values().filter(|r| r.get(field) == Some(value)).cloned().collect())
        .unwrap_or_default()
}

/// Every indexed pair, for every value present (and a few absent), agrees with the scan.
fn assert_consistent(state: &FakeState) {
    for (resource, field) in INDEXED {
        let mut values: Vec<Value> = state
            .table(resource)
            .map(|t| t.values().filter_map(|r| r.get(*field).cloned()).collect())
            .unwrap_or_default();
        values.extend([json!(-1), json!(0), json!("nope"), Value::Null, json!(true), json!(1.5)]);
        for value in &values {
            assert_eq!(
                state.find_by(resource, field, value),
                scan(state, resource, field, value),
                "{resource}.{field} = {value}"
            );
        }
    }
}

fn seeded() -> FakeState {
    let mut state = FakeState::new(FakeSettings::default());
    seed_default_data(&mut state, 7);
    state
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

fn changes(pairs: Value) -> Map<String, Value> {
    pairs.as_object().unwrap().clone()
}

#[test]
fn seeded_and_generated_data_agree_with_a_scan() {
    let mut state = seeded();
    assert_consistent(&state);
    bulk_candidates(&mut state, 7, 30);
    let apps = bulk_hires(&mut state, 7, 40);
    assert_eq!(apps.len(), 40);
    assert_consistent(&state);
    // Each hire: one stage row (current), one accepted offer, one education.
    let rows = state.find_by("application_stages", "application_id", &json!(apps[3]));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["current"], json!(true));
    let offers = state.find_by("offers", "application_id", &json!(apps[3]));
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0]["status"], json!("Accepted"));
    // Options are shared, not duplicated per candidate.
    let degrees = state.find_by("custom_field_options", "custom_field_key", &json!("degree"));
    let names: BTreeSet<&str> = degrees.iter().filter_map(|o| o["name"].as_str()).collect();
    assert_eq!(names.len(), degrees.len());
}

#[test]
fn moves_keep_one_current_stage_row() {
    let mut state = seeded();
    let app = bulk_hires(&mut state, 7, 1)[0];
    state.move_application(app, Some("Phone Screen")).unwrap();
    state.move_application(app, None).unwrap();
    let rows = state.find_by("application_stages", "application_id", &json!(app));
    assert_eq!(rows.len(), 3);
    let ids: Vec<i64> = rows.iter().map(id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending ids: {ids:?}");
    let current: Vec<bool> = rows.iter().map(|r| r["current"] == json!(true)).collect();
    assert_eq!(current, [false, false, true]);
    assert_consistent(&state);
}

#[test]
fn updates_move_a_record_between_values_in_id_order() {
    let mut state = seeded();
    let apps = bulk_hires(&mut state, 7, 3);
    let (a, b) = (apps[0], apps[2]);
    let offer_a = id(&state.find_by("offers", "application_id", &json!(a))[0]);
    let offer_b = id(&state.find_by("offers", "application_id", &json!(b))[0]);
    let extra_b = id(&state.add_offer(b, "2027-03-01").unwrap());
    // Moving a's (older) offer to b puts it first among b's offers.
    let moved = state
        .update("offers", offer_a, &changes(json!({"application_id": b})))
        .unwrap();
    assert_eq!(moved["application_id"], json!(b));
    assert!(state.find_by("offers", "application_id", &json!(a)).is_empty());
    let of_b: Vec<i64> = state
        .find_by("offers", "application_id", &json!(b))
        .iter()
        .map(id)
        .collect();
    assert_eq!(of_b, [offer_a, offer_b, extra_b]);
    // To a value of another kind (a string is not the number), to null, and back.
    state.change("offers", offer_b, &changes(json!({"application_id": b.to_string()})));
    assert_eq!(state.find_by("offers", "application_id", &json!(b)).len(), 2);
    assert_eq!(state.find_by("offers", "application_id", &json!(b.to_string())).len(), 1);
    state.change("offers", extra_b, &changes(json!({"application_id": null})));
    assert_eq!(state.find_by("offers", "application_id", &Value::Null).len(), 1);
    state.change("offers", offer_b, &changes(json!({"application_id": 1.5})));
    assert_eq!(state.find_by("offers", "application_id", &json!(1.5)).len(), 1);
    assert_consistent(&state);
    state.change("offers", offer_b, &changes(json!({"application_id": b})));
    state.change("offers", extra_b, &changes(json!({"application_id": b, "status": "Rejected"})));
    assert_eq!(state.find_by("offers", "application_id", &json!(b)).len(), 3);
    // An update that leaves the field alone keeps the record where it is.
    state.change("offers", offer_b, &changes(json!({"application_id": b, "version": 2})));
    assert_eq!(state.find_by("offers", "application_id", &json!(b)).len(), 3);
    assert_consistent(&state);
}

#[test]
fn ids_are_keys_and_never_change() {
    let mut state = seeded();
    let app = bulk_hires(&mut state, 7, 1)[0];
    let updated = state
        .update("applications", app, &changes(json!({"id": 1, "status": "rejected"})))
        .unwrap();
    assert_eq!(updated["id"], json!(app));
    assert_eq!(updated["status"], json!("rejected"));
    assert!(state.update("applications", 1, &changes(json!({"status": "x"}))).is_none());
    assert!(!state.change("nope", app, &changes(json!({"status": "x"}))));
}

#[test]
fn tags_and_unindexed_pairs_still_answer() {
    let mut state = seeded();
    let tag = state.insert("candidate_tags", json!({"name": "Returning"}));
    assert_eq!(state.find_by("candidate_tags", "name", &json!("Returning")), vec![tag.clone()]);
    assert!(state.find_by("candidate_tags", "name", &json!("returning")).is_empty());
    state.change("candidate_tags", id(&tag), &changes(json!({"name": "Alumni"})));
    assert!(state.ids_by("candidate_tags", "name", &json!("Returning")).is_empty());
    assert_eq!(state.ids_by("candidate_tags", "name", &json!("Alumni")), [id(&tag)]);
    // Not indexed: answered by a scan.
    let designer = state.find_by("jobs", "name", &json!("Designer"));
    assert_eq!(designer, scan(&state, "jobs", "name", &json!("Designer")));
    assert_eq!(designer.len(), 1);
    assert_consistent(&state);
}

/// Every id of a listing, following cursors.
fn list_all(state: &FakeState, resource: &str, query: &[(&str, &str)]) -> Vec<i64> {
    let mut pairs: Vec<(String, String)> = query.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    let mut out = Vec::new();
    loop {
        let page = list_page(state, resource, pairs).unwrap();
        out.extend(page.records.iter().map(|r| id(r)));
        match page.next_cursor {
            Some(c) => pairs = vec![("cursor".into(), c)],
            None => return out,
        }
    }
}

#[test]
fn id_filtered_lists_match_a_scan_page_by_page() {
    let mut state = seeded();
    let apps = bulk_hires(&mut state, 7, 12);
    let app = apps[4];
    for _ in 0..3 {
        state.move_application(app, None);
    }
    state.add_interview(&NewInterview {
        application_id: app,
        starts_at: "2026-12-01T15:00:00.000Z".into(),
        ends_at: "2026-12-01T16:00:00.000Z".into(),
        status: None,
        interviewer_ids: vec![1001, 1003],
    });
    let wanted = [app, apps[7], apps[1], 999_999, app];
    let list: String = wanted.iter().map(ToString::to_string).collect::<Vec<_>>().join(",");
    let expect = |resource: &str, field: &str, extra: &dyn Fn(&Value) -> bool| -> Vec<i64> {
        let mut ids: Vec<i64> = state.table(resource).unwrap().values()
            .filter(|r| r[field].as_i64().is_some_and(|v| wanted.contains(&v)) && extra(r))
            .map(id)
            .collect();
        ids.reverse();
        ids
    };
    let any = |_: &Value| true;
    for per_page in ["1", "2", "100"] {
        let q = |k: &'static str, extra: Option<(&'static str, &'static str)>| {
            let mut q = vec![(k, list.as_str()), ("per_page", per_page)];
            q.extend(extra);
            q
        };
        assert_eq!(list_all(&state, "applications", &q("ids", None)), expect("applications", "id", &any));
        assert_eq!(
            list_all(&state, "application_stages", &q("application_ids", None)),
            expect("application_stages", "application_id", &any)
        );
        assert_eq!(
            list_all(&state, "application_stages", &q("application_ids", Some(("current", "true")))),
            expect("application_stages", "application_id", &|r: &Value| r["current"] == json!(true))
        );
        assert_eq!(
            list_all(&state, "offers", &q("application_ids", None)),
            expect("offers", "application_id", &any)
        );
        assert_eq!(
            list_all(&state, "interviews", &q("application_ids", None)),
            expect("interviews", "application_id", &any)
        );
        // Not indexed (scan): same semantics.
        assert_eq!(
            list_all(&state, "notes", &q("application_ids", None)),
            Vec::<i64>::new()
        );
    }
    assert_eq!(list_all(&state, "application_stages", &[("application_ids", "")]), Vec::<i64>::new());
    assert_eq!(list_all(&state, "application_stages", &[("application_ids", &list)]).len(), 6);
}
