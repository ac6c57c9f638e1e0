//! HiBob actions, each declared once: its typed, documented input and output, example and code.

use async_trait::async_trait;
use chrono::NaiveDate;
use hirewire_sdk::connection::to_output;
use hirewire_sdk::employee::{UPSERT_EMPLOYEE_DESCRIPTION, require_change};
use hirewire_sdk::upsert::{KeyedRecord, UpsertOutcome, upsert_record};
use hirewire_sdk::{Action, ActionContext, ActionError, ActionList};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::HiBobClient;

/// Work fields of a new employee.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewWork {
    /// Site (an existing value of the company's `site` list), required by HiBob.
    pub site: String,
    /// Start date (YYYY-MM-DD), required by HiBob.
    pub start_date: NaiveDate,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Department (an existing value of the company's `department` list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// Work fields to change; absent fields are left alone.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkChanges {
    /// Site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Start date (YYYY-MM-DD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    /// Job title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
}

/// Input of `hibob.create_employee` and `hibob.upsert_employee` (found by `email`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmployeeInput {
    /// First name (at most 50 characters).
    pub first_name: String,
    /// Surname (at most 50 characters).
    pub surname: String,
    /// Work email: unique in HiBob, and the key `upsert_employee` finds the employee by.
    pub email: String,
    /// Work details; `site` and `startDate` are required.
    pub work: NewWork,
}

/// Input of `hibob.update_employee`: only the given fields change.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateEmployeeInput {
    /// The employee's HiBob id.
    pub id: String,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Surname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// A new work email (changed through HiBob's separate email endpoint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Work fields to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work: Option<WorkChanges>,
}

/// Input of `hibob.find_employee`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FindEmployeeInput {
    /// The work email to look for.
    pub email: String,
    /// Whether inactive employees count too (default false).
    #[serde(default)]
    pub show_inactive: bool,
}

/// Work details of an employee as HiBob returns them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmployeeWork {
    /// Job title.
    #[serde(default)]
    pub title: Option<String>,
    /// Department.
    #[serde(default)]
    pub department: Option<String>,
    /// Site.
    #[serde(default)]
    pub site: Option<String>,
    /// Start date.
    #[serde(default)]
    pub start_date: Option<String>,
}

/// An employee as HiBob's search returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Employee {
    /// The employee's HiBob id.
    pub id: String,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Surname.
    #[serde(default)]
    pub surname: Option<String>,
    /// Work email.
    #[serde(default)]
    pub email: Option<String>,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Work details.
    #[serde(default)]
    pub work: EmployeeWork,
}

/// Output of `hibob.create_employee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeIdOutput {
    /// The employee's HiBob id.
    pub id: String,
}

/// Output of `hibob.update_employee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEmployeeOutput {
    /// The employee's HiBob id.
    pub id: String,
    /// Whether anything changed (HiBob answers 304 when the data was already so).
    pub changed: bool,
}

/// Output of `hibob.find_employee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindEmployeeOutput {
    /// Whether an employee has that email.
    pub found: bool,
    /// The employee, when found.
    pub employee: Option<Employee>,
}

/// The fields of an update body (no id, no email: those go elsewhere).
fn update_body(
    first_name: Option<&str>,
    surname: Option<&str>,
    work: Option<&Value>,
) -> serde_json::Map<String, Value> {
    let mut body = serde_json::Map::new();
    if let Some(v) = first_name {
        body.insert("firstName".into(), json!(v));
    }
    if let Some(v) = surname {
        body.insert("surname".into(), json!(v));
    }
    if let Some(work) = work.filter(|w| w.as_object().is_some_and(|o| !o.is_empty())) {
        body.insert("work".into(), work.clone());
    }
    body
}

/// Finds the employee by email, then updates it or creates it.
struct EmployeeUpsert<'a> {
    client: &'a HiBobClient,
    input: EmployeeInput,
}

#[async_trait]
impl KeyedRecord for EmployeeUpsert<'_> {
    fn key_description(&self) -> String {
        format!("employee with email '{}'", self.input.email)
    }
    async fn find_id(&self) -> Result<Option<String>, ActionError> {
        Ok(self.client.find_by_email(&self.input.email, true).await?.map(|e| e.id))
    }
    async fn update(&self, id: &str) -> Result<(), ActionError> {
        let work = to_output(&self.input.work)?;
        let body = update_body(Some(&self.input.first_name), Some(&self.input.surname), Some(&work));
        self.client.update_employee(id, &body).await.map(|_| ())
    }
    async fn create(&self) -> Result<String, ActionError> {
        self.client.create_employee(&to_output(&self.input)?).await
    }
    fn is_duplicate(&self, error: &ActionError) -> bool {
        let message = error.message.to_ascii_lowercase();
        error.status == Some(400)
            && message.contains("email")
            && (message.contains("exist") || message.contains("duplicate"))
    }
}

