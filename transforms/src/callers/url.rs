//! URL patterns: what a call site's URL expression can be, with the parts that are only known at
//! run time (`${id}`, a base-URL variable) as wildcards, and matching them against routes with
//! Next.js's own precedence.

use std::fmt;

/// One piece of a URL expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UrlPart {
    Text(String),
    /// Only known at run time.
    Any,
    /// Only known at run time, from an expression with a name (`${reportId}`, `${user.id}`):
    /// the name tells which dynamic segment it is meant for.
    Named(String),
    /// A parameter of the enclosing function (a wrapper's URL argument), by position.
    Param(usize),
}

/// A URL as far as the source says: `/api/items/` then anything.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct UrlPattern {
    pub parts: Vec<UrlPart>,
}

impl UrlPattern {
    pub fn text(text: &str) -> UrlPattern {
        UrlPattern {
            parts: vec![UrlPart::Text(text.to_string())],
        }
    }

    pub fn any() -> UrlPattern {
        UrlPattern {
            parts: vec![UrlPart::Any],
        }
    }

    /// Appends `other`, merging neighbouring texts and wildcards.
    pub fn push(&mut self, part: UrlPart) {
        match (self.parts.last_mut(), part) {
            (_, UrlPart::Text(text)) if text.is_empty() => {}
            (Some(UrlPart::Text(last)), UrlPart::Text(text)) => last.push_str(&text),
            (Some(last @ (UrlPart::Any | UrlPart::Named(_))), UrlPart::Any | UrlPart::Named(_)) => {
                *last = UrlPart::Any
            }
            (_, part) => self.parts.push(part),
        }
    }

    pub fn concat(mut self, other: UrlPattern) -> UrlPattern {
        for part in other.parts {
            self.push(part);
        }
        self
    }

