//! Names for what extraction generates: the feature a route belongs to and its functions.
//!
//! `/api/projects/[id]/archive` belongs to `projects`; its POST is `archiveProject`, a GET of
//! `/api/todos` is `listTodos`, of `/api/todos/[id]` `getTodo`, a PATCH of it `updateTodo`.

use crate::route_path::ApiRoute;

/// The feature folder of a route: its first static segment after `/api` (`api` for none).
pub fn feature(route: &ApiRoute) -> String {
    segments(route)
        .into_iter()
        .find_map(|s| match s {
            Segment::Static(name) => Some(name.to_string()),
            Segment::Param => None,
        })
        .unwrap_or_else(|| "api".to_string())
}

enum Segment<'a> {
    Static(&'a str),
    Param,
}

fn segments(route: &ApiRoute) -> Vec<Segment<'_>> {
    route
        .url
        .trim_start_matches("/api")
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.starts_with('[') {
                Segment::Param
            } else {
                Segment::Static(s)
            }
        })
        .collect()
}

/// The service function name for `method` of `route`.
pub fn function_name(route: &ApiRoute, method: &str) -> String {
    let segments = segments(route);
    let statics: Vec<&str> = segments
        .iter()
        .filter_map(|s| match s {
            Segment::Static(name) => Some(*name),
            Segment::Param => None,
        })
        .collect();
    let ends_in_param = matches!(segments.last(), Some(Segment::Param));
    // A static segment right after a parameter names an action on one item (`[id]/archive`).
    let action_on_item = segments.len() >= 2
        && matches!(segments[segments.len() - 2], Segment::Param)
        && !ends_in_param;
    let words: Vec<String> = statics.iter().map(|s| pascal(s)).collect();
    let all = words.concat();
    if statics.is_empty() {
        return format!("{}Api", verb(method));
    }
    let item = |upto: usize| -> String {
        let mut parts: Vec<String> = words[..upto].to_vec();
        if let Some(last) = parts.last_mut() {
            *last = singular(last);
        }
        parts.concat()
    };
    match method {
        "GET" if ends_in_param => format!("get{}", item(words.len())),
        "GET" if statics.len() == 1 => format!("list{all}"),
        "GET" => format!("get{all}"),
        "POST" if action_on_item => {
            format!(
                "{}{}",
                camel(statics[statics.len() - 1]),
                item(words.len() - 1)
            )
        }
        "POST" if ends_in_param => format!("update{}", item(words.len())),
        "POST" if statics.len() == 1 => format!("create{}", item(1)),
        "POST" => {
            let last = statics[statics.len() - 1];
            format!("{}{}", camel(last), words[..words.len() - 1].concat())
        }
        other => {
            let target = if ends_in_param {
                item(words.len())
            } else {
                all.clone()
            };
            format!("{}{target}", verb(other))
        }
    }
}

fn verb(method: &str) -> &'static str {
    match method {
        "GET" => "get",
        "POST" => "create",
        "PUT" | "PATCH" => "update",
        "DELETE" => "delete",
        "HEAD" => "head",
        "OPTIONS" => "options",
        _ => "handle",
    }
}

/// `user-settings` → `UserSettings`.
pub fn pascal(segment: &str) -> String {
    segment
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `user-settings` → `userSettings`.
pub fn camel(segment: &str) -> String {
    let pascal = pascal(segment);
    let mut chars = pascal.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => "value".to_string(),
    }
}

fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("ss") || word.ends_with("us") {
        word.to_string()
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_string()
    } else {
        word.to_string()
    }
}

/// A valid JavaScript identifier from any text, not a reserved word.
pub fn identifier(text: &str) -> String {
    let mut name = camel(text);
    if name.chars().next().is_none_or(|c| c.is_ascii_digit()) {
        name = format!("value{name}");
    }
    if matches!(
        name.as_str(),
        "delete" | "new" | "default" | "function" | "class" | "const" | "let" | "var" | "return"
    ) {
        name.push_str("Value");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_path::api_route;

    fn route(relative: &str) -> ApiRoute {
        let (stem, suffix) = relative.rsplit_once('.').unwrap_or((relative, "ts"));
        api_route("pages", stem, suffix).expect("route")
    }

    #[test]
    fn names_follow_the_path_and_method() {
        let cases = [
            ("todos/index.ts", "GET", "listTodos"),
            ("todos/index.ts", "POST", "createTodo"),
            ("todos/[id].ts", "GET", "getTodo"),
            ("todos/[id].ts", "PATCH", "updateTodo"),
            ("todos/[id].ts", "DELETE", "deleteTodo"),
            ("projects/[id]/archive.ts", "POST", "archiveProject"),
            ("todos/stats.ts", "GET", "getTodosStats"),
            ("todos/clear-done.ts", "POST", "clearDoneTodos"),
            ("categories/index.ts", "POST", "createCategory"),
        ];
        for (path, method, expected) in cases {
            assert_eq!(
                function_name(&route(path), method),
                expected,
                "{path} {method}"
            );
        }
        assert_eq!(feature(&route("projects/[id]/archive.ts")), "projects");
        assert_eq!(feature(&route("[slug].ts")), "api");
    }
}
