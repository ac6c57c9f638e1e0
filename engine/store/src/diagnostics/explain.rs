//! The database's plans of the history queries (`runs list` with a filter, `runs show`), so a benchmark can
//! show which index each one uses.

use sqlx::Row;

use crate::error::{StoreError, db};
use crate::history::push_run_filter;
use crate::store::{Backend, Store, on_pool};
use crate::types::RunFilter;

impl Store {
    /// The plan of [`Store::list_runs`] with `filter` (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on Postgres),
    /// one line per row.
    ///
    /// # Errors
    /// `Database`.
    pub async fn explain_list_runs(&self, filter: &RunFilter) -> Result<Vec<String>, StoreError> {
        on_pool!(read: self, pool, sql => {
            let mut qb = sqlx::QueryBuilder::<sql::Db>::new(sql::EXPLAIN);
            qb.push(sql::LIST_RUNS_SELECT);
            push_run_filter(&mut qb, filter);
            let rows = qb.build().fetch_all(pool).await.map_err(db("explain_list_runs"))?;
            plan_lines(&rows, self.backend())
        })
    }

    /// The plans of [`Store::get_run`]'s two statements for `run_id` (the run, then its steps).
    ///
    /// # Errors
    /// `Database`.
    pub async fn explain_get_run(&self, run_id: &str) -> Result<Vec<String>, StoreError> {
        on_pool!(read: self, pool, sql => {
            let mut lines = Vec::new();
            for statement in [sql::GET_RUN, sql::STEPS_OF_RUN] {
                let mut qb = sqlx::QueryBuilder::<sql::Db>::new(sql::EXPLAIN);
                qb.push(statement);
                let rows = qb.build().bind(run_id).fetch_all(pool).await.map_err(db("explain_get_run"))?;
                lines.extend(plan_lines(&rows, self.backend())?);
            }
            Ok(lines)
        })
    }
}

/// The plan text of EXPLAIN rows: SQLite's `detail` column, Postgres' single `QUERY PLAN` column.
fn plan_lines<R: Row>(rows: &[R], backend: Backend) -> Result<Vec<String>, StoreError>
where
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    let column = match backend {
        Backend::Sqlite => 3,
        Backend::Postgres => 0,
    };
    rows.iter().map(|row| row.try_get::<String, _>(column).map_err(db("explain"))).collect()
}