    pub fn has_params(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, UrlPart::Param(_)))
    }

    /// The wrapper's pattern with its parameters filled in from a call's arguments.
    pub fn substitute(&self, argument: &dyn Fn(usize) -> Option<UrlPattern>) -> UrlPattern {
        let mut out = UrlPattern::default();
        for part in &self.parts {
            match part {
                UrlPart::Param(index) => match argument(*index) {
                    Some(pattern) => {
                        for p in pattern.parts {
                            out.push(p)
                        }
                    }
                    None => out.push(UrlPart::Any),
                },
                other => out.push(other.clone()),
            }
        }
        out
    }

    /// The part of the URL this project serves: from `/api` on, without the origin or a base-URL
    /// variable in front, the query string or the fragment. `None` when the URL does not point
    /// at `/api` or points at another host.
    pub fn api_path(&self) -> Option<UrlPattern> {
        let (index, at) = self
            .parts
            .iter()
            .enumerate()
            .find_map(|(i, part)| match part {
                UrlPart::Text(text) => api_start(text).map(|at| (i, at)),
                _ => None,
            })?;
        // What stands before `/api` must be an origin this app could be: a variable, or a literal
        // local origin. A literal foreign host is someone else's API.
        let UrlPart::Text(text) = &self.parts[index] else {
            return None;
        };
        let before = &text[..at];
        let literal_before: String = self.parts[..index]
            .iter()
            .filter_map(|p| match p {
                UrlPart::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .chain([before])
            .collect();
        let variable_before = self.parts[..index]
            .iter()
            .any(|p| !matches!(p, UrlPart::Text(_)));
        if !literal_before.is_empty() && !variable_before && !is_local_origin(&literal_before) {
            return None;
        }
        if variable_before && literal_before.contains("://") && !is_local_origin(&literal_before) {
            return None;
        }
        let mut out = UrlPattern::default();
        out.push(UrlPart::Text(text[at..].to_string()));
        for part in &self.parts[index + 1..] {
            out.push(part.clone());
        }
        // Cut the query string and fragment.
        let mut cut = UrlPattern::default();
        for part in out.parts {
            if let UrlPart::Text(text) = &part {
                if let Some(end) = text.find(['?', '#']) {
                    cut.push(UrlPart::Text(text[..end].to_string()));
                    break;
                }
            }
            cut.push(part);
        }
        let more_than_one = cut.parts.len() > 1;
        if let Some(UrlPart::Text(last)) = cut.parts.last_mut() {
            while last.ends_with('/') && (last.len() > 1 || more_than_one) {
                last.pop();
            }
        }
        if cut.parts.last() == Some(&UrlPart::Text(String::new())) {
            cut.parts.pop();
        }
        Some(cut)
    }

    /// Whether something stands before `/api`: an origin or a base-URL variable.
    pub fn is_absolute(&self) -> bool {
        !matches!(self.parts.first(), Some(UrlPart::Text(text)) if api_start(text) == Some(0))
    }

    /// Splits on literal `/` into segments (the leading empty segment dropped).
    fn segments(&self) -> Vec<Vec<UrlPart>> {
        let mut segments: Vec<Vec<UrlPart>> = vec![Vec::new()];
        for part in &self.parts {
            match part {
                UrlPart::Text(text) => {
                    let mut pieces = text.split('/');
                    if let Some(first) = pieces.next() {
                        push_piece(segments.last_mut(), first);
                    }
                    for piece in pieces {
                        segments.push(Vec::new());
                        push_piece(segments.last_mut(), piece);
                    }
                }
                other => {
                    if let Some(last) = segments.last_mut() {
                        last.push(other.clone())
                    }
                }
            }
        }
        if segments.first().is_some_and(|s| s.is_empty()) {
            segments.remove(0);
        }
        segments
    }
}

fn push_piece(segment: Option<&mut Vec<UrlPart>>, piece: &str) {
    if let (Some(segment), false) = (segment, piece.is_empty()) {
        segment.push(UrlPart::Text(piece.to_string()));
    }
}

/// Where `/api` starts as a whole path segment in `text`.
fn api_start(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = text[from..].find("/api") {
        let at = from + found;
        let after = &text[at + 4..];
        if after.is_empty() || after.starts_with('/') || after.starts_with('?') {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

fn is_local_origin(text: &str) -> bool {
    let rest = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
        .unwrap_or(text);
    let host = rest.split([':', '/']).next().unwrap_or("");
    matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]")
}

impl fmt::Display for UrlPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                UrlPart::Text(text) => f.write_str(text)?,
                UrlPart::Any | UrlPart::Named(_) => f.write_str("*")?,
                UrlPart::Param(i) => write!(f, "${{{i}}}")?,
            }
        }
        Ok(())
    }
}

/// A route's URL pattern, split into what each segment accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RouteSegment {
    Static(String),
    /// `[id]`, with its parameter name.
    Dynamic(String),
    CatchAll,
    OptionalCatchAll,
}

fn route_segments(url: &str) -> Vec<RouteSegment> {
    url.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with("[[...") {
                RouteSegment::OptionalCatchAll
            } else if s.starts_with("[...") {
                RouteSegment::CatchAll
            } else if s.starts_with('[') {
                RouteSegment::Dynamic(s.trim_matches(|c| c == '[' || c == ']').to_string())
            } else {
                RouteSegment::Static(s.to_string())
            }
        })
        .collect()
}

/// The project's routes, ready to match URLs against.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<Vec<RouteSegment>>,
    /// For each segment depth, the routes that can take a literal segment there: by the static
    /// name they have at that depth (`/api/items/…` under `items` at depth 1), and `other`, the
    /// routes with a dynamic or catch-all segment there or too few segments to say (a catch-all
    /// before it may take it). A literal URL segment only needs the routes of its own bucket.
    by_depth: Vec<DepthIndex>,
}

#[derive(Debug, Clone, Default)]
struct DepthIndex {
    by_name: std::collections::HashMap<String, Vec<usize>>,
    other: Vec<usize>,
}

