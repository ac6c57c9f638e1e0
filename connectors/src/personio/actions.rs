//! Personio actions, each declared once: its typed, documented input and output, example and code.

use async_trait::async_trait;
use chrono::NaiveDate;
use hirewire_sdk::upsert::{KeyedRecord, UpsertOutcome, upsert_record};
use hirewire_sdk::employee::{UPSERT_EMPLOYEE_DESCRIPTION, employee_body, require_change};
use hirewire_sdk::{Action, ActionContext, ActionError, ActionList};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::client::PersonioClient;

/// Declares an employee input struct: the given leading fields, then every
/// optional Personio v1 employee field (by its API name). Email is not among
/// them: it is immutable after creation.
macro_rules! employee_input {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Preferred name.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub preferred_name: Option<String>,
            /// Gender (`male`, `female`, `diverse`...).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub gender: Option<String>,
            /// Position (job title).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub position: Option<String>,
            /// Subcompany name.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub subcompany: Option<String>,
            /// Department name; Personio ignores unknown departments (see `warnings`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub department: Option<String>,
            /// Office name; Personio ignores unknown offices (see `warnings`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub office: Option<String>,
            /// Hire date (YYYY-MM-DD); without `status`, a past date makes the employee active, a future one onboarding.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub hire_date: Option<NaiveDate>,
            /// Weekly working hours.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub weekly_working_hours: Option<f64>,
            /// Status (`onboarding`, `active`, `leave`, `inactive`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub status: Option<String>,
            /// The supervisor's Personio id.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub supervisor_id: Option<i64>,
            /// Custom attributes by key (`dynamic_<id>`).
            #[serde(default, skip_serializing_if = "Map::is_empty")]
            pub custom_attributes: Map<String, Value>,
        }
    };
}

employee_input! {
    /// Input of `personio.create_employee` and `personio.upsert_employee` (found by `email`).
    EmployeeInput {
        /// Work email: the key `upsert_employee` finds the employee by; it cannot be changed later.
        email: String,
        /// First name.
        first_name: String,
        /// Last name.
        last_name: String,
    }
}

employee_input! {
    /// Input of `personio.update_employee`: only the given fields change (email is immutable).
    UpdateEmployeeInput {
        /// The employee's Personio id.
        id: String,
        /// First name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_name: Option<String>,
        /// Last name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_name: Option<String>,
    }
}

/// Input of `personio.find_employee`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindEmployeeInput {
    /// The work email to look for.
    pub email: String,
}

/// Output of `personio.create_employee` and `personio.update_employee`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeWriteOutput {
    /// The employee's Personio id.
    pub id: String,
    /// What Personio ignored, e.g. an unknown department (its "meta" messages).
    pub warnings: Vec<String>,
}

/// An employee as Personio lists it, flattened from its `{label, value}` attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Employee {
    /// The employee's Personio id.
    pub id: String,
    /// Work email.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Preferred name.
    pub preferred_name: Option<String>,
    /// Position.
    pub position: Option<String>,
    /// Department name.
    pub department: Option<String>,
    /// Office name.
    pub office: Option<String>,
    /// Hire date as Personio gives it.
    pub hire_date: Option<String>,
    /// Status.
    pub status: Option<String>,
}

/// Output of `personio.find_employee`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindEmployeeOutput {
    /// Whether an employee has that email.
    pub found: bool,
    /// The employee, when found.
    pub employee: Option<Employee>,
}

/// Finds the employee by email, then updates it (without the immutable email) or creates it.
struct EmployeeUpsert<'a> {
    client: &'a PersonioClient,
    email: String,
    fields: Map<String, Value>,
}

#[async_trait]
impl KeyedRecord for EmployeeUpsert<'_> {
    fn key_description(&self) -> String {
        format!("employee with email '{}'", self.email)
    }
    async fn find_id(&self) -> Result<Option<String>, ActionError> {
        Ok(self.client.find_by_email(&self.email).await?.map(|e| e.id))
    }
    async fn update(&self, id: &str) -> Result<(), ActionError> {
        let mut fields = self.fields.clone();
        fields.remove("email");
        self.client.update_employee(id, &fields).await.map(|_| ())
    }
    async fn create(&self) -> Result<String, ActionError> {
        Ok(self.client.create_employee(&self.fields).await?.id)
    }
    fn is_duplicate(&self, error: &ActionError) -> bool {
        let message = error.message.to_ascii_lowercase();
        error.status == Some(422)
            && message.contains("email")
            && (message.contains("taken") || message.contains("exist"))
    }
}

