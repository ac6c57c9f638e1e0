//! The page shell (head, navigation, the one inline style sheet and script), the Content-Security-Policy that
//! allows exactly those two, and small formatting helpers shared by the pages.

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};

use super::session::Viewer;

/// The only style sheet (inline, no external fonts).
const STYLE: &str = r#"
:root{--fg:#1d232b;--muted:#5b6570;--bg:#f6f7f9;--card:#fff;--line:#d9dee4;--accent:#2457c5;
--ok:#1f7a3d;--bad:#b42318;--run:#2457c5;--wait:#7a5b00;--skip:#6b7280;--cancel:#3f3f46}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
header.top{display:flex;flex-wrap:wrap;gap:.5rem 1.25rem;align-items:center;padding:.6rem 1rem;background:#14213d;color:#fff}
header.top a{color:#fff;text-decoration:none;font-weight:600}
header.top a[aria-current=page]{text-decoration:underline}
header.top .brand{font-size:1.1rem;margin-right:auto}
header.top form{margin:0}
header.top button{background:transparent;color:#fff;border:1px solid #fff6;border-radius:4px;padding:.2rem .6rem;cursor:pointer}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.2rem 0 1rem}
h2{font-size:1.1rem;margin:1.2rem 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.9rem 1rem;margin-bottom:1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:1rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .9rem;margin:.5rem 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;color:#fff;background:var(--skip)}
.s-succeeded{background:var(--ok)}.s-failed{background:var(--bad)}.s-running,.s-retrying{background:var(--run)}
.s-queued,.s-pending{background:var(--wait)}.s-skipped{background:var(--skip)}.s-cancelled{background:var(--cancel)}
.counts{display:flex;flex-wrap:wrap;gap:.35rem;margin:.4rem 0}
.error{background:#fef3f2;border:1px solid #fecdca;color:var(--bad);border-radius:6px;padding:.5rem .7rem;white-space:pre-wrap;overflow-wrap:anywhere}
.muted{color:var(--muted)}
svg.chart{width:100%;height:64px;display:block}
svg.chart .b-succeeded{fill:var(--ok)}svg.chart .b-failed{fill:var(--bad)}svg.chart .b-running{fill:var(--run)}
svg.chart .b-queued{fill:var(--wait)}svg.chart .b-skipped{fill:var(--skip)}svg.chart .b-cancelled{fill:var(--cancel)}
svg.chart .axis{stroke:var(--line)}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:flex-end}
form.filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
input,select,button{font:inherit;padding:.35rem .5rem;border:1px solid var(--line);border-radius:4px;background:#fff;color:var(--fg)}
button.primary{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}
button.danger{background:var(--bad);color:#fff;border-color:var(--bad);cursor:pointer}
table.runs{width:100%;border-collapse:collapse;background:var(--card)}
table.runs th,table.runs td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
table.runs td code{word-break:break-all}
table.runs td.err{max-width:28rem;overflow-wrap:anywhere;color:var(--bad)}
ol.timeline{list-style:none;margin:0;padding:0 0 0 1rem;border-left:3px solid var(--line)}
ol.timeline>li{position:relative;margin:0 0 1rem;padding-left:.6rem}
ol.timeline>li::before{content:"";position:absolute;left:-1.55rem;top:.35rem;width:.8rem;height:.8rem;border-radius:50%;background:var(--skip)}
ol.timeline>li.step-succeeded::before{background:var(--ok)}ol.timeline>li.step-failed::before{background:var(--bad)}
ol.timeline>li.step-running::before,ol.timeline>li.step-retrying::before{background:var(--run)}
ol.timeline h3{font-size:1rem;margin:0}
.card>h2:first-child{margin-top:0}
details{margin:.3rem 0}summary{cursor:pointer;color:var(--accent)}
pre{background:#0f172a;color:#e2e8f0;padding:.6rem .8rem;border-radius:6px;overflow:auto;max-height:28rem;font-size:.85rem}
.actions{display:flex;flex-wrap:wrap;gap:.6rem}
.actions form{margin:0}
.pager{display:flex;gap:1rem;margin:.8rem 0}
.login{max-width:24rem;margin:3rem auto}
.login label{display:flex;flex-direction:column;gap:.2rem;margin-bottom:.8rem}
@media (max-width:700px){
 table.runs thead{display:none}
 table.runs tr{display:block;border-bottom:2px solid var(--line);padding:.3rem 0}
 table.runs td{display:block;border:0;padding:.15rem .5rem}
 table.runs td::before{content:attr(data-label) ": ";color:var(--muted);font-size:.85rem}
 .grid{grid-template-columns:1fr}
}
"#;

/// The only script: refreshes the runs table every 5 s while the first page of a listing is open.
const SCRIPT: &str = r#"
(function(){var b=document.getElementById("runs-body");if(!b||b.dataset.live!=="1")return;
var u=new URL(window.location.href);u.searchParams.set("partial","1");
var n=document.getElementById("live-note");
setInterval(function(){fetch(u,{credentials:"same-origin",cache:"no-store"}).then(function(r){
if(!r.ok)throw new Error(r.status);return r.text();}).then(function(h){b.innerHTML=h;
if(n)n.textContent="Updated "+new Date().toLocaleTimeString();}).catch(function(){
if(n)n.textContent="Live updates paused (cannot reach hirewire)";});},5000);})();
"#;

fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", STANDARD.encode(Sha256::digest(text.as_bytes())))
}

/// Content-Security-Policy: nothing from other origins, and only our own inline style and script (by hash),
/// so that even an unescaped value could not run a script.
static CONTENT_SECURITY_POLICY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; style-src {}; script-src {}; connect-src 'self'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
});

/// Which navigation entry is the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The recipes overview.
    Recipes,
    /// The runs list and run pages.
    Runs,
    /// The login form (no navigation).
    Login,
}

/// A full page: `title`, navigation for `viewer`, then `body`. `refresh_seconds` reloads the page (for runs
/// still in progress).
#[must_use]
pub fn page(
    title: &str,
    section: Section,
    viewer: Option<&Viewer>,
    refresh_seconds: Option<u32>,
    body: &Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                @if let Some(seconds) = refresh_seconds {
                    meta http-equiv="refresh" content=(seconds);
                }
                title { (title) " · hirewire" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.top {
                    span.brand { "hirewire" }
                    @if section != Section::Login {
                        nav aria-label="Main" {
                            a href="/" aria-current=[(section == Section::Recipes).then_some("page")] { "Recipes" }
                            " "
                            a href="/runs" aria-current=[(section == Section::Runs).then_some("page")] { "Runs" }
                        }
                    }
                    @if let Some(viewer) = viewer {
                        @if let Some(label) = &viewer.label {
                            span { "Signed in as " (label) }
                        }
                        @if !viewer.session.is_empty() {
                            form method="post" action="/logout" {
                                button type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main { (body) }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// Sends `markup` as an HTML response with `status` and the security headers (CSP, no framing, no caching:
/// pages show candidates' data).
#[must_use]
pub fn html_response(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup).into_response();
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A page that only says what went wrong.
#[must_use]
pub fn message_page(status: StatusCode, title: &str, message: &str, viewer: Option<&Viewer>) -> Response {
    let body = html! {
        h1 { (title) }
        p.error role="alert" { (message) }
        p { a href="/runs" { "Back to the runs" } }
    };
    html_response(status, page(title, Section::Runs, viewer, None, &body))
}

/// A status badge (`<span class="badge s-failed">failed</span>`).
#[must_use]
pub fn badge(status: &str) -> Markup {
    html! { span class=(format!("badge s-{status}")) { (status) } }
}

/// An instant as `2026-11-28 14:01:05 UTC` in a `<time>` element.
#[must_use]
pub fn time(at: Option<DateTime<Utc>>) -> Markup {
    match at {
        Some(at) => html! { time datetime=(at.to_rfc3339()) { (at.format("%Y-%m-%d %H:%M:%S UTC")) } },
        None => html! { span.muted { "—" } },
    }
}

/// The time between two instants (`1.2 s`, `3m 4s`), or a dash.
#[must_use]
pub fn duration(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> String {
    match (start, end) {
        (Some(start), Some(end)) if end >= start => {
            let millis = (end - start).num_milliseconds();
            if millis < 1_000 {
                format!("{millis} ms")
            } else if millis < 60_000 {
                format!("{:.1} s", millis as f64 / 1000.0)
            } else {
                let secs = u64::try_from(millis / 1000).unwrap_or_default();
                humantime::format_duration(std::time::Duration::from_secs(secs)).to_string()
            }
        }
        _ => "—".to_owned(),
    }
}

/// `value` as indented JSON.
#[must_use]
pub fn pretty_json(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// A folded, readable JSON block.
#[must_use]
pub fn folded_json(summary: &str, value: Option<&serde_json::Value>) -> Markup {
    html! {
        @match value {
            Some(value) => details {
                summary { (summary) }
                pre { code { (pretty_json(value)) } }
            },
            None => p.muted { (summary) ": none" },
        }
    }
}

/// `text` cut to `max` characters with an ellipsis.
#[must_use]
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max).collect();
        cut.push('…');
        cut
    }
}

/// A query-string value, percent-encoded.
#[must_use]
pub fn query_value(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        let start = DateTime::<Utc>::from_timestamp(1_000, 0);
        let at = |ms: i64| start.map(|s| s + chrono::Duration::milliseconds(ms));
        assert_eq!(duration(start, at(250)), "250 ms");
        assert_eq!(duration(start, at(1_500)), "1.5 s");
        assert_eq!(duration(start, at(185_000)), "3m 5s");
        assert_eq!(duration(start, None), "—");
    }

    #[test]
    fn csp_names_the_inline_style_and_script_only() {
        let csp = CONTENT_SECURITY_POLICY.as_str();
        assert!(csp.contains(&csp_hash(SCRIPT)) && csp.contains(&csp_hash(STYLE)));
        assert!(!csp.contains("unsafe-inline") && csp.contains("default-src 'none'"));
    }
}