impl RouteTable {
    /// `urls` are route URL patterns such as `/api/items/[id]`; [`RouteTable::find`] answers with
    /// an index into them.
    pub fn new<'a>(urls: impl IntoIterator<Item = &'a str>) -> RouteTable {
        let routes: Vec<Vec<RouteSegment>> = urls.into_iter().map(route_segments).collect();
        let depths = routes.iter().map(Vec::len).max().unwrap_or(0);
        let mut by_depth = vec![DepthIndex::default(); depths];
        for (index, route) in routes.iter().enumerate() {
            for (depth, at) in by_depth.iter_mut().enumerate() {
                match route.get(depth) {
                    Some(RouteSegment::Static(name)) => {
                        at.by_name.entry(name.clone()).or_default().push(index)
                    }
                    _ => at.other.push(index),
                }
            }
        }
        RouteTable { routes, by_depth }
    }

    /// The routes a URL can match, in table order: those of the smallest bucket among the URL's
    /// literal segments (every route when it has none the table indexes).
    fn candidates(&self, segments: &[Vec<UrlPart>]) -> Vec<usize> {
        let smallest = segments
            .iter()
            .zip(&self.by_depth)
            .filter_map(|(segment, at)| match segment.as_slice() {
                [UrlPart::Text(text)] => {
                    let named = at.by_name.get(text.as_str()).map_or(&[][..], Vec::as_slice);
                    Some((named.len() + at.other.len(), named, &at.other))
                }
                _ => None,
            })
            .min_by_key(|(size, _, _)| *size);
        match smallest {
            Some((_, named, other)) => {
                let mut found: Vec<usize> = named.iter().chain(other).copied().collect();
                found.sort_unstable();
                found
            }
            None => (0..self.routes.len()).collect(),
        }
    }

    /// The route a URL reaches. Among the routes that can match, Next.js's precedence decides:
    /// static segments before `[param]` before `[...catchAll]` before `[[...optional]]`, compared
    /// from the left. A run-time part (`${id}`) is taken to mean a dynamic segment: it matches a
    /// static segment only when no dynamic route could take it, and when several static routes
    /// could, the match is ambiguous.
    pub fn find(&self, path: &UrlPattern) -> RouteMatch {
        let segments = path.segments();
        self.best_match(&segments, self.candidates(&segments))
    }

    /// The route among `candidates` (in table order) that the URL's `segments` reach.
    fn best_match(&self, segments: &[Vec<UrlPart>], candidates: Vec<usize>) -> RouteMatch {
        let mut best: Option<Vec<u8>> = None;
        let mut winners: Vec<usize> = Vec::new();
        let mut rank = Vec::new();
        for index in candidates {
            let route = &self.routes[index];
            rank.clear();
            if !matches_from(segments, route, &mut rank) {
                continue;
            }
            match best.as_ref().map(|b| rank.cmp(b)) {
                Some(std::cmp::Ordering::Greater) => {}
                Some(std::cmp::Ordering::Equal) => winners.push(index),
                Some(std::cmp::Ordering::Less) | None => {
                    best = Some(rank.clone());
                    winners = vec![index];
                }
            }
        }
        match winners.len() {
            0 => RouteMatch::NoRoute,
            1 => RouteMatch::Route(winners[0]),
            _ => RouteMatch::Ambiguous(winners),
        }
    }
}

/// Which route a call site reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMatch {
    Route(usize),
    /// Several routes could take it (a run-time segment where static routes differ).
    Ambiguous(Vec<usize>),
    NoRoute,
}

