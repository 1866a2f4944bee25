//! Weighs handler evidence and call sites into a class.
//!
//! The handler's code says what kind of client it expects (a signature check means a webhook
//! sender; CORS or an API key a foreign client). The call graph says who does call it: the
//! app's own browser code, its own server code, or a separate package over HTTP. Each becomes
//! [`Evidence`] with a weight; the class with the most weight wins, and the gap to the runner-up
//! sets the confidence. A route nobody in the project calls is never an app route.

use super::{Class, Classification, Confidence, Evidence};
use crate::callers::{CallSite, CallStyle, Runtime};
use crate::diagnostic::Location;

/// A call site that reaches the route, with where its code lives.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub site: &'a CallSite,
    /// The workspace package the call is in, when it is not the app itself.
    pub package: Option<&'a str>,
    /// The package is not part of the app (the app does not import it): a mobile app, an
    /// extension, another service. It calls over HTTP like any outside client.
    pub separate: bool,
    /// The call reaches this route for sure; `false` when its URL could reach several routes
    /// (`/reports/${type}` beside `/reports/[reportId]` and `/reports/funnel`).
    pub certain: bool,
}

impl Caller<'_> {
    fn is_call(&self) -> bool {
        self.site.style != CallStyle::Reference
    }

    /// Whether the call changes data: a non-GET method, or an SWR mutation.
    fn mutates(&self) -> Option<bool> {
        match (self.site.method, &self.site.style) {
            (Some(method), _) => Some(!matches!(method, "GET" | "HEAD")),
            (None, CallStyle::SwrMutation) => Some(true),
            (None, _) => None,
        }
    }
}

/// What a user decided for the route.
#[derive(Debug, Clone)]
pub struct Override {
    pub class: Class,
    /// `routeshift.toml` or a `// routeshift:` comment, and where.
    pub source: &'static str,
    pub location: Location,
}

/// Classifies one route from its handler evidence (see [`super::signals`]), the methods its
/// handler answers, and its callers.
pub fn classify(
    handler_evidence: &[Evidence],
    handler_methods: &[&str],
    callers: &[Caller],
    user_override: Option<&Override>,
) -> Classification {
    let mut evidence: Vec<Evidence> = handler_evidence.to_vec();
    evidence.extend(caller_evidence(handler_methods, callers));
    evidence.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.signal.cmp(b.signal)));

    if let Some(user) = user_override {
        let mut evidence = evidence;
        evidence.insert(
            0,
            Evidence {
                signal: "override",
                detail: format!("set to {} in {}", user.class, user.source),
                location: Some(user.location.clone()),
                toward: user.class,
                weight: 100,
            },
        );
        return Classification {
            class: user.class,
            confidence: Confidence::High,
            evidence,
            ambiguity: None,
            overridden_at: Some(user.location.clone()),
        };
    }

    // Two questions, in order: is the route for outside clients or for the app itself, and
    // then which of the two kinds on that side.
    let score = |class: Class| -> u32 {
        evidence
            .iter()
            .filter(|e| e.toward == class)
            .map(|e| e.weight)
            .sum()
    };
    let outside = score(Class::Webhook) + score(Class::PublicApi);
    let inside = score(Class::AppMutation) + score(Class::PageRead);
    // Only calls count: a URL written in a config file or a constant is no caller.
    let app_callers = callers.iter().any(|c| !c.separate && c.is_call());
    let external = !app_callers || outside > inside;
    let side = if app_callers {
        Verdict::weigh(
            (
                if external {
                    Class::PublicApi
                } else {
                    Class::AppMutation
                },
                outside.max(inside),
            ),
            (
                if external {
                    Class::AppMutation
                } else {
                    Class::PublicApi
                },
                outside.min(inside),
            ),
        )
    } else {
        Verdict::alone(outside)
    };
    let kind = if external {
        // "Nobody here calls it" says outside, not which kind of outside.
        let shared: u32 = evidence
            .iter()
            .filter(|e| e.signal == "no-app-caller")
            .map(|e| e.weight)
            .sum();
        let webhook = score(Class::Webhook);
        let public = score(Class::PublicApi) - shared;
        // A raw body alone is also what uploads and protocol adapters need: a webhook shows a
        // signature check, or says so in its path.
        let signed = evidence
            .iter()
            .any(|e| SIGNATURE_SIGNALS.contains(&e.signal) || e.signal == "path-webhook");
        if webhook > public && signed {
            Verdict::weigh((Class::Webhook, webhook), (Class::PublicApi, public))
        } else if webhook > 0 {
            Verdict::weigh((Class::PublicApi, public), (Class::Webhook, webhook))
        } else {
            Verdict::settled(Class::PublicApi)
        }
    } else {
        let mutation = score(Class::AppMutation);
        let read = score(Class::PageRead);
        if mutation >= read {
            Verdict::weigh((Class::AppMutation, mutation), (Class::PageRead, read))
        } else {
            Verdict::weigh((Class::PageRead, read), (Class::AppMutation, mutation))
        }
    };
    let class = kind.class;
    let confidence = side.confidence.min(kind.confidence);
    let signals = |keep: &dyn Fn(&Evidence) -> bool| -> String {
        let found: Vec<&str> = evidence
            .iter()
            .filter(|e| keep(e))
            .take(2)
            .map(|e| e.signal)
            .collect();
        found.join(", ")
    };
    let ambiguity = match (side.close, kind.close) {
        (Some((runner_up, second, top)), _) => {
            let other_side = runner_up.is_external();
            let label = if other_side {
                "an endpoint for outside clients"
            } else {
                "the app's own route"
            };
            Some(format!(
                "could also be {label} ({}; weight {second} against {top})",
                signals(&|e| e.toward.is_external() == other_side)
            ))
        }
        (None, Some((runner_up, second, top))) => Some(format!(
            "could also be {runner_up} ({}; weight {second} against {top})",
            signals(&|e| e.toward == runner_up)
        )),
        (None, None) => None,
    };
    Classification {
        class,
        confidence,
        evidence,
        ambiguity,
        overridden_at: None,
    }
}