/// John Doe, the employee of the examples.
fn john() -> Value {
    json!({
        "firstName": "John", "surname": "Doe", "email": "john.doe@acme.example",
        "work": {
            "site": "New-York", "startDate": "2026-02-01", "title": "Software Engineer", "department": "Engineering"
        }
    })
}

/// `hibob.create_employee`.
pub struct CreateEmployee;

#[async_trait]
impl Action<HiBobClient> for CreateEmployee {
    type Input = EmployeeInput;
    type Output = EmployeeIdOutput;
    const NAME: &'static str = "create_employee";
    const DESCRIPTION: &'static str =
        "Creates an employee (POST /v1/people); work.site and work.startDate are required.";
    fn example(&self) -> (Value, Value) {
        (john(), json!({"id": "3332883854254932743"}))
    }
    async fn run(
        &self,
        client: &HiBobClient,
        input: EmployeeInput,
        _: &ActionContext,
    ) -> Result<EmployeeIdOutput, ActionError> {
        let id = client.create_employee(&to_output(&input)?).await?;
        Ok(EmployeeIdOutput { id })
    }
}

/// `hibob.update_employee`.
pub struct UpdateEmployee;

#[async_trait]
impl Action<HiBobClient> for UpdateEmployee {
    type Input = UpdateEmployeeInput;
    type Output = UpdateEmployeeOutput;
    const NAME: &'static str = "update_employee";
    const DESCRIPTION: &'static str =
        "Updates the given fields of an employee (PUT /v1/people/{id}, which acts as a patch).";
    fn example(&self) -> (Value, Value) {
        (
            json!({"id": "3332883854254932743", "work": {"title": "Staff Engineer"}}),
            json!({"id": "3332883854254932743", "changed": true}),
        )
    }
    async fn run(
        &self,
        client: &HiBobClient,
        input: UpdateEmployeeInput,
        _: &ActionContext,
    ) -> Result<UpdateEmployeeOutput, ActionError> {
        let work = input.work.as_ref().map(to_output).transpose()?;
        let body = update_body(input.first_name.as_deref(), input.surname.as_deref(), work.as_ref());
        require_change(body.is_empty() && input.email.is_none())?;
        let mut changed = false;
        if !body.is_empty() {
            changed |= client.update_employee(&input.id, &body).await?;
        }
        if let Some(email) = &input.email {
            changed |= client.update_email(&input.id, email).await?;
        }
        Ok(UpdateEmployeeOutput { id: input.id, changed })
    }
}

/// `hibob.find_employee`.
pub struct FindEmployee;

#[async_trait]
impl Action<HiBobClient> for FindEmployee {
    type Input = FindEmployeeInput;
    type Output = FindEmployeeOutput;
    const NAME: &'static str = "find_employee";
    const DESCRIPTION: &'static str =
        "Finds an employee by work email (POST /v1/people/search with one root.email filter).";
    fn example(&self) -> (Value, Value) {
        (
            json!({"email": "john.doe@acme.example"}),
            json!({"found": true, "employee": {
                "id": "3332883854254932743", "firstName": "John", "surname": "Doe", "email": "john.doe@acme.example",
                "displayName": "John Doe",
                "work": {
                    "title": "Software Engineer", "department": "Engineering", "site": "New-York",
                    "startDate": "2026-02-01"
                }
            }}),
        )
    }
    async fn run(
        &self,
        client: &HiBobClient,
        input: FindEmployeeInput,
        _: &ActionContext,
    ) -> Result<FindEmployeeOutput, ActionError> {
        let employee = client.find_by_email(&input.email, input.show_inactive).await?;
        Ok(FindEmployeeOutput { found: employee.is_some(), employee })
    }
}

/// `hibob.upsert_employee`.
pub struct UpsertEmployee;

#[async_trait]
impl Action<HiBobClient> for UpsertEmployee {
    type Input = EmployeeInput;
    type Output = UpsertOutcome;
    const NAME: &'static str = "upsert_employee";
    const DESCRIPTION: &'static str = UPSERT_EMPLOYEE_DESCRIPTION;
    fn example(&self) -> (Value, Value) {
        (john(), json!({"id": "3332883854254932743", "created": true}))
    }
    async fn run(
        &self,
        client: &HiBobClient,
        input: EmployeeInput,
        _: &ActionContext,
    ) -> Result<UpsertOutcome, ActionError> {
        upsert_record(&EmployeeUpsert { client, input }).await
    }
}

/// HiBob's actions, in the order `hirewire connectors hibob` lists them.
pub const ACTIONS: ActionList<HiBobClient> = ActionList {
    connector: "hibob",
    actions: &[&CreateEmployee, &UpdateEmployee, &FindEmployee, &UpsertEmployee],
};