/// Whether `path` matches `route`; `rank` collects a precedence number per route segment
/// (lower is more specific).
fn matches_from(path: &[Vec<UrlPart>], route: &[RouteSegment], rank: &mut Vec<u8>) -> bool {
    let Some((segment, rest_route)) = route.split_first() else {
        return path.is_empty();
    };
    match segment {
        RouteSegment::Static(name) => {
            let Some((first, rest)) = path.split_first() else {
                return false;
            };
            if !glob_matches(first, name) {
                return false;
            }
            // A wholly run-time segment more likely fills a dynamic or catch-all segment than
            // it names a static sibling; text with a run-time tail (`_random${query}`) is that
            // static segment.
            rank.push(if has_text(first) { 0 } else { 5 });
            matches_from(rest, rest_route, rank)
        }
        RouteSegment::Dynamic(param) => {
            let Some((first, rest)) = path.split_first() else {
                return false;
            };
            if first.is_empty() {
                return false;
            }
            // `${type}` where the route says `[reportId]` is as likely a static sibling
            // (`/reports/funnel`) as the dynamic route: rank them alike.
            let mismatched_name =
                matches!(first.as_slice(), [UrlPart::Named(name)] if !names_agree(name, param));
            rank.push(if has_text(first) {
                1
            } else if mismatched_name {
                5
            } else {
                0
            });
            matches_from(rest, rest_route, rank)
        }
        RouteSegment::CatchAll | RouteSegment::OptionalCatchAll => {
            let optional = *segment == RouteSegment::OptionalCatchAll;
            // Catch-alls come last in a route; they take every remaining segment.
            if !rest_route.is_empty() || (!optional && path.is_empty()) {
                return false;
            }
            rank.push(if optional { 4 } else { 3 });
            true
        }
    }
}

/// `reportId` and `id`, `user_id` and `userId`: the expression names the route parameter.
fn names_agree(expression: &str, param: &str) -> bool {
    let normal = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let (a, b) = (normal(expression), normal(param));
    !a.is_empty() && !b.is_empty() && (a.ends_with(&b) || b.ends_with(&a))
}

fn has_text(segment: &[UrlPart]) -> bool {
    segment.iter().any(|p| matches!(p, UrlPart::Text(_)))
}