/// Handler signals that verify who sent the request.
const SIGNATURE_SIGNALS: [&str; 5] = [
    "stripe-signature",
    "svix",
    "qstash",
    "hmac-signature",
    "webhook-signature-header",
];

/// One decision between two classes.
#[derive(Debug, Clone, Copy)]
struct Verdict {
    class: Class,
    confidence: Confidence,
    /// The runner-up and both weights, when it came close.
    close: Option<(Class, u32, u32)>,
}

impl Verdict {
    /// `top` against `second`: a clear lead is high confidence, a near tie low and ambiguous.
    fn weigh(top: (Class, u32), second: (Class, u32)) -> Verdict {
        let (class, top) = top;
        let (runner_up, second) = second;
        let mut confidence = if top < 4 || second * 4 >= top * 3 {
            Confidence::Low
        } else if top >= 9 && second * 3 <= top {
            Confidence::High
        } else {
            Confidence::Medium
        };
        let close = (second >= 4 && second * 3 >= top).then_some((runner_up, second, top));
        if close.is_some() {
            confidence = confidence.min(Confidence::Medium);
        }
        Verdict {
            class,
            confidence,
            close,
        }
    }

    /// Only one side had any say.
    fn alone(weight: u32) -> Verdict {
        Verdict {
            class: Class::PublicApi,
            confidence: if weight >= 9 {
                Confidence::High
            } else {
                Confidence::Medium
            },
            close: None,
        }
    }

    fn settled(class: Class) -> Verdict {
        Verdict {
            class,
            confidence: Confidence::High,
            close: None,
        }
    }
}