/// John Dou, the employee of the examples.
fn john() -> Value {
    json!({
        "email": "john.dou@acme.example", "first_name": "John", "last_name": "Dou",
        "position": "Developer", "department": "IT", "office": "Madrid", "hire_date": "2026-02-01"
    })
}

/// `personio.create_employee`.
pub struct CreateEmployee;

#[async_trait]
impl Action<PersonioClient> for CreateEmployee {
    type Input = EmployeeInput;
    type Output = EmployeeWriteOutput;
    const NAME: &'static str = "create_employee";
    const DESCRIPTION: &'static str =
        "Creates an employee (POST /v1/company/employees); unknown departments and offices are ignored with a warning.";
    fn example(&self) -> (Value, Value) {
        (john(), json!({"id": "81723", "warnings": []}))
    }
    async fn run(
        &self,
        client: &PersonioClient,
        input: EmployeeInput,
        _: &ActionContext,
    ) -> Result<EmployeeWriteOutput, ActionError> {
        client.create_employee(&employee_body(&input, None, &[])?).await
    }
}

/// `personio.update_employee`.
pub struct UpdateEmployee;

#[async_trait]
impl Action<PersonioClient> for UpdateEmployee {
    type Input = UpdateEmployeeInput;
    type Output = EmployeeWriteOutput;
    const NAME: &'static str = "update_employee";
    const DESCRIPTION: &'static str =
        "Updates the given fields of an employee (PATCH /v1/company/employees/{id}); email cannot change.";
    fn example(&self) -> (Value, Value) {
        (json!({"id": "81723", "position": "Lead Developer"}), json!({"id": "81723", "warnings": []}))
    }
    async fn run(
        &self,
        client: &PersonioClient,
        input: UpdateEmployeeInput,
        _: &ActionContext,
    ) -> Result<EmployeeWriteOutput, ActionError> {
        let fields = employee_body(&input, None, &["id"])?;
        require_change(fields.is_empty())?;
        client.update_employee(&input.id, &fields).await
    }
}

/// `personio.find_employee`.
pub struct FindEmployee;

#[async_trait]
impl Action<PersonioClient> for FindEmployee {
    type Input = FindEmployeeInput;
    type Output = FindEmployeeOutput;
    const NAME: &'static str = "find_employee";
    const DESCRIPTION: &'static str = "Finds an employee by work email (GET /v1/company/employees?email=).";
    fn example(&self) -> (Value, Value) {
        (
            json!({"email": "john.dou@acme.example"}),
            json!({"found": true, "employee": {
                "id": "81723", "email": "john.dou@acme.example", "first_name": "John", "last_name": "Dou",
                "preferred_name": null, "position": "Developer", "department": "IT", "office": "Madrid",
                "hire_date": "2026-02-01T00:00:00+01:00", "status": "onboarding"
            }}),
        )
    }
    async fn run(
        &self,
        client: &PersonioClient,
        input: FindEmployeeInput,
        _: &ActionContext,
    ) -> Result<FindEmployeeOutput, ActionError> {
        let employee = client.find_by_email(&input.email).await?;
        Ok(FindEmployeeOutput { found: employee.is_some(), employee })
    }
}

/// `personio.upsert_employee`.
pub struct UpsertEmployee;

#[async_trait]
impl Action<PersonioClient> for UpsertEmployee {
    type Input = EmployeeInput;
    type Output = UpsertOutcome;
    const NAME: &'static str = "upsert_employee";
    const DESCRIPTION: &'static str = UPSERT_EMPLOYEE_DESCRIPTION;
    fn example(&self) -> (Value, Value) {
        (john(), json!({"id": "81723", "created": true}))
    }
    async fn run(
        &self,
        client: &PersonioClient,
        input: EmployeeInput,
        _: &ActionContext,
    ) -> Result<UpsertOutcome, ActionError> {
        let upsert =
            EmployeeUpsert { client, email: input.email.clone(), fields: employee_body(&input, None, &[])? };
        upsert_record(&upsert).await
    }
}

/// Personio's actions, in the order `hirewire connectors personio` lists them.
pub const ACTIONS: ActionList<PersonioClient> = ActionList {
    connector: "personio",
    actions: &[&CreateEmployee, &UpdateEmployee, &FindEmployee, &UpsertEmployee],
};
