//! Database URLs relative to a project directory.

use std::path::Path;

/// `sqlite://relative.db` made relative to the project directory `dir`;
/// absolute paths, `:memory:` and other URLs are returned unchanged.
#[must_use]
pub fn resolve_sqlite_url(url: &str, dir: &Path) -> String {
    let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) else {
        return url.to_owned();
    };
    if rest.starts_with(":memory:") || rest.is_empty() {
        return url.to_owned();
    }
    let (path, query) = rest.split_once('?').map_or((rest, None), |(p, q)| (p, Some(q)));
    if Path::new(path).is_absolute() {
        return url.to_owned();
    }
    let resolved = dir.join(path);
    match query {
        Some(query) => format!("sqlite://{}?{query}", resolved.display()),
        None => format!("sqlite://{}", resolved.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_sqlite_paths_are_relative_to_the_project_dir() {
        let dir = Path::new("/srv/hr");
        assert_eq!(resolve_sqlite_url("sqlite://hirewire.db", dir), "sqlite:///srv/hr/hirewire.db");
        assert_eq!(resolve_sqlite_url("sqlite:data/h.db?mode=rwc", dir), "sqlite:///srv/hr/data/h.db?mode=rwc");
        assert_eq!(resolve_sqlite_url("sqlite:///var/h.db", dir), "sqlite:///var/h.db");
        assert_eq!(resolve_sqlite_url("sqlite::memory:", dir), "sqlite::memory:");
        assert_eq!(resolve_sqlite_url("postgres://u@h/db", dir), "postgres://u@h/db");
    }
}