/// Evidence from who calls the route.
fn caller_evidence(handler_methods: &[&str], callers: &[Caller]) -> Vec<Evidence> {
    let mut evidence = Vec::new();
    let calls: Vec<&Caller> = callers.iter().filter(|c| c.is_call()).collect();
    let possible: Vec<&Caller> = calls
        .iter()
        .copied()
        .filter(|c| !c.separate && !c.certain)
        .collect();
    let app: Vec<&Caller> = calls
        .iter()
        .copied()
        .filter(|c| !c.separate && c.certain)
        .collect();
    let separate: Vec<&Caller> = calls.iter().copied().filter(|c| c.separate).collect();
    let references: Vec<&Caller> = callers
        .iter()
        .filter(|c| !c.is_call() && !c.separate)
        .collect();

    if !separate.is_empty() {
        let packages = names(separate.iter().filter_map(|c| c.package));
        evidence.push(Evidence {
            signal: "separate-package-callers",
            detail: format!(
                "{} call site{} in {packages}, which the app does not import: a client over HTTP",
                separate.len(),
                plural(separate.len())
            ),
            location: Some(separate[0].site.location.clone()),
            toward: Class::PublicApi,
            weight: 6,
        });
    }
    if !possible.is_empty() {
        // Calls whose URL could reach this route or a sibling: the app probably uses it.
        let mutating = possible.iter().any(|c| c.mutates() == Some(true));
        evidence.push(Evidence {
            signal: "possible-callers",
            detail: format!(
                "{} call site{} could reach this route or a sibling (the URL has a run-time segment)",
                possible.len(),
                plural(possible.len())
            ),
            location: Some(possible[0].site.location.clone()),
            toward: if mutating || !reads_only(handler_methods) && possible.iter().all(|c| c.mutates().is_none()) {
                Class::AppMutation
            } else {
                Class::PageRead
            },
            weight: 3,
        });
    }
    if !references.is_empty() && app.is_empty() {
        // Only mentioned (a constant, a config file, a link list): no readable call uses it.
        evidence.push(Evidence {
            signal: "url-mentioned",
            detail: format!(
                "the URL appears {} time{} in the project without a call that can be read",
                references.len(),
                plural(references.len())
            ),
            location: Some(references[0].site.location.clone()),
            toward: if reads_only(handler_methods) {
                Class::PageRead
            } else {
                Class::AppMutation
            },
            weight: 1,
        });
    }
    if app.is_empty() && possible.is_empty() {
        evidence.push(Evidence {
            signal: "no-app-caller",
            detail: "nothing in the app calls this route: its clients are outside the project"
                .to_string(),
            location: None,
            toward: Class::PublicApi,
            weight: 5,
        });
        return evidence;
    }
    if app.is_empty() {
        return evidence;
    }

    // The app's own calls, by where they run and what they do.
    let client: Vec<&Caller> = app
        .iter()
        .copied()
        .filter(|c| c.site.context.runtime != Runtime::Server)
        .collect();
    let server: Vec<&Caller> = app
        .iter()
        .copied()
        .filter(|c| c.site.context.runtime == Runtime::Server)
        .collect();
    for (group, signal, place) in [
        (&client, "ui-callers", "the app's browser code"),
        (&server, "server-callers", "the app's server code"),
    ] {
        if group.is_empty() {
            continue;
        }
        let mutating = group.iter().filter(|c| c.mutates() == Some(true)).count();
        let known = group.iter().filter(|c| c.mutates().is_some()).count();
        let toward = if mutating > 0 || (known == 0 && !reads_only(handler_methods)) {
            Class::AppMutation
        } else {
            Class::PageRead
        };
        let methods = names(group.iter().map(|c| c.site.method.unwrap_or("?")));
        let reasons = names(group.iter().map(|c| c.site.context.reason));
        let base = if signal == "ui-callers" { 6 } else { 5 };
        evidence.push(Evidence {
            signal,
            detail: format!(
                "{} call site{} from {place} ({reasons}), method {methods}",
                group.len(),
                plural(group.len())
            ),
            location: Some(group[0].site.location.clone()),
            toward,
            weight: base + (group.len() as u32 - 1).min(3),
        });
    }
    evidence
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn reads_only(methods: &[&str]) -> bool {
    !methods.is_empty()
        && methods
            .iter()
            .all(|m| matches!(*m, "GET" | "HEAD" | "OPTIONS"))
}

/// Distinct names in first-seen order, joined.
fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callers::url::UrlPattern;
    use crate::callers::{BodyKind, CallerContext};

    fn site(method: Option<&'static str>, runtime: Runtime, reason: &'static str) -> CallSite {
        CallSite {
            url: UrlPattern::text("/api/x"),
            method,
            body: BodyKind::None,
            style: CallStyle::Fetch,
            location: Location {
                path: "components/X.tsx".into(),
                line: 3,
                column: 5,
            },
            context: CallerContext { runtime, reason },
            absolute: false,
        }
    }

    fn signal(signal: &'static str, toward: Class, weight: u32) -> Evidence {
        Evidence {
            signal,
            detail: String::new(),
            location: None,
            toward,
            weight,
        }
    }

    fn app(site: &CallSite) -> Caller<'_> {
        Caller {
            site,
            package: None,
            separate: false,
            certain: true,
        }
    }

    #[test]
    fn no_caller_is_never_an_app_class() {
        let result = classify(&[], &["GET"], &[], None);
        assert_eq!(result.class, Class::PublicApi);
        assert_eq!(result.confidence, Confidence::Medium);
        assert_eq!(result.evidence[0].signal, "no-app-caller");
        // Even a session check does not make an uncalled route the app's.
        let session = [signal("session-auth", Class::AppMutation, 2)];
        assert_eq!(
            classify(&session, &["POST"], &[], None).class,
            Class::PublicApi
        );
    }

    #[test]
    fn signature_checks_make_webhooks() {
        let evidence = [
            signal("stripe-signature", Class::Webhook, 10),
            signal("body-parser-off", Class::Webhook, 4),
        ];
        let result = classify(&evidence, &["POST"], &[], None);
        assert_eq!(result.class, Class::Webhook);
        assert_eq!(result.confidence, Confidence::High);
        assert_eq!(result.ambiguity, None);
    }

    #[test]
    fn a_raw_body_without_a_signature_check_is_no_webhook() {
        let evidence = [
            signal("raw-body", Class::Webhook, 4),
            signal("body-parser-off", Class::Webhook, 2),
        ];
        let result = classify(&evidence, &["POST"], &[], None);
        assert_eq!(result.class, Class::PublicApi);
        assert_eq!(result.confidence, Confidence::Low);
        assert!(result.ambiguity.is_some_and(|a| a.contains("webhook")));
    }

    #[test]
    fn ui_posts_are_mutations_and_gets_are_reads() {
        let post = site(Some("POST"), Runtime::Client, "event handler");
        let result = classify(&[], &["GET", "POST"], &[app(&post)], None);
        assert_eq!(result.class, Class::AppMutation);
        let get = site(Some("GET"), Runtime::Server, "getServerSideProps");
        let result = classify(&[], &["GET"], &[app(&get)], None);
        assert_eq!(result.class, Class::PageRead);
        assert_eq!(result.evidence[0].signal, "server-callers");
    }

    #[test]
    fn two_audiences_are_ambiguous() {
        let post = site(Some("POST"), Runtime::Client, "event handler");
        let mobile = site(Some("POST"), Runtime::Unknown, "module");
        let callers = [
            app(&post),
            Caller {
                site: &mobile,
                package: Some("@acme/mobile"),
                separate: true,
                certain: true,
            },
        ];
        let evidence = [signal("bearer-token", Class::PublicApi, 4)];
        let result = classify(&evidence, &["GET", "POST"], &callers, None);
        assert_eq!(result.class, Class::PublicApi);
        assert!(result.confidence <= Confidence::Medium);
        let ambiguity = result.ambiguity.unwrap_or_default();
        assert!(ambiguity.contains("ui-callers"), "{ambiguity}");
    }

    #[test]
    fn an_override_wins_and_keeps_the_evidence() {
        let get = site(Some("GET"), Runtime::Client, "hook");
        let user = Override {
            class: Class::PublicApi,
            source: "routeshift.toml",
            location: Location {
                path: "routeshift.toml".into(),
                line: 2,
                column: 1,
            },
        };
        let result = classify(&[], &["GET"], &[app(&get)], Some(&user));
        assert_eq!(result.class, Class::PublicApi);
        assert_eq!(result.overridden_at.map(|l| l.line), Some(2));
        assert_eq!(result.evidence[0].signal, "override");
        assert!(result.evidence.iter().any(|e| e.signal == "ui-callers"));
    }
}