/// Whether a segment of text and wildcards can be `name`.
fn glob_matches(segment: &[UrlPart], name: &str) -> bool {
    let Some((first, rest)) = segment.split_first() else {
        return name.is_empty();
    };
    match first {
        UrlPart::Text(text) => name
            .strip_prefix(text.as_str())
            .is_some_and(|tail| glob_matches(rest, tail)),
        UrlPart::Any | UrlPart::Named(_) | UrlPart::Param(_) => {
            (0..=name.len()).any(|i| name.is_char_boundary(i) && glob_matches(rest, &name[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(parts: &[Option<&str>]) -> UrlPattern {
        let mut out = UrlPattern::default();
        for part in parts {
            out.push(match part {
                Some(text) => UrlPart::Text(text.to_string()),
                None => UrlPart::Any,
            });
        }
        out
    }

    #[test]
    fn api_path_drops_origins_query_and_trailing_slash() {
        let with_base = pattern(&[None, Some("/api/items/"), None, Some("?tab=1")]);
        assert_eq!(
            with_base.api_path().map(|p| p.to_string()),
            Some("/api/items/*".into())
        );
        let local = pattern(&[Some("http://localhost:3000/api/me/")]);
        assert_eq!(
            local.api_path().map(|p| p.to_string()),
            Some("/api/me".into())
        );
        assert_eq!(
            pattern(&[Some("https://example.com/api/me")]).api_path(),
            None
        );
        assert_eq!(pattern(&[Some("/apis/me")]).api_path(), None);
        assert_eq!(pattern(&[Some("/dashboard")]).api_path(), None);
    }

    #[test]
    fn next_precedence_static_before_dynamic_before_catch_all() {
        let table = RouteTable::new([
            "/api/items/[id]",
            "/api/items/archived",
            "/api/items/[...rest]",
            "/api/[[...all]]",
        ]);
        let find = |parts: &[Option<&str>]| table.find(&pattern(parts));
        assert_eq!(find(&[Some("/api/items/archived")]), RouteMatch::Route(1));
        assert_eq!(find(&[Some("/api/items/42")]), RouteMatch::Route(0));
        assert_eq!(find(&[Some("/api/items/"), None]), RouteMatch::Route(0));
        assert_eq!(
            find(&[Some("/api/items/"), None, Some("/"), None]),
            RouteMatch::Route(2)
        );
        assert_eq!(find(&[Some("/api/other")]), RouteMatch::Route(3));
        assert_eq!(find(&[Some("/api")]), RouteMatch::Route(3));
    }

    #[test]
    fn a_literal_segment_deeper_in_the_url_narrows_the_routes_without_losing_any() {
        let table = RouteTable::new([
            "/api/teams/[team]/members",
            "/api/teams/[team]/invites",
            "/api/[kind]/[id]/members",
            "/api/teams/[...rest]",
            "/api/users/[id]/members",
            "/api/teams/[team]/members/[member]",
        ]);
        let find = |parts: &[Option<&str>]| table.find(&pattern(parts));
        // The second segment is only known at run time; the third still decides.
        assert_eq!(
            find(&[Some("/api/"), None, Some("/"), None, Some("/invites")]),
            RouteMatch::Route(1)
        );
        assert_eq!(
            find(&[Some("/api/teams/"), None, Some("/members")]),
            RouteMatch::Route(0)
        );
        // A catch-all before the literal segment takes it; a longer route does not.
        assert_eq!(
            find(&[Some("/api/teams/"), None, Some("/settings")]),
            RouteMatch::Route(3)
        );
        assert_eq!(
            find(&[Some("/api/teams/"), None, Some("/members/"), None]),
            RouteMatch::Route(5)
        );
        // Wholly run-time segments take the dynamic route.
        assert_eq!(
            find(&[Some("/api/"), None, Some("/"), None, Some("/members")]),
            RouteMatch::Route(2)
        );
        // The narrowed search answers as a search of every route does.
        let urls: [&[Option<&str>]; 9] = [
            &[Some("/api/teams/"), None, Some("/invites")],
            &[Some("/api/users/"), None, Some("/members")],
            &[Some("/api/users/7/members")],
            &[Some("/api/"), None, Some("/7/members")],
            &[Some("/api/teams/"), None],
            &[Some("/api/teams")],
            &[Some("/api/x/y/members/z")],
            &[Some("/api/teams/a/members/b/c")],
            &[Some("/api/"), None, Some("/"), None, Some("/"), None],
        ];
        for url in urls {
            let segments = pattern(url).segments();
            let everything = (0..table.routes.len()).collect();
            assert_eq!(
                find(url),
                table.best_match(&segments, everything),
                "{}",
                pattern(url)
            );
        }
    }

    #[test]
    fn a_named_value_that_is_not_the_parameter_could_be_a_static_sibling() {
        let table = RouteTable::new(["/api/reports/[reportId]", "/api/reports/funnel"]);
        let call = |name: &str| {
            let mut p = pattern(&[Some("/api/reports/")]);
            p.push(UrlPart::Named(name.into()));
            table.find(&p)
        };
        assert_eq!(call("reportId"), RouteMatch::Route(0));
        assert_eq!(call("id"), RouteMatch::Route(0));
        assert_eq!(call("type"), RouteMatch::Ambiguous(vec![0, 1]));
    }

    #[test]
    fn wildcards_match_static_segments_only_when_unambiguous() {
        let table = RouteTable::new(["/api/users", "/api/teams"]);
        assert_eq!(
            table.find(&pattern(&[Some("/api/"), None])),
            RouteMatch::Ambiguous(vec![0, 1])
        );
        let table = RouteTable::new(["/api/export-csv", "/api/import"]);
        assert_eq!(
            table.find(&pattern(&[Some("/api/export-"), None])),
            RouteMatch::Route(0)
        );
        // A run-time tail on a static segment (a query string) stays on that segment.
        let table = RouteTable::new(["/api/links/[key]", "/api/links/_random"]);
        assert_eq!(
            table.find(&pattern(&[Some("/api/links/_random"), None])),
            RouteMatch::Route(1)
        );
        // A run-time segment fills a catch-all before it names a static sibling.
        let table = RouteTable::new(["/api/folders/manage", "/api/folders/[...name]"]);
        assert_eq!(
            table.find(&pattern(&[Some("/api/folders/"), None])),
            RouteMatch::Route(1)
        );
        assert_eq!(
            table.find(&pattern(&[Some("/api/upload-"), None])),
            RouteMatch::NoRoute
        );
    }
}
