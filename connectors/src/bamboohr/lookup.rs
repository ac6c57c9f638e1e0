//! Finding one employee by work email in a directory or custom-report answer
//! without building the whole list: each row is read borrowed from the
//! response text (no allocation unless a string has escapes), compared, and
//! dropped; only the first match becomes an owned [`DirectoryEmployee`].

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::actions::DirectoryEmployee;

/// The first employee of `{"employees": [...]}` in `body` whose `workEmail`,
/// trimmed, equals `wanted` (trimmed) ignoring ASCII case.
///
/// Every row is still checked the way `Vec<DirectoryEmployee>` would be (a
/// string `id`, string-or-null known fields), so a malformed answer fails the
/// same way whether or not the match comes before the bad row.
///
/// # Errors
/// When `body` is not such an answer.
pub fn first_with_work_email(body: &str, wanted: &str) -> serde_json::Result<Option<DirectoryEmployee>> {
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let found = EmployeesAnswer { wanted: wanted.trim() }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(found)
}

/// A JSON string borrowed from the input when it has no escapes, owned otherwise.
struct JsonText<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for JsonText<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(JsonTextVisitor(PhantomData))
    }
}

struct JsonTextVisitor<'a>(PhantomData<JsonText<'a>>);

impl<'de: 'a, 'a> Visitor<'de> for JsonTextVisitor<'a> {
    type Value = JsonText<'a>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The same words as `String`'s, so errors read as they did with owned rows.
        formatter.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(JsonText(Cow::Borrowed(text)))
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(JsonText(Cow::Owned(text.to_owned())))
    }
    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(JsonText(Cow::Owned(text)))
    }
}

/// One row, borrowed: the fields of [`DirectoryEmployee`], others skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BorrowedRow<'a> {
    #[serde(borrow)]
    id: JsonText<'a>,
    #[serde(default, borrow)]
    display_name: Option<JsonText<'a>>,
    #[serde(default, borrow)]
    first_name: Option<JsonText<'a>>,
    #[serde(default, borrow)]
    last_name: Option<JsonText<'a>>,
    #[serde(default, borrow)]
    work_email: Option<JsonText<'a>>,
    #[serde(default, borrow)]
    job_title: Option<JsonText<'a>>,
    #[serde(default, borrow)]
    department: Option<JsonText<'a>>,
    #[serde(default, borrow)]
    location: Option<JsonText<'a>>,
    #[serde(default, borrow)]
    division: Option<JsonText<'a>>,
}

impl BorrowedRow<'_> {
    fn has_work_email(&self, wanted: &str) -> bool {
        self.work_email.as_ref().is_some_and(|w| w.0.trim().eq_ignore_ascii_case(wanted))
    }

    fn into_owned(self) -> DirectoryEmployee {
        let owned = |text: Option<JsonText<'_>>| text.map(|t| t.0.into_owned());
        DirectoryEmployee {
            id: self.id.0.into_owned(),
            display_name: owned(self.display_name),
            first_name: owned(self.first_name),
            last_name: owned(self.last_name),
            work_email: owned(self.work_email),
            job_title: owned(self.job_title),
            department: owned(self.department),
            location: owned(self.location),
            division: owned(self.division),
        }
    }
}

/// The answer object: `employees` is searched, every other key skipped.
struct EmployeesAnswer<'w> {
    wanted: &'w str,
}

impl<'de> DeserializeSeed<'de> for EmployeesAnswer<'_> {
    type Value = Option<DirectoryEmployee>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EmployeesAnswer<'_> {
    type Value = Option<DirectoryEmployee>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("struct Directory")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut employees: Option<Option<DirectoryEmployee>> = None;
        while let Some(key) = map.next_key::<JsonText<'de>>()? {
            if key.0 != "employees" {
                map.next_value::<IgnoredAny>()?;
            } else if employees.is_some() {
                return Err(de::Error::duplicate_field("employees"));
            } else {
                employees = Some(map.next_value_seed(FirstMatch { wanted: self.wanted })?);
            }
        }
        // A missing `employees` is an empty list, as before.
        Ok(employees.flatten())
    }
}

/// The `employees` array: keeps the first matching row, checks and drops the rest.
struct FirstMatch<'w> {
    wanted: &'w str,
}

