//! What the two sets of pages (the bench page an agent serves, the office's pages at the
//! server) tell browsers alike, and read from them alike: security headers, cookies, the
//! page's language, where to go back to, and whether a form comes from another site.

use crate::i18n::Lang;

/// Headers every page carries: no framing by other sites, no referrer beyond this site, no
/// sniffing. With them, a `Content-Security-Policy` of the pages' own, and `Cache-Control:
/// no-store` unless an answer says otherwise (pages hold customer data).
pub const SECURITY_HEADERS: [(&str, &str); 3] = [
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("x-content-type-options", "nosniff"),
];

/// What a page says about keeping copies when it says nothing itself.
pub const NO_STORE: &str = "no-store";

/// The value of the cookie `name` among `Cookie` header values.
pub fn cookie<'a>(headers: impl IntoIterator<Item = &'a str>, name: &str) -> Option<&'a str> {
    headers
        .into_iter()
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A session cookie (`Set-Cookie`): for this site's pages only, not for scripts, for `hours`.
pub fn session_cookie(name: &str, token: &str, hours: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
        hours * 3600
    )
}

/// The `Set-Cookie` that ends a session cookie.
pub fn ended_cookie(name: &str) -> String {
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The cookie that keeps the language chosen with a page's switch, for a year.
pub fn language_cookie(name: &str, lang: Lang) -> String {
    format!(
        "{name}={}; Path=/; SameSite=Lax; Max-Age=31536000",
        lang.code()
    )
}

/// A page's language: the switch's choice (`chosen`, from its cookie), else the person's
/// (their account's), else the browser's (`Accept-Language`), else `fallback`.
pub fn page_lang(
    chosen: Option<&str>,
    account: Option<Lang>,
    accept_language: Option<&str>,
    fallback: impl FnOnce() -> Lang,
) -> Lang {
    chosen
        .and_then(Lang::parse)
        .or(account)
        .or_else(|| accept_language.and_then(Lang::from_accept_language))
        .unwrap_or_else(fallback)
}

/// The path of the page a form was sent from (a `Referer` sent for this site's pages only),
/// if it is one to go back to.
pub fn back(referer: Option<&str>) -> &str {
    let path = referer
        .and_then(|url| url.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]));
    safe_next(path)
}

/// Only a path on this site is a place to go back to after signing in: one slash first,
/// and no backslash or control character (browsers drop tabs and newlines, so `/\t/evil`
/// would become `//evil`, another site).
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.chars().any(|c| c == '\\' || c.is_control()) =>
        {
            path
        }
        _ => "/",
    }
}

/// Whether a form post comes from another site (and must be refused): by `Sec-Fetch-Site`
/// when the browser sends it, else by `Origin` against `Host`. A post with neither (a
/// program, an old browser) is let through; the session cookie is `SameSite` as well.
pub fn cross_site(fetch_site: Option<&str>, origin: Option<&str>, host: Option<&str>) -> bool {
    if let Some(site) = fetch_site {
        return !matches!(site, "same-origin" | "none");
    }
    match (origin, host) {
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            origin == "null" || !origin_host.eq_ignore_ascii_case(host)
        }
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_from_other_sites_are_told_apart() {
        assert!(!cross_site(Some("same-origin"), None, None));
        assert!(!cross_site(Some("none"), None, None));
        assert!(cross_site(
            Some("cross-site"),
            Some("http://rma.local"),
            Some("rma.local")
        ));
        assert!(cross_site(
            None,
            Some("http://evil.example"),
            Some("rma.local:8080")
        ));
        assert!(cross_site(None, Some("null"), Some("rma.local:8080")));
        assert!(!cross_site(
            None,
            Some("http://rma.local:8080"),
            Some("rma.local:8080")
        ));
        assert!(!cross_site(None, None, Some("rma.local:8080")));
    }

    #[test]
    fn only_paths_of_this_server_are_places_to_go_back_to() {
        for (given, expected) in [
            (Some("/tickets/WH1-2026-00001"), "/tickets/WH1-2026-00001"),
            (Some("/?status=received&page=2"), "/?status=received&page=2"),
            (Some("//evil.example"), "/"),
            (Some("/\t/evil.example"), "/"),
            (Some("/\n/evil.example"), "/"),
            (Some("/\\evil.example"), "/"),
            (Some("https://evil.example/"), "/"),
            (Some("evil"), "/"),
            (None, "/"),
        ] {
            assert_eq!(safe_next(given), expected, "{given:?}");
        }
    }

    #[test]
    fn cookies_and_languages_are_read_as_browsers_send_them() {
        let headers = ["a=1; rma_lang=zh-CN", "rma_bench=tok"];
        assert_eq!(cookie(headers, "rma_lang"), Some("zh-CN"));
        assert_eq!(cookie(headers, "rma_bench"), Some("tok"));
        assert_eq!(cookie(headers, "none"), None);
        let en = || Lang::En;
        assert_eq!(
            page_lang(Some("zh-CN"), Some(Lang::En), None, en),
            Lang::ZhCn
        );
        assert_eq!(
            page_lang(None, None, Some("zh-CN,en;q=0.5"), en),
            Lang::ZhCn
        );
        assert_eq!(page_lang(None, None, None, en), Lang::En);
        assert_eq!(
            back(Some("http://bench:8090/t/WH1-2026-00001")),
            "/t/WH1-2026-00001"
        );
        assert_eq!(back(Some("http://bench:8090//evil")), "/");
        assert!(session_cookie("s", "t", 1, true).ends_with("Max-Age=3600; Secure"));
    }
}
