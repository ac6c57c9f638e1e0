//! `Timestamp`: how instants are stored: `timestamptz` on Postgres, integer milliseconds on SQLite.
//!
//! SQLite's own chrono encoding writes RFC 3339 text with a variable number of fraction digits, which does not
//! sort as text; integer milliseconds sort, index and compare exactly. Every instant is truncated to whole
//! milliseconds on the way in, so a value read back compares equal to the value written (the cron and cursor
//! compare-and-set statements depend on that).

use chrono::{DateTime, TimeZone, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};

/// An instant as stored in the database, at millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The instant `at`, truncated to whole milliseconds.
    #[must_use]
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(truncate_to_millis(at))
    }

    /// The current time.
    #[must_use]
    pub fn now() -> Self {
        Self::new(Utc::now())
    }

    /// The stored instant.
    #[must_use]
    pub fn instant(self) -> DateTime<Utc> {
        self.0
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub fn millis(self) -> i64 {
        self.0.timestamp_millis()
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self::new(at)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(at: Timestamp) -> Self {
        at.0
    }
}

/// `at` without its sub-millisecond part.
#[must_use]
pub fn truncate_to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(at.timestamp_millis()).single().unwrap_or(at)
}

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <i64 as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <i64 as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.millis(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let millis = <i64 as Decode<Sqlite>>::decode(value)?;
        let at = Utc
            .timestamp_millis_opt(millis)
            .single()
            .ok_or_else(|| format!("{millis} is not a valid millisecond timestamp"))?;
        Ok(Self(at))
    }
}

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <DateTime<Utc> as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <DateTime<Utc> as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let at = <DateTime<Utc> as Decode<Postgres>>::decode(value)?;
        Ok(Self::new(at))
    }
}
