//! BambooHR actions, each declared once: its typed, documented input and output, example and code.

use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use chrono::NaiveDate;
use hirewire_sdk::upsert::{KeyedRecord, UpsertOutcome, upsert_record};
use hirewire_sdk::employee::{UPSERT_EMPLOYEE_DESCRIPTION, employee_body, require_change};
use hirewire_sdk::{Action, ActionContext, ActionError, ActionList};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::client::BambooHrClient;

/// Declares an employee input struct: the given leading fields, then every
/// optional BambooHR employee field (by its API name).
macro_rules! employee_input {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Job title; must be an existing option of BambooHR's `jobTitle` list.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub job_title: Option<String>,
            /// Department; must be an existing option of the `department` list.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub department: Option<String>,
            /// Location; must be an existing option of the `location` list.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub location: Option<String>,
            /// Division; must be an existing option of the `division` list.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub division: Option<String>,
            /// Hire date (YYYY-MM-DD).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub hire_date: Option<NaiveDate>,
            /// Employee number.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub employee_number: Option<String>,
            /// Preferred first name.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub preferred_name: Option<String>,
            /// Personal email address.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub home_email: Option<String>,
            /// Mobile phone number.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub mobile_phone: Option<String>,
            /// Any other field of `GET /v1/meta/fields`, by its API name.
            #[serde(default, skip_serializing_if = "Map::is_empty")]
            pub custom_fields: Map<String, Value>,
        }
    };
}

employee_input! {
    /// Input of `bamboohr.create_employee`.
    CreateEmployeeInput {
        /// First name (required by BambooHR).
        first_name: String,
        /// Last name (required by BambooHR).
        last_name: String,
        /// Work email; must not belong to another employee.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        work_email: Option<String>,
    }
}

employee_input! {
    /// Input of `bamboohr.upsert_employee`: the employee is found by `workEmail`.
    UpsertEmployeeInput {
        /// Work email: the key the employee is found by (case-insensitive).
        work_email: String,
        /// First name.
        first_name: String,
        /// Last name.
        last_name: String,
    }
}

employee_input! {
    /// Input of `bamboohr.update_employee`: only the given fields change.
    UpdateEmployeeInput {
        /// The employee's BambooHR id.
        id: String,
        /// First name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_name: Option<String>,
        /// Last name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_name: Option<String>,
        /// Work email; must not belong to another employee.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        work_email: Option<String>,
    }
}

/// Input of `bamboohr.find_employee`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FindEmployeeInput {
    /// The work email to look for (case-insensitive).
    pub work_email: String,
}

/// Output of `bamboohr.create_employee` and `bamboohr.update_employee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeIdOutput {
    /// The employee's BambooHR id.
    pub id: String,
}

/// An employee as BambooHR's directory shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryEmployee {
    /// The employee's BambooHR id.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Work email.
    #[serde(default)]
    pub work_email: Option<String>,
    /// Job title.
    #[serde(default)]
    pub job_title: Option<String>,
    /// Department.
    #[serde(default)]
    pub department: Option<String>,
    /// Location.
    #[serde(default)]
    pub location: Option<String>,
    /// Division.
    #[serde(default)]
    pub division: Option<String>,
}

/// Output of `bamboohr.find_employee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindEmployeeOutput {
    /// Whether an employee has that work email.
    pub found: bool,
    /// The employee, when found.
    pub employee: Option<DirectoryEmployee>,
}

/// The JSON field map BambooHR takes: the input's fields with `customFields` spread in.
fn employee_fields<T: Serialize>(input: &T, drop: &[&str]) -> Result<Map<String, Value>, ActionError> {
    employee_body(input, Some("customFields"), drop)
}

/// Finds the employee by work email, then updates it or creates it.
/// The first lookup reads the directory; a lookup after a duplicate-email
/// refusal reads a custom report, which also shows inactive employees.
struct EmployeeUpsert<'a> {
    client: &'a BambooHrClient,
    work_email: String,
    fields: Map<String, Value>,
    looked_up: AtomicBool,
}

#[async_trait]
impl KeyedRecord for EmployeeUpsert<'_> {
    fn key_description(&self) -> String {
        format!("employee with workEmail '{}'", self.work_email)
    }
    async fn find_id(&self) -> Result<Option<String>, ActionError> {
        let found = if self.looked_up.swap(true, Ordering::SeqCst) {
            self.client.find_by_work_email_in_report(&self.work_email).await?
        } else {
            self.client.find_by_work_email(&self.work_email).await?
        };
        Ok(found.map(|e| e.id))
    }
    async fn update(&self, id: &str) -> Result<(), ActionError> {
        let mut fields = self.fields.clone();
        fields.remove("workEmail");
        self.client.update_employee(id, &fields).await
    }
    async fn create(&self) -> Result<String, ActionError> {
        self.client.create_employee(&self.fields).await
    }
    fn is_duplicate(&self, error: &ActionError) -> bool {
        error.status == Some(409) && error.field.as_deref() == Some("workEmail")
    }
}

