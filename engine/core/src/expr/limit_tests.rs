//! Runaway expressions fail at once with an error naming the limit they broke (size, range, fuel).

use serde_json::json;

use super::*;

fn render(source: &str) -> Result<Value, ExprError> {
    let scope = Scope::new(&json!({ "tags": ["a", "b"] }), &json!({ "id": "run-1" }));
    ExprEngine::new().render_value(&Template::new("step `t`, `with`", TemplateNode::from_string(source)), &scope)
}

fn message(source: &str) -> String {
    render(source).unwrap_err().message
}

const TOO_MANY_ITEMS: &str = "list items or mapping entries, over the limit of 250000 that one expression value may \
                              hold; work on a smaller part of the data (e.g. `items[:100]`)";
const OUT_OF_FUEL: &str = "engine ran out of fuel: the expression needs more work than the limit of 100000 fuel per \
                           evaluation (one fuel pays for one operation or 64 bytes of data built); work on a smaller \
                           part of the data";

#[test]
fn serialising_a_huge_repetition_fails_before_building_it() {
    assert_eq!(
        message("{{ ([1]*100000000) | tojson | length }}"),
        format!("invalid operation: value too large: it holds at least 100000000 {TOO_MANY_ITEMS}")
    );
    for filter in ["pprint", "string"] {
        assert_eq!(
            message(&format!("{{{{ ([1]*100000000) | {filter} }}}}")),
            format!("invalid operation: value too large: it holds at least 100000000 {TOO_MANY_ITEMS}")
        );
    }
    // Nested repetitions count every item they would serialise.
    assert_eq!(
        message("{{ ([[1]*100000]*1000) | tojson }}"),
        format!("invalid operation: value too large: it holds at least 300003 {TOO_MANY_ITEMS}")
    );
}

#[test]
fn a_huge_value_as_a_step_input_or_in_text_fails() {
    assert_eq!(
        message("{{ [1]*100000000 }}"),
        format!("`[1]*100000000` is too large: it holds at least 100000000 {TOO_MANY_ITEMS}")
    );
    assert_eq!(
        message("list: {{ trigger.tags * 10000000 }}"),
        format!("invalid operation: value too large: it holds at least 20000000 {TOO_MANY_ITEMS}")
    );
    // Small values pass through unchanged.
    assert_eq!(render("{{ trigger.tags * 2 }}").unwrap(), json!(["a", "b", "a", "b"]));
    assert_eq!(render("{{ (trigger.tags * 2) | tojson }}").unwrap(), json!("[\"a\", \"b\", \"a\", \"b\"]"));
    assert_eq!(render("{{ range(3) | list | string }}").unwrap(), json!("[0, 1, 2]"));
}

#[test]
fn string_multiplication_joins_and_ranges_name_their_limit() {
    assert_eq!(message("{{ ('x' * 100000000) | length }}"), OUT_OF_FUEL);
    assert_eq!(message("{{ ([1]*100000000) | join(',') | length }}"), OUT_OF_FUEL);
    assert_eq!(message("{{ ('x' * 1000000) ~ ('y' * 1000000) ~ ('z' * 1000000) ~ ('w' * 4000000) }}"), OUT_OF_FUEL);
    assert_eq!(
        message("{{ range(1000000) | length }}"),
        "invalid operation: range too large: 1000000 items, over the limit of 100000 items that range() may produce"
    );
    assert_eq!(
        message("{{ range(0, 10000000, 2) | length }}"),
        "invalid operation: range too large: 5000000 items, over the limit of 100000 items that range() may produce"
    );
    assert_eq!(render("{{ range(10, 0, -3) | list }}").unwrap(), json!([10, 7, 4, 1]));
    assert_eq!(render("{{ range(2, 5) | list }}").unwrap(), json!([2, 3, 4]));
}
