//! Classification: what kind of endpoint each API route is, and why.
//!
//! Four classes, after who calls the route:
//! - `webhook`: a machine that signs what it sends (Stripe, svix, GitHub); raw body, signature check;
//! - `public-api`: any other machine over HTTP (mobile app, partner, cron, SDK, browser extension);
//! - `app-mutation`: the app's own UI changes data through it (forms, buttons);
//! - `page-read`: the app's own pages read data through it to render.
//!
//! Evidence comes from the handler's code ([`signals`]) and from the project's call sites
//! ([`decide`] weighs both). Every piece of evidence names its signal, its place and its weight,
//! so a reader can see why a route got its class; close calls are marked ambiguous.

pub mod decide;
pub mod overrides;
pub mod signals;

use std::fmt;

use crate::diagnostic::Location;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Webhook,
    PublicApi,
    AppMutation,
    PageRead,
}

impl Class {
    pub const ALL: [Class; 4] = [
        Class::Webhook,
        Class::PublicApi,
        Class::AppMutation,
        Class::PageRead,
    ];

    /// The name used on the command line, in `routeshift.toml` and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Class::Webhook => "webhook",
            Class::PublicApi => "public-api",
            Class::AppMutation => "app-mutation",
            Class::PageRead => "page-read",
        }
    }

    pub fn from_name(name: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the class means "called over HTTP by something outside the app".
    pub fn is_external(self) -> bool {
        matches!(self, Class::Webhook | Class::PublicApi)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn name(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One reason for a class: what was seen, where, and how much it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Stable code of the signal, e.g. `stripe-signature`, `cors-headers`, `ui-callers`.
    pub signal: &'static str,
    /// What was seen, for a person: "stripe.webhooks.constructEvent(…) verifies the Stripe signature".
    pub detail: String,
    /// Where it was seen (the handler file for code signals, a call site for caller signals).
    pub location: Option<Location>,
    /// The class it points to.
    pub toward: Class,
    /// How much it counts. Rough scale: 1–2 a hint (a path word), 3–5 a clear sign (CORS, API key),
    /// 8–10 near proof (a signature check, a framework adapter).
    pub weight: u32,
}

/// A route's class and the evidence that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub class: Class,
    pub confidence: Confidence,
    /// Every piece of evidence, strongest first.
    pub evidence: Vec<Evidence>,
    /// Why the call was close, when it was: the runner-up and what spoke for it.
    pub ambiguity: Option<String>,
    /// Where the user fixed the class (a `routeshift.toml` entry or a `// routeshift:` comment).
    pub overridden_at: Option<Location>,
}
