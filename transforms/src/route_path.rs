//! Where a `pages/api` file's route lives in the App Router, and what its dynamic segments are.

/// The kind of a dynamic segment, which decides its type in `params`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamKind {
    /// `[id]` → `string`
    Single,
    /// `[...slug]` → `string[]`
    CatchAll,
    /// `[[...slug]]` → `string[] | undefined`
    OptionalCatchAll,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteParam {
    pub name: String,
    pub kind: ParamKind,
}

/// A Pages Router API route and its App Router destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRoute {
    /// The URL pattern, e.g. `/api/items/[id]`.
    pub url: String,
    /// The source file, project-relative, e.g. `pages/api/items/[id].ts`.
    pub source_path: String,
    /// The route handler file, e.g. `app/api/items/[id]/route.ts`.
    pub target_path: String,
    pub params: Vec<RouteParam>,
}

impl ApiRoute {
    /// `{ id: string; slug: string[] }` as TypeScript, for `params: Promise<…>`.
    pub fn params_type(&self) -> String {
        let fields: Vec<String> = self
            .params
            .iter()
            .map(|p| match p.kind {
                ParamKind::Single => format!("{}: string", property_name(&p.name)),
                ParamKind::CatchAll => format!("{}: string[]", property_name(&p.name)),
                ParamKind::OptionalCatchAll => format!("{}?: string[]", property_name(&p.name)),
            })
            .collect();
        format!("{{ {} }}", fields.join("; "))
    }

    pub fn is_dynamic(&self) -> bool {
        !self.params.is_empty()
    }

    pub fn has_param(&self, name: &str) -> bool {
        self.params.iter().any(|p| p.name == name)
    }
}

fn property_name(name: &str) -> String {
    let is_ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if is_ident {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// Why a file under `pages/api` cannot be given an App Router path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoutePathError {
    /// A segment that means something else in `app/`: a route group `(x)` or a slot `@x`.
    ReservedSegment(String),
}

/// Maps a route file to its App Router path.
///
/// `pages_dir` is the project-relative pages folder (`pages` or `src/pages`); `relative` the
/// file's path inside `pages/api` without the page extension (`items/[id]`, `index`); `suffix`
/// the page extension the file used (`ts`, `api.ts`), kept for the `route` file.
pub fn api_route(
    pages_dir: &str,
    relative: &str,
    suffix: &str,
) -> Result<ApiRoute, RoutePathError> {
    let app_dir = match pages_dir.strip_suffix("pages") {
        Some(prefix) => format!("{prefix}app"),
        None => "app".to_string(),
    };
    let mut segments: Vec<&str> = relative.split('/').filter(|s| !s.is_empty()).collect();
    if segments.last() == Some(&"index") {
        segments.pop();
    }
    let mut params = Vec::new();
    let mut folders = Vec::new();
    for segment in &segments {
        if let Some(name) = segment
            .strip_prefix("[[...")
            .and_then(|s| s.strip_suffix("]]"))
        {
            params.push(RouteParam {
                name: name.to_string(),
                kind: ParamKind::OptionalCatchAll,
            });
        } else if let Some(name) = segment
            .strip_prefix("[...")
            .and_then(|s| s.strip_suffix(']'))
        {
            params.push(RouteParam {
                name: name.to_string(),
                kind: ParamKind::CatchAll,
            });
        } else if let Some(name) = segment.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            params.push(RouteParam {
                name: name.to_string(),
                kind: ParamKind::Single,
            });
        } else if (segment.starts_with('(') && segment.ends_with(')')) || segment.starts_with('@') {
            return Err(RoutePathError::ReservedSegment(segment.to_string()));
        }
        // A leading underscore marks a private folder in `app/`; `%5F` keeps the URL.
        folders.push(match segment.strip_prefix('_') {
            Some(rest) => format!("%5F{rest}"),
            None => segment.to_string(),
        });
    }
    let url = std::iter::once("/api")
        .chain(segments.iter().copied())
        .collect::<Vec<_>>()
        .join("/");
    let mut target = format!("{app_dir}/api");
    for folder in &folders {
        target.push('/');
        target.push_str(folder);
    }
    target.push_str("/route.");
    target.push_str(suffix);
    let source_path = format!("{pages_dir}/api/{relative}.{suffix}");
    Ok(ApiRoute {
        url,
        source_path,
        target_path: target,
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(pages: &str, rel: &str, suffix: &str) -> (String, String) {
        let route = api_route(pages, rel, suffix).unwrap();
        (route.url, route.target_path)
    }

    #[test]
    fn maps_paths() {
        assert_eq!(
            target("pages", "index", "ts"),
            ("/api".into(), "app/api/route.ts".into())
        );
        assert_eq!(
            target("pages", "users/index", "js"),
            ("/api/users".into(), "app/api/users/route.js".into())
        );
        assert_eq!(
            target("src/pages", "a/b", "tsx"),
            ("/api/a/b".into(), "src/app/api/a/b/route.tsx".into())
        );
        assert_eq!(
            target("pages", "_x", "ts"),
            ("/api/_x".into(), "app/api/%5Fx/route.ts".into())
        );
        assert_eq!(
            target("pages", "x", "api.ts"),
            ("/api/x".into(), "app/api/x/route.api.ts".into())
        );
    }

    #[test]
    fn reads_params() {
        let route = api_route("pages", "p/[id]/[...slug]", "ts").unwrap();
        assert_eq!(route.params_type(), "{ id: string; slug: string[] }");
        let route = api_route("pages", "o/[[...rest]]", "ts").unwrap();
        assert_eq!(route.params_type(), "{ rest?: string[] }");
        assert_eq!(route.target_path, "app/api/o/[[...rest]]/route.ts");
        let route = api_route("pages", "x/[my-id]", "ts").unwrap();
        assert_eq!(route.params_type(), "{ 'my-id': string }");
    }

    #[test]
    fn refuses_reserved_segments() {
        assert!(api_route("pages", "(group)/x", "ts").is_err());
        assert!(api_route("pages", "@slot/x", "ts").is_err());
    }
}