/// Ada Lovelace, the employee of the examples.
fn ada() -> Value {
    json!({
        "firstName": "Ada", "lastName": "Lovelace", "workEmail": "ada.lovelace@acme.example",
        "jobTitle": "Software Engineer", "department": "Engineering", "hireDate": "2026-02-01"
    })
}

/// `bamboohr.create_employee`.
pub struct CreateEmployee;

#[async_trait]
impl Action<BambooHrClient> for CreateEmployee {
    type Input = CreateEmployeeInput;
    type Output = EmployeeIdOutput;
    const NAME: &'static str = "create_employee";
    const DESCRIPTION: &'static str =
        "Creates an employee (POST /v1/employees); list fields must match existing options.";
    fn example(&self) -> (Value, Value) {
        (ada(), json!({"id": "333"}))
    }
    async fn run(
        &self,
        client: &BambooHrClient,
        input: CreateEmployeeInput,
        _: &ActionContext,
    ) -> Result<EmployeeIdOutput, ActionError> {
        let id = client.create_employee(&employee_fields(&input, &[])?).await?;
        Ok(EmployeeIdOutput { id })
    }
}

/// `bamboohr.update_employee`.
pub struct UpdateEmployee;

#[async_trait]
impl Action<BambooHrClient> for UpdateEmployee {
    type Input = UpdateEmployeeInput;
    type Output = EmployeeIdOutput;
    const NAME: &'static str = "update_employee";
    const DESCRIPTION: &'static str = "Updates the given fields of an employee (POST /v1/employees/{id}).";
    fn example(&self) -> (Value, Value) {
        (json!({"id": "333", "jobTitle": "Staff Engineer"}), json!({"id": "333"}))
    }
    async fn run(
        &self,
        client: &BambooHrClient,
        input: UpdateEmployeeInput,
        _: &ActionContext,
    ) -> Result<EmployeeIdOutput, ActionError> {
        let fields = employee_fields(&input, &["id"])?;
        require_change(fields.is_empty())?;
        client.update_employee(&input.id, &fields).await?;
        Ok(EmployeeIdOutput { id: input.id })
    }
}

/// `bamboohr.find_employee`.
pub struct FindEmployee;

#[async_trait]
impl Action<BambooHrClient> for FindEmployee {
    type Input = FindEmployeeInput;
    type Output = FindEmployeeOutput;
    const NAME: &'static str = "find_employee";
    const DESCRIPTION: &'static str = "Finds an employee by work email through the employee directory.";
    fn example(&self) -> (Value, Value) {
        (
            json!({"workEmail": "ada.lovelace@acme.example"}),
            json!({"found": true, "employee": {
                "id": "333", "displayName": "Ada Lovelace", "firstName": "Ada", "lastName": "Lovelace",
                "workEmail": "ada.lovelace@acme.example", "jobTitle": "Software Engineer",
                "department": "Engineering", "location": null, "division": null
            }}),
        )
    }
    async fn run(
        &self,
        client: &BambooHrClient,
        input: FindEmployeeInput,
        _: &ActionContext,
    ) -> Result<FindEmployeeOutput, ActionError> {
        let employee = client.find_by_work_email(&input.work_email).await?;
        Ok(FindEmployeeOutput { found: employee.is_some(), employee })
    }
}

/// `bamboohr.upsert_employee`.
pub struct UpsertEmployee;

#[async_trait]
impl Action<BambooHrClient> for UpsertEmployee {
    type Input = UpsertEmployeeInput;
    type Output = UpsertOutcome;
    const NAME: &'static str = "upsert_employee";
    const DESCRIPTION: &'static str = UPSERT_EMPLOYEE_DESCRIPTION;
    fn example(&self) -> (Value, Value) {
        (ada(), json!({"id": "333", "created": true}))
    }
    async fn run(
        &self,
        client: &BambooHrClient,
        input: UpsertEmployeeInput,
        _: &ActionContext,
    ) -> Result<UpsertOutcome, ActionError> {
        let upsert = EmployeeUpsert {
            client,
            work_email: input.work_email.clone(),
            fields: employee_fields(&input, &[])?,
            looked_up: AtomicBool::new(false),
        };
        upsert_record(&upsert).await
    }
}

/// BambooHR's actions, in the order `hirewire connectors bamboohr` lists them.
pub const ACTIONS: ActionList<BambooHrClient> = ActionList {
    connector: "bamboohr",
    actions: &[&CreateEmployee, &UpdateEmployee, &FindEmployee, &UpsertEmployee],
};