impl<'de> DeserializeSeed<'de> for FirstMatch<'_> {
    type Value = Option<DirectoryEmployee>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FirstMatch<'_> {
    type Value = Option<DirectoryEmployee>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut rows: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(row) = rows.next_element::<BorrowedRow<'de>>()? {
            if found.is_none() && row.has_work_email(self.wanted) {
                found = Some(row.into_owned());
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::first_with_work_email;
    use crate::bamboohr::actions::DirectoryEmployee;

    /// What the connector did before: parse every row into owned structs, then search.
    fn owned_search(body: &str, wanted: &str) -> Result<Option<DirectoryEmployee>, String> {
        #[derive(serde::Deserialize)]
        struct Directory {
            #[serde(default)]
            employees: Vec<DirectoryEmployee>,
        }
        let wanted = wanted.trim();
        let directory: Directory = serde_json::from_str(body).map_err(|e| e.to_string())?;
        Ok(directory
            .employees
            .into_iter()
            .find(|e| e.work_email.as_deref().is_some_and(|w| w.trim().eq_ignore_ascii_case(wanted))))
    }

    fn both(body: &str, wanted: &str) -> Result<Option<DirectoryEmployee>, String> {
        let borrowed = first_with_work_email(body, wanted).map_err(|e| e.to_string());
        assert_eq!(borrowed, owned_search(body, wanted), "body {body}, wanted {wanted}");
        borrowed
    }

    fn directory() -> String {
        json!({
            "fields": [{"id": "workEmail", "type": "email", "name": "Work Email"}],
            "employees": [
                {"id": "100", "displayName": "Bob Byte", "workEmail": "bob@acme.example", "mobilePhone": 5},
                {"id": "101", "displayName": "Ada Lovelace", "firstName": "Ada", "lastName": "Lovelace",
                 "workEmail": " Ada@Acme.example ", "jobTitle": null, "department": "Engineering",
                 "location": "Berlin, DE", "division": "Europe", "extra": {"nested": [1, 2]}},
                {"id": "102", "workEmail": "ada@acme.example"},
                {"id": "103", "workEmail": null},
                {"id": "104"}
            ]
        })
        .to_string()
    }

    #[test]
    fn finds_the_first_row_with_the_work_email_ignoring_case_and_spaces() {
        let found = both(&directory(), "  ada@ACME.example").unwrap().unwrap();
        assert_eq!(found.id, "101");
        assert_eq!(found.display_name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(found.work_email.as_deref(), Some(" Ada@Acme.example "));
        assert_eq!(found.job_title, None);
        assert_eq!(found.division.as_deref(), Some("Europe"));
        assert_eq!(both(&directory(), "nobody@acme.example").unwrap(), None);
        assert_eq!(both(&directory(), "").unwrap(), None, "rows without an email never match");
    }

    #[test]
    fn escaped_strings_still_match_and_come_back_unescaped() {
        let body = r#"{"employees":[{"id":"1\u0037","displayName":"Ren\u00e9e \"R\"","workEmail":"ren\u00e9e\u0040acme.example\/x"}]}"#;
        let found = both(body, "renée@acme.example/x").unwrap().unwrap();
        assert_eq!(found.id, "17");
        assert_eq!(found.display_name.as_deref(), Some("Renée \"R\""));
        assert_eq!(found.work_email.as_deref(), Some("renée@acme.example/x"));
    }

    #[test]
    fn a_missing_or_empty_employee_list_finds_nothing() {
        assert_eq!(both("{}", "a@b.c").unwrap(), None);
        assert_eq!(both(r#"{"title":"x","employees":[]}"#, "a@b.c").unwrap(), None);
    }

    #[test]
    fn malformed_answers_fail_as_they_did_even_after_a_match() {
        for body in [
            r#"{"employees":[{"id":"1","workEmail":"a@b.c"},{"id":2,"workEmail":"x@b.c"}]}"#,
            r#"{"employees":[{"id":"1","workEmail":"a@b.c"},{"workEmail":"x@b.c"}]}"#,
            r#"{"employees":[{"id":"1","workEmail":"a@b.c"},{"id":"2","department":7}]}"#,
            r#"{"employees":[{"id":"1","workEmail":"a@b.c"}],"employees":[]}"#,
            r#"{"employees":null}"#,
            r#"{"employees":[{"id":"1","workEmail":"a@b.c"}]} trailing"#,
            "not json",
            "",
        ] {
            let error = both(body, "a@b.c").unwrap_err();
            assert!(!error.is_empty(), "{body}");
        }
    }
}
