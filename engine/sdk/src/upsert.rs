//! The upsert flow shared by HRIS connectors: find a record by its natural
//! key (a work email), then update it or create it, so that a retried or
//! replayed run never creates a second record.

use std::time::Duration;

use async_trait::async_trait;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::ActionError;

/// What an upsert did: the `{id, created}` output of `*.upsert_employee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpsertOutcome {
    /// The record's id in the remote system.
    pub id: String,
    /// `true` when the record was created, `false` when an existing one was updated.
    pub created: bool,
}

/// The three remote operations an upsert is made of, for one record.
#[async_trait]
pub trait KeyedRecord: Send + Sync {
    /// Names the key for messages, e.g. `workEmail 'ada@acme.example'`.
    fn key_description(&self) -> String;
    /// The id of the record that has the key, if any.
    async fn find_id(&self) -> Result<Option<String>, ActionError>;
    /// Updates the record `id` with the wanted values.
    async fn update(&self, id: &str) -> Result<(), ActionError>;
    /// Creates the record and returns its id.
    async fn create(&self) -> Result<String, ActionError>;
    /// Whether a create error means "a record with this key already exists"
    /// (a create that raced another, or a find that read stale data).
    fn is_duplicate(&self, error: &ActionError) -> bool;
}

/// How long to wait before retrying when the remote says the record exists
/// but its reads do not show it yet (HiBob reads lag up to 20 s).
pub const STALE_READ_RETRY_AFTER: Duration = Duration::from_secs(20);

/// Finds the record by its key, then updates it or creates it.
///
/// When the create is refused as a duplicate, the record is looked up again
/// and updated; if it still cannot be read, the error is transient (retry
/// after [`STALE_READ_RETRY_AFTER`]) rather than a second create.
///
/// # Errors
/// The first error of the find, update or create, as classified by the connector.
pub async fn upsert_record(record: &dyn KeyedRecord) -> Result<UpsertOutcome, ActionError> {
    if let Some(id) = record.find_id().await? {
        record.update(&id).await?;
        return Ok(UpsertOutcome { id, created: false });
    }
    match record.create().await {
        Ok(id) => Ok(UpsertOutcome { id, created: true }),
        Err(error) if record.is_duplicate(&error) => match record.find_id().await? {
            Some(id) => {
                record.update(&id).await?;
                Ok(UpsertOutcome { id, created: false })
            }
            None => Err(ActionError::transient(format!(
                "{} already exists but cannot be read yet ({error}); retry later",
                record.key_description()
            ))
            .with_retry_after(Some(STALE_READ_RETRY_AFTER))),
        },
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// An in-memory record store that can pretend its reads are stale.
    struct MemoryRecord {
        existing: Mutex<Vec<String>>,
        stale_reads: bool,
        calls: Mutex<Vec<String>>,
    }

    #[async_trait]
    impl KeyedRecord for MemoryRecord {
        fn key_description(&self) -> String {
            "email 'a@b.c'".into()
        }
        async fn find_id(&self) -> Result<Option<String>, ActionError> {
            self.calls.lock().unwrap().push("find".into());
            if self.stale_reads {
                return Ok(None);
            }
            Ok(self.existing.lock().unwrap().first().cloned())
        }
        async fn update(&self, id: &str) -> Result<(), ActionError> {
            self.calls.lock().unwrap().push(format!("update {id}"));
            Ok(())
        }
        async fn create(&self) -> Result<String, ActionError> {
            self.calls.lock().unwrap().push("create".into());
            let mut existing = self.existing.lock().unwrap();
            if !existing.is_empty() {
                return Err(ActionError::invalid_input("duplicate email").with_status(400));
            }
            existing.push("7".into());
            Ok("7".into())
        }
        fn is_duplicate(&self, error: &ActionError) -> bool {
            error.message.contains("duplicate")
        }
    }

    fn store(existing: &[&str], stale_reads: bool) -> MemoryRecord {
        MemoryRecord {
            existing: Mutex::new(existing.iter().map(|s| (*s).to_owned()).collect()),
            stale_reads,
            calls: Mutex::new(Vec::new()),
        }
    }

    #[tokio::test]
    async fn creates_then_updates_on_second_call() {
        let record = store(&[], false);
        assert_eq!(upsert_record(&record).await.unwrap(), UpsertOutcome { id: "7".into(), created: true });
        assert_eq!(upsert_record(&record).await.unwrap(), UpsertOutcome { id: "7".into(), created: false });
        assert_eq!(*record.calls.lock().unwrap(), ["find", "create", "find", "update 7"]);
    }

    #[tokio::test]
    async fn stale_read_after_duplicate_is_transient_not_a_second_create() {
        let record = store(&["3"], true);
        let error = upsert_record(&record).await.unwrap_err();
        assert!(error.is_transient());
        assert_eq!(error.retry_after(), Some(STALE_READ_RETRY_AFTER));
        assert!(error.message.starts_with("email 'a@b.c' already exists"), "{error}");
        assert_eq!(*record.calls.lock().unwrap(), ["find", "create", "find"]);
    }
}
