//! `hirewire connections check` for Greenhouse: the credential, the `user_email` lookup and
//! one cheap request per permission of the setup guide, naming exactly what is missing.

use hirewire_sdk::{ActionError, CheckItem, ErrorKind};

use super::client::GreenhouseClient;

/// `(permission, endpoint, scope)` probed with `per_page=1`-sized requests.
const PROBES: &[(&str, &str, &str)] = &[
    ("Applications", "/v3/applications", "harvest:applications:list"),
    ("Candidates", "/v3/candidates", "harvest:candidates:list"),
    (
        "Education",
        "/v3/candidate_educations",
        "harvest:candidate_educations:list",
    ),
    ("Jobs", "/v3/jobs", "harvest:jobs:list"),
    ("Scheduled Interviews", "/v3/interviews", "harvest:interviews:list"),
    ("Users", "/v3/users", "harvest:users:list"),
];

fn item(what: &str, result: Result<String, &ActionError>) -> CheckItem {
    match result {
        Ok(detail) => CheckItem {
            what: what.to_owned(),
            ok: true,
            detail,
        },
        Err(e) => CheckItem {
            what: what.to_owned(),
            ok: false,
            detail: e.to_string(),
        },
    }
}

/// Runs every check.
pub async fn check_connection(client: &GreenhouseClient, user_email: &str) -> Vec<CheckItem> {
    let mut items = Vec::new();
    let credentials = client.check_credentials().await;
    items.push(item(
        "credentials",
        credentials.as_ref().map(|()| "a token was issued".to_owned()),
    ));
    if credentials.is_err() {
        return items;
    }
    let user = client.acting_user_id().await;
    match &user {
        Err(e) if e.status == Some(403) => items.push(CheckItem {
            what: "user lookup".into(),
            ok: false,
            detail: format!(
                "403 — the credential lacks harvest:users:list, needed to resolve {user_email} ({})",
                e.message
            ),
        }),
        _ => items.push(item(
            "user lookup",
            user.as_ref().map(|id| format!("{user_email} is user {id}")),
        )),
    }
    if user.is_err() {
        return items;
    }
    for (permission, path, scope) in PROBES {
        let probe = client.probe(path).await;
        let result = match &probe {
            Ok(()) => Ok(format!("GET {path} works")),
            Err(e) if e.kind == ErrorKind::Auth && e.status == Some(403) => {
                let what = format!(
                    "403 — the credential lacks {scope}, or the user is not a Site Admin ({})",
                    e.message
                );
                items.push(CheckItem {
                    what: format!("permission: {permission}"),
                    ok: false,
                    detail: what,
                });
                continue;
            }
            Err(e) => Err(e),
        };
        items.push(item(&format!("permission: {permission}"), result));
    }
    items
}
