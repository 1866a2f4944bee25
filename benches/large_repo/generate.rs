//! A synthetic Next.js project for the large-repository benchmark: API handlers of the shapes
//! real code bases have, in roughly their proportions (`shared/reference/real-world-patterns.md`),
//! and the components, pages, hooks, server components, library modules and tests around them
//! that call those routes. Deterministic: the same seed writes the same bytes.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::io;
use std::path::Path;

/// A small, fast, seeded generator (SplitMix64): no dependency, same sequence everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn range(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index into `weights`, chosen in proportion to them.
    fn weighted(&mut self, weights: &[usize]) -> usize {
        let total: usize = weights.iter().sum();
        let mut at = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if at < w {
                return i;
            }
            at -= w;
        }
        weights.len() - 1
    }
}

const AREAS: [&str; 48] = [
    "accounts",
    "admin",
    "analytics",
    "billing",
    "blog",
    "bookings",
    "campaigns",
    "catalog",
    "checkout",
    "comments",
    "contacts",
    "content",
    "crm",
    "dashboard",
    "documents",
    "events",
    "exports",
    "feedback",
    "files",
    "forms",
    "inventory",
    "invoices",
    "issues",
    "jobs",
    "knowledge",
    "leads",
    "marketing",
    "media",
    "messages",
    "notifications",
    "orders",
    "organizations",
    "payments",
    "projects",
    "reports",
    "reviews",
    "search",
    "settings",
    "shipping",
    "shop",
    "subscriptions",
    "support",
    "surveys",
    "tasks",
    "teams",
    "tickets",
    "users",
    "workspaces",
];

const NOUNS: [&str; 60] = [
    "account",
    "address",
    "alert",
    "asset",
    "attachment",
    "audit",
    "badge",
    "batch",
    "board",
    "bookmark",
    "budget",
    "card",
    "category",
    "channel",
    "checklist",
    "client",
    "collection",
    "coupon",
    "customer",
    "deal",
    "device",
    "discount",
    "draft",
    "entry",
    "estimate",
    "export",
    "feature",
    "field",
    "folder",
    "goal",
    "group",
    "integration",
    "item",
    "label",
    "layout",
    "license",
    "listing",
    "member",
    "milestone",
    "note",
    "offer",
    "page",
    "partner",
    "plan",
    "playlist",
    "post",
    "price",
    "product",
    "profile",
    "quote",
    "receipt",
    "record",
    "region",
    "release",
    "rule",
    "schedule",
    "section",
    "segment",
    "template",
    "token",
];

const ACTIONS: [&str; 16] = [
    "archive",
    "publish",
    "duplicate",
    "restore",
    "members",
    "stats",
    "history",
    "export",
    "approve",
    "assign",
    "comments",
    "activity",
    "share",
    "transfer",
    "preview",
    "settings",
];

const PROVIDERS: [&str; 8] = [
    "stripe", "github", "clerk", "resend", "shopify", "slack", "linear", "twilio",
];

const JOBS: [&str; 10] = [
    "cleanup",
    "digest",
    "sync",
    "reminders",
    "rollup",
    "expire-trials",
    "reindex",
    "backup",
    "refresh-cache",
    "send-invoices",
];

/// Where a route file sits among its resource's routes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `…/<noun>/index.ts` or `…/<noun>.ts`: list and create.
    Collection,
    /// `…/<noun>/[id].ts`: read, update, delete one.
    Item,
    /// `…/<noun>/[id]/<action>.ts`.
    Action,
    /// `…/<noun>/[...slug].ts`.
    CatchAll,
    /// Webhooks, cron jobs, one-off endpoints.
    Standalone,
}

/// The handler shapes, with their weight per hundred files of their kind.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Shape {
    IfChainCollection,
    SwitchCollection,
    ResponseHelpersCollection,
    WrappedCollection,
    SessionCollection,
    ArrowSchemaCollection,
    IfChainItem,
    SwitchItem,
    WrappedItem,
    SessionItem,
    ResponseHelpersItem,
    NoMethodCheckItem,
    EarlyGuardAction,
    WrappedExtraArgsAction,
    QueryParamAction,
    NextApiHandlerConstAction,
    CatchAll,
    StripeWebhook,
    HmacWebhook,
    CronBearer,
    CorsPackage,
    CorsManualHeaders,
    UploadFormidable,
    RedirectLegacy,
    CookiesPreferences,
    StreamSse,
    ClientIpSocket,
    ConfigMaxDuration,
    WholeQuerySchema,
    JavaScriptNoMethodCheck,
    HealthArrow,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::IfChainCollection => "if/else-if method chain, list + create, 405 with Allow",
            Shape::SwitchCollection => "switch (req.method), list + create",
            Shape::ResponseHelpersCollection => "project response helpers ok()/created()",
            Shape::WrappedCollection => "export default withAuth(handler), project wrapper",
            Shape::SessionCollection => "getServerSession(req, res, authOptions) guard",
            Shape::ArrowSchemaCollection => "inline arrow default export, zod body",
            Shape::IfChainItem => "[id] if-chain GET/PUT/DELETE, 404, 204",
            Shape::SwitchItem => "[id] switch GET/PATCH/DELETE",
            Shape::WrappedItem => "[id] withAuth(handler, { role })",
            Shape::SessionItem => "[id] getServerSession + ownership check",
            Shape::ResponseHelpersItem => "[id] response helpers + errorhandler in catch",
            Shape::NoMethodCheckItem => "[id] no method check",
            Shape::EarlyGuardAction => "[id]/action early 405 guard + req.body",
            Shape::WrappedExtraArgsAction => "[id]/action withAuth(async (req, res, session) => …)",
            Shape::QueryParamAction => "[id]/action query params + Cache-Control",
            Shape::NextApiHandlerConstAction => "[id]/action const handler: NextApiHandler",
            Shape::CatchAll => "[...slug] catch-all",
            Shape::StripeWebhook => "webhook: bodyParser false + buffer(req) + Stripe",
            Shape::HmacWebhook => "webhook: raw body + createHmac signature header",
            Shape::CronBearer => "cron: Authorization bearer CRON_SECRET, maxDuration",
            Shape::CorsPackage => "cors package through runMiddleware",
            Shape::CorsManualHeaders => "CORS headers set by hand + OPTIONS branch",
            Shape::UploadFormidable => "upload: formidable with bodyParser false",
            Shape::RedirectLegacy => "res.redirect(301/307)",
            Shape::CookiesPreferences => "req.cookies + Set-Cookie",
            Shape::StreamSse => "streaming: res.write SSE (manual)",
            Shape::ClientIpSocket => "req.socket.remoteAddress (manual)",
            Shape::ConfigMaxDuration => "export const config sizeLimit/maxDuration",
            Shape::WholeQuerySchema => "schema.parse(req.query)",
            Shape::JavaScriptNoMethodCheck => ".js handler, no types, no method check",
            Shape::HealthArrow => "export default (req, res) => res.json(…)",
        }
    }

    fn kind(self) -> Kind {
        use Shape::*;
        match self {
            IfChainCollection
            | SwitchCollection
            | ResponseHelpersCollection
            | WrappedCollection
            | SessionCollection
            | ArrowSchemaCollection
            | WholeQuerySchema
            | JavaScriptNoMethodCheck => Kind::Collection,
            IfChainItem | SwitchItem | WrappedItem | SessionItem | ResponseHelpersItem
            | NoMethodCheckItem => Kind::Item,
            EarlyGuardAction
            | WrappedExtraArgsAction
            | QueryParamAction
            | NextApiHandlerConstAction => Kind::Action,
            CatchAll => Kind::CatchAll,
            StripeWebhook | HmacWebhook | CronBearer | CorsPackage | CorsManualHeaders
            | UploadFormidable | RedirectLegacy | CookiesPreferences | StreamSse
            | ClientIpSocket | ConfigMaxDuration | HealthArrow => Kind::Standalone,
        }
    }
}

const COLLECTION_SHAPES: [(Shape, usize); 8] = [
    (Shape::IfChainCollection, 30),
    (Shape::SwitchCollection, 8),
    (Shape::ResponseHelpersCollection, 12),
    (Shape::WrappedCollection, 18),
    (Shape::SessionCollection, 14),
    (Shape::ArrowSchemaCollection, 5),
    (Shape::WholeQuerySchema, 8),
    (Shape::JavaScriptNoMethodCheck, 5),
];
const ITEM_SHAPES: [(Shape, usize); 6] = [
    (Shape::IfChainItem, 34),
    (Shape::SwitchItem, 8),
    (Shape::WrappedItem, 20),
    (Shape::SessionItem, 16),
    (Shape::ResponseHelpersItem, 12),
    (Shape::NoMethodCheckItem, 10),
];
const ACTION_SHAPES: [(Shape, usize); 4] = [
    (Shape::EarlyGuardAction, 40),
    (Shape::WrappedExtraArgsAction, 25),
    (Shape::QueryParamAction, 25),
    (Shape::NextApiHandlerConstAction, 10),
];
const STANDALONE_SHAPES: [(Shape, usize); 12] = [
    (Shape::StripeWebhook, 10),
    (Shape::HmacWebhook, 8),
    (Shape::CronBearer, 20),
    (Shape::CorsPackage, 6),
    (Shape::CorsManualHeaders, 8),
    (Shape::UploadFormidable, 5),
    (Shape::RedirectLegacy, 8),
    (Shape::CookiesPreferences, 8),
    (Shape::StreamSse, 5),
    (Shape::ClientIpSocket, 5),
    (Shape::ConfigMaxDuration, 7),
    (Shape::HealthArrow, 10),
];

/// The kinds of non-handler files, with their share per hundred.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum OtherKind {
    ClientComponent,
    FormComponent,
    SwrHook,
    PageWithServerSideProps,
    AppServerComponent,
    AppClientComponent,
    ApiClientModule,
    LibModule,
    Test,
}

impl OtherKind {
    pub fn name(self) -> &'static str {
        match self {
            OtherKind::ClientComponent => "components/: fetch + useSWR + axios callers",
            OtherKind::FormComponent => "components/: <form action=\"/api/…\" method=\"post\">",
            OtherKind::SwrHook => "hooks/: useSWR / useSWRMutation hooks",
            OtherKind::PageWithServerSideProps => "pages/: getServerSideProps fetching the API",
            OtherKind::AppServerComponent => "app/: async server components",
            OtherKind::AppClientComponent => "app/: 'use client' components posting to the API",
            OtherKind::ApiClientModule => "services/: axios / ky API clients",
            OtherKind::LibModule => "lib/: plain modules (validation, formatting, data access)",
            OtherKind::Test => "__tests__/: handler tests",
        }
    }
}

const OTHER_KINDS: [(OtherKind, usize); 9] = [
    (OtherKind::ClientComponent, 24),
    (OtherKind::FormComponent, 5),
    (OtherKind::SwrHook, 9),
    (OtherKind::PageWithServerSideProps, 12),
    (OtherKind::AppServerComponent, 9),
    (OtherKind::AppClientComponent, 7),
    (OtherKind::ApiClientModule, 5),
    (OtherKind::LibModule, 19),
    (OtherKind::Test, 10),
];

/// What was written, by shape.
#[derive(Default)]
pub struct Summary {
    pub handlers: BTreeMap<Shape, usize>,
    pub others: BTreeMap<OtherKind, usize>,
    /// Project set-up files (package.json, lib/auth.ts, …).
    pub support: usize,
    pub bytes: usize,
    pub lines: usize,
}

/// A generated route, for the files that call it.
struct Route {
    /// URL segments after `/api`; a dynamic one is `None`.
    segments: Vec<Segment>,
    methods: &'static [&'static str],
    /// Called by the app's own UI (not a webhook or cron job).
    internal: bool,
}

enum Segment {
    Static(String),
    Param,
}

impl Route {
    /// The URL as client code writes it: `/api/orders/${id}/archive`.
    fn client_url(&self, value: &str) -> (String, bool) {
        let mut url = String::from("/api");
        let mut dynamic = false;
        for segment in &self.segments {
            url.push('/');
            match segment {
                Segment::Static(s) => url.push_str(s),
                Segment::Param => {
                    dynamic = true;
                    url.push_str("${");
                    url.push_str(value);
                    url.push('}');
                }
            }
        }
        (url, dynamic)
    }
}

/// How a file writes strings and indents: the generated project mixes styles like real ones do.
#[derive(Clone, Copy)]
struct Style {
    double_quotes: bool,
    four_spaces: bool,
    semicolons: bool,
}

impl Style {
    fn random(rng: &mut Rng) -> Style {
        Style {
            double_quotes: rng.chance(35),
            four_spaces: rng.chance(15),
            semicolons: rng.chance(40),
        }
    }

    /// Templates are written with single quotes, two spaces and no semicolons.
    fn apply(self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + text.len() / 8);
        let lines: Vec<&str> = text.lines().collect();
        for (at, line) in lines.iter().enumerate() {
            // A line the next one continues (`.update(…)`, `? a : b`) takes no semicolon.
            let continued = lines.get(at + 1).is_some_and(|next| {
                let next = next.trim_start();
                [".", "?", ":", "+", "-", "*", "&&", "||"]
                    .iter()
                    .any(|p| next.starts_with(p))
            });
            let indent = line.len() - line.trim_start_matches(' ').len();
            if self.four_spaces {
                out.push_str(&" ".repeat(indent * 2));
            } else {
                out.push_str(&line[..indent]);
            }
            let body = &line[indent..];
            if self.double_quotes {
                out.push_str(&body.replace('\'', "\""));
            } else {
                out.push_str(body);
            }
            if self.semicolons && !continued && ends_statement(body) {
                out.push(';');
            }
            out.push('\n');
        }
        out
    }
}

/// Lines of the templates after which a semicolon is safe: imports, declarations, calls and
/// returns that end on their own line.
fn ends_statement(line: &str) -> bool {
    let starts = [
        "import ",
        "const ",
        "let ",
        "return ",
        "await ",
        "res.",
        "throw ",
        "export const ",
    ];
    let trimmed = line.trim_end();
    starts.iter().any(|s| line.starts_with(s))
        && !trimmed.ends_with('{')
        && !trimmed.ends_with('(')
        && !trimmed.ends_with('[')
        && !trimmed.ends_with(',')
        && !trimmed.ends_with('=')
        && !trimmed.ends_with("=>")
        && !trimmed.ends_with(';')
        && !trimmed.ends_with('`')
        && !trimmed.ends_with('?')
        && !trimmed.ends_with(':')
        && !trimmed.ends_with('|')
        && !trimmed.ends_with('&')
        && balanced(trimmed)
}

fn balanced(line: &str) -> bool {
    let mut depth = 0i32;
    let mut in_string: Option<char> = None;
    for c in line.chars() {
        match in_string {
            Some(q) if c == q => in_string = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' | '`' => in_string = Some(c),
                '(' | '{' | '[' => depth += 1,
                ')' | '}' | ']' => depth -= 1,
                _ => {}
            },
        }
    }
    depth == 0 && in_string.is_none()
}

/// Replaces `$KEY$` markers.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (key, value) in values {
        out = out.replace(&format!("${key}$"), value);
    }
    out
}

fn pascal(name: &str) -> String {
    name.split(['-', '_', '/'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn camel(name: &str) -> String {
    let p = pascal(name);
    let mut chars = p.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn plural(noun: &str) -> String {
    if noun.ends_with('y') && !noun.ends_with("ay") && !noun.ends_with("ey") {
        format!("{}ies", &noun[..noun.len() - 1])
    } else if noun.ends_with('s') || noun.ends_with('x') || noun.ends_with("ch") {
        format!("{noun}es")
    } else {
        format!("{noun}s")
    }
}

/// How a file at `path` imports the project module `target` (`lib/db`): through the `@/` alias
/// or relatively.
fn import_path(path: &str, target: &str, alias: bool) -> String {
    if alias {
        return format!("@/{target}");
    }
    let depth = path.matches('/').count();
    if depth == 0 {
        format!("./{target}")
    } else {
        format!("{}{target}", "../".repeat(depth))
    }
}

/// Writes the project into `root` (emptied first).
pub fn generate(
    root: &Path,
    seed: u64,
    handler_count: usize,
    other_count: usize,
) -> io::Result<Summary> {
    if root.exists() {
        fs::remove_dir_all(root)?;
    }
    fs::create_dir_all(root)?;
    let mut writer = Writer {
        root,
        summary: Summary::default(),
        written: HashSet::new(),
    };
    let mut rng = Rng::new(seed);
    writer.support_files()?;
    let routes = writer.handlers(&mut rng, handler_count)?;
    writer.others(&mut rng, &routes, other_count)?;
    Ok(writer.summary)
}

struct Writer<'a> {
    root: &'a Path,
    summary: Summary,
    written: HashSet<String>,
}

impl Writer<'_> {
    fn write(&mut self, path: &str, text: &str) -> io::Result<()> {
        assert!(
            self.written.insert(path.to_string()),
            "the generator wrote {path} twice"
        );
        let full = self.root.join(path);
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent)?;
        }
        self.summary.bytes += text.len();
        self.summary.lines += text.lines().count();
        fs::write(full, text)
    }

    fn support_files(&mut self) -> io::Result<()> {
        for (path, text) in SUPPORT_FILES {
            self.write(path, text)?;
            self.summary.support += 1;
        }
        Ok(())
    }

    /// Resources (a collection, an item, actions on the item) until `count` handlers are
    /// written, with webhooks, cron jobs and one-off endpoints among them.
    fn handlers(&mut self, rng: &mut Rng, count: usize) -> io::Result<Vec<Route>> {
        let mut routes = Vec::new();
        let mut used_dirs: HashSet<String> = HashSet::new();
        let mut standalone = 0usize;
        while routes.len() < count {
            // About one handler in nine is a standalone endpoint.
            if rng.chance(11) {
                let shape = STANDALONE_SHAPES[rng.weighted(&weights(&STANDALONE_SHAPES))].0;
                standalone += 1;
                routes.push(self.standalone(rng, shape, standalone)?);
                continue;
            }
            // A resource folder: /api/<area>[/<sub>]/<noun>[-n]
            let area = *rng.pick(&AREAS);
            let noun = *rng.pick(&NOUNS);
            let mut dir = vec![area.to_string()];
            if rng.chance(25) {
                dir.push(
                    rng.pick(&["admin", "v1", "v2", "internal", "public"])
                        .to_string(),
                );
            }
            let mut name = plural(noun);
            let mut n = 2;
            while used_dirs.contains(&format!("{}/{name}", dir.join("/"))) {
                name = format!("{}-{n}", plural(noun));
                n += 1;
            }
            dir.push(name);
            used_dirs.insert(dir.join("/"));
            let resource = Resource {
                dir,
                noun: noun.to_string(),
            };
            let collection = COLLECTION_SHAPES[rng.weighted(&weights(&COLLECTION_SHAPES))].0;
            routes.push(self.handler(rng, &resource, collection, None)?);
            if routes.len() >= count {
                break;
            }
            if rng.chance(5) {
                routes.push(self.handler(rng, &resource, Shape::CatchAll, None)?);
                continue;
            }
            if rng.chance(85) {
                let item = ITEM_SHAPES[rng.weighted(&weights(&ITEM_SHAPES))].0;
                routes.push(self.handler(rng, &resource, item, None)?);
                let actions = rng.weighted(&[45, 35, 15, 5]);
                let mut taken = HashSet::new();
                for _ in 0..actions {
                    if routes.len() >= count {
                        break;
                    }
                    let action = *rng.pick(&ACTIONS);
                    if !taken.insert(action) {
                        continue;
                    }
                    let shape = ACTION_SHAPES[rng.weighted(&weights(&ACTION_SHAPES))].0;
                    routes.push(self.handler(rng, &resource, shape, Some(action))?);
                }
            }
        }
        routes.truncate(count);
        Ok(routes)
    }

    fn standalone(&mut self, rng: &mut Rng, shape: Shape, n: usize) -> io::Result<Route> {
        let (dir, name): (Vec<String>, String) = match shape {
            Shape::StripeWebhook => (vec!["webhooks".into()], format!("stripe-{n}")),
            Shape::HmacWebhook => (
                vec!["webhooks".into()],
                format!("{}-{n}", rng.pick(&PROVIDERS)),
            ),
            Shape::CronBearer => (vec!["cron".into()], format!("{}-{n}", rng.pick(&JOBS))),
            Shape::RedirectLegacy => (
                vec!["legacy".into(), rng.pick(&AREAS).to_string()],
                format!("{}-{n}", plural(rng.pick::<&str>(&NOUNS))),
            ),
            Shape::HealthArrow => (
                vec!["status".into()],
                format!("{}-{n}", rng.pick(&["health", "ping", "version", "ready"])),
            ),
            _ => (
                vec![rng.pick(&AREAS).to_string()],
                format!("{}-{n}", rng.pick(&NOUNS)),
            ),
        };
        let resource = Resource {
            dir,
            noun: name.clone(),
        };
        self.handler_at(rng, &resource, shape, &name)
    }

    fn handler(
        &mut self,
        rng: &mut Rng,
        resource: &Resource,
        shape: Shape,
        action: Option<&str>,
    ) -> io::Result<Route> {
        let file = match shape.kind() {
            Kind::Collection => {
                if rng.chance(60) {
                    "index".to_string()
                } else {
                    String::new()
                }
            }
            Kind::Item => {
                if rng.chance(80) {
                    "[id]".to_string()
                } else {
                    "[id]/index".to_string()
                }
            }
            Kind::Action => format!("[id]/{}", action.unwrap_or("action")),
            Kind::CatchAll => "[...slug]".to_string(),
            Kind::Standalone => unreachable!("standalone handlers are placed by `standalone`"),
        };
        self.handler_at(rng, resource, shape, &file)
    }

    /// Writes one handler at `pages/api/<resource dir>/<file>` (an empty `file` writes
    /// `<resource dir>.ts`).
    fn handler_at(
        &mut self,
        rng: &mut Rng,
        resource: &Resource,
        shape: Shape,
        file: &str,
    ) -> io::Result<Route> {
        let dir = resource.dir.join("/");
        let extension = if shape == Shape::JavaScriptNoMethodCheck {
            "js"
        } else {
            "ts"
        };
        let path = if file.is_empty() {
            format!("pages/api/{dir}.{extension}")
        } else {
            format!("pages/api/{dir}/{file}.{extension}")
        };
        let mut segments: Vec<Segment> = resource
            .dir
            .iter()
            .map(|s| Segment::Static(s.clone()))
            .collect();
        for part in file.split('/') {
            match part {
                "" | "index" => {}
                "[id]" => segments.push(Segment::Param),
                "[...slug]" => segments.push(Segment::Param),
                other => segments.push(Segment::Static(other.to_string())),
            }
        }
        let alias = rng.chance(70);
        let mut model = camel(&resource.noun.replace(|c: char| c.is_ascii_digit(), ""));
        // `export` (and `exports`) cannot name a variable in a module.
        if model == "export" {
            model = "exportJob".to_string();
        }
        let names = Names {
            model: model.clone(),
            models: plural(&model),
            type_name: pascal(&model),
            db: import_path(&path, "lib/db", alias),
            auth: import_path(&path, "lib/auth", alias),
            auth_options: import_path(&path, "lib/auth-options", alias),
            responses: import_path(&path, "lib/api/responses", alias),
            action: file.rsplit('/').next().unwrap_or("action").to_string(),
        };
        let (body, methods) = handler_text(rng, shape, &names);
        let padding = padding(rng, &names, rng_range_for(shape), extension == "ts");
        let text = insert_padding(&body, &padding);
        let style = Style::random(rng);
        self.write(&path, &style.apply(&text))?;
        *self.summary.handlers.entry(shape).or_default() += 1;
        let internal = !matches!(
            shape,
            Shape::StripeWebhook
                | Shape::HmacWebhook
                | Shape::CronBearer
                | Shape::RedirectLegacy
                | Shape::HealthArrow
        );
        Ok(Route {
            segments,
            methods,
            internal,
        })
    }

    fn others(&mut self, rng: &mut Rng, routes: &[Route], count: usize) -> io::Result<()> {
        let internal: Vec<&Route> = routes.iter().filter(|r| r.internal).collect();
        let mut used: HashSet<String> = HashSet::new();
        for i in 0..count {
            let kind = OTHER_KINDS[rng.weighted(&weights(&OTHER_KINDS))].0;
            let area = *rng.pick(&AREAS);
            let noun = *rng.pick(&NOUNS);
            let base = pascal(noun);
            let suffix = rng.pick(&[
                "List", "Card", "Panel", "Editor", "Table", "Form", "Summary", "Details", "Picker",
                "Dialog",
            ]);
            let mut name = format!("{base}{suffix}");
            if !used.insert(format!("{area}/{name}/{kind:?}")) {
                name = format!("{name}{i}");
                used.insert(format!("{area}/{name}/{kind:?}"));
            }
            let alias = rng.chance(75);
            let call_count = match kind {
                OtherKind::ApiClientModule => rng.range(2, 6),
                _ => rng.range(1, 3),
            };
            let calls: Vec<&Route> = (0..call_count)
                .filter(|_| !internal.is_empty())
                .map(|_| internal[rng.below(internal.len())])
                .collect();
            let (path, text) = match kind {
                OtherKind::ClientComponent => {
                    let path = format!("components/{area}/{name}.tsx");
                    let text = client_component(rng, &path, &name, &calls, alias);
                    (path, text)
                }
                OtherKind::FormComponent => {
                    let path = format!("components/{area}/forms/{name}.tsx");
                    let text = form_component(rng, &name, &calls);
                    (path, text)
                }
                OtherKind::SwrHook => {
                    let path = format!("hooks/{area}/use{name}.ts");
                    let text = swr_hook(rng, &path, &name, &calls, alias);
                    (path, text)
                }
                OtherKind::PageWithServerSideProps => {
                    let slug = format!("{}-{}", noun, suffix.to_ascii_lowercase());
                    let path = if rng.chance(30) {
                        format!("pages/{area}/{slug}-{i}/[id].tsx")
                    } else {
                        format!("pages/{area}/{slug}-{i}.tsx")
                    };
                    let text = gssp_page(rng, &path, &name, &calls, alias);
                    (path, text)
                }
                OtherKind::AppServerComponent => {
                    let slug = format!("{}-{}-{i}", noun, suffix.to_ascii_lowercase());
                    let path = format!("app/(dashboard)/{area}/{slug}/page.tsx");
                    let text = app_server_page(rng, &path, &name, &calls, alias);
                    (path, text)
                }
                OtherKind::AppClientComponent => {
                    let slug = format!("{}-{}-{i}", noun, suffix.to_ascii_lowercase());
                    let path = format!("app/(dashboard)/{area}/{slug}/{name}Client.tsx");
                    let text = app_client_component(rng, &name, &calls);
                    (path, text)
                }
                OtherKind::ApiClientModule => {
                    let path = format!("services/{area}/{}Api{i}.ts", camel(noun));
                    let text = api_client(rng, &calls);
                    (path, text)
                }
                OtherKind::LibModule => {
                    let path =
                        format!("lib/{area}/{}-{}-{i}.ts", noun, suffix.to_ascii_lowercase());
                    let text = lib_module(rng, noun);
                    (path, text)
                }
                OtherKind::Test => {
                    let path = format!("__tests__/{area}/{name}-{i}.test.ts");
                    let text = test_file(rng, &path, noun, &calls);
                    (path, text)
                }
            };
            let style = Style::random(rng);
            let text = if kind == OtherKind::FormComponent
                || kind == OtherKind::ClientComponent
                || kind == OtherKind::AppClientComponent
                || kind == OtherKind::AppServerComponent
                || kind == OtherKind::PageWithServerSideProps
            {
                // JSX attribute quotes stay as written; only indentation and semicolons vary.
                Style {
                    double_quotes: false,
                    ..style
                }
                .apply(&text)
            } else {
                style.apply(&text)
            };
            let path = if self.written.contains(&path) {
                let (stem, ext) = path.rsplit_once('.').unwrap_or((&path, "ts"));
                format!("{stem}-{i}.{ext}")
            } else {
                path
            };
            self.write(&path, &text)?;
            *self.summary.others.entry(kind).or_default() += 1;
        }
        Ok(())
    }
}

struct Resource {
    dir: Vec<String>,
    noun: String,
}

/// The names a handler template is filled with.
struct Names {
    model: String,
    models: String,
    type_name: String,
    db: String,
    auth: String,
    auth_options: String,
    responses: String,
    action: String,
}

fn weights<T>(table: &[(T, usize)]) -> Vec<usize> {
    table.iter().map(|(_, w)| *w).collect()
}

/// How many padding blocks (types, schemas, mappers) a handler of this shape gets, so that
/// handlers land between about 30 and 150 lines.
fn rng_range_for(shape: Shape) -> (usize, usize) {
    match shape {
        Shape::HealthArrow | Shape::RedirectLegacy | Shape::ClientIpSocket => (0, 2),
        Shape::StripeWebhook | Shape::UploadFormidable | Shape::CorsPackage => (0, 3),
        _ => (2, 9),
    }
}

/// Goes after the imports: the first blank line.
fn insert_padding(body: &str, padding: &str) -> String {
    if padding.is_empty() {
        return body.to_string();
    }
    match body.find("\n\n") {
        Some(at) => format!("{}\n\n{}{}", &body[..at], padding, &body[at + 1..]),
        None => format!("{padding}\n{body}"),
    }
}

/// Types, constants and pure functions of the kind handler files carry beside the handler.
fn padding(rng: &mut Rng, names: &Names, (low, high): (usize, usize), typescript: bool) -> String {
    let blocks = rng.range(low, high);
    let mut out = String::new();
    let mut used = HashSet::new();
    for _ in 0..blocks {
        let which = rng.below(9);
        // Interfaces and `as const` types have no JavaScript form.
        if !used.insert(which) || (!typescript && (which == 0 || which == 4)) {
            continue;
        }
        let fields = rng.range(3, 9);
        let field_names: Vec<&str> = (0..fields)
            .map(|_| {
                *rng.pick(&[
                    "title",
                    "description",
                    "status",
                    "ownerId",
                    "priority",
                    "dueAt",
                    "amount",
                    "currency",
                    "tags",
                    "color",
                    "position",
                    "visibility",
                    "locale",
                    "notes",
                ])
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let block = match which {
            0 => {
                let mut s = format!("interface {}Dto {{\n  id: string\n", names.type_name);
                for f in &field_names {
                    s.push_str(&format!("  {f}?: string\n"));
                }
                s.push_str("  createdAt: string\n}\n");
                s
            }
            1 => {
                let mut s = format!(
                    "function to{}Dto(row: any) {{\n  return {{\n    id: String(row.id),\n",
                    names.type_name
                );
                for f in &field_names {
                    s.push_str(&format!("    {f}: row.{f} ?? undefined,\n"));
                }
                s.push_str("    createdAt: new Date(row.createdAt).toISOString(),\n  }\n}\n");
                s
            }
            2 => format!(
                "const PAGE_SIZE = {}\nconst MAX_PAGE_SIZE = {}\n\nfunction pageOf(value: unknown) {{\n  const page = Number(value)\n  return Number.isFinite(page) && page > 0 ? Math.floor(page) : 1\n}}\n",
                rng.range(10, 50),
                rng.range(100, 500)
            ),
            3 => {
                let mut s = String::from("function validate(input: any) {\n  const errors: string[] = []\n");
                for f in field_names.iter().take(4) {
                    s.push_str(&format!(
                        "  if (input.{f} !== undefined && typeof input.{f} !== 'string') {{\n    errors.push('{f} must be a string')\n  }}\n"
                    ));
                }
                s.push_str("  return errors\n}\n");
                s
            }
            4 => format!(
                "const SORTABLE = ['createdAt', 'updatedAt', {}] as const\ntype SortKey = (typeof SORTABLE)[number]\n\nfunction sortKey(value: unknown): SortKey {{\n  return SORTABLE.includes(value as SortKey) ? (value as SortKey) : 'createdAt'\n}}\n",
                field_names
                    .iter()
                    .take(3)
                    .map(|f| format!("'{f}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            5 => {
                let mut s = format!("const {}_ERRORS = {{\n", names.model.to_ascii_uppercase());
                for (i, f) in field_names.iter().enumerate() {
                    s.push_str(&format!("  {f}: {{ code: 'E{}{i:02}', message: 'Invalid {f}' }},\n", field_names.len()));
                }
                s.push_str("}\n");
                s
            }
            6 => "function canEdit(user: { id: string; role?: string } | null | undefined, ownerId: string) {\n  if (!user) {\n    return false\n  }\n  if (user.role === 'admin' || user.role === 'owner') {\n    return true\n  }\n  return user.id === ownerId\n}\n"
                .to_string(),
            7 => format!(
                "const recentRequests = new Map<string, number[]>()\n\n// A best-effort limit per instance; the real one is at the edge.\nfunction tooMany(key: string, limit = {}, windowMs = 60_000) {{\n  const now = Date.now()\n  const hits = (recentRequests.get(key) ?? []).filter((at) => now - at < windowMs)\n  hits.push(now)\n  recentRequests.set(key, hits)\n  return hits.length > limit\n}}\n",
                rng.range(10, 120)
            ),
            _ => format!(
                "// Keeps audit entries short: the payload is stored as-is elsewhere.\nfunction auditSummary(action: string, id: string) {{\n  return `{}:${{action}}:${{id}}`.slice(0, 120)\n}}\n",
                names.model
            ),
        };
        if typescript {
            out.push_str(&block);
        } else {
            out.push_str(
                &block
                    .replace("(row: any)", "(row)")
                    .replace("(input: any)", "(input)")
                    .replace("const errors: string[] = []", "const errors = []")
                    .replace("(value: unknown)", "(value)")
                    .replace("(action: string, id: string)", "(action, id)")
                    .replace("new Map<string, number[]>()", "new Map()")
                    .replace("(key: string, limit", "(key, limit")
                    .replace(
                        "(user: { id: string; role?: string } | null | undefined, ownerId: string)",
                        "(user, ownerId)",
                    ),
            );
        }
        out.push('\n');
    }
    out
}

/// The handler's text and the methods it answers.
fn handler_text(rng: &mut Rng, shape: Shape, names: &Names) -> (String, &'static [&'static str]) {
    let values = [
        ("MODEL", names.model.as_str()),
        ("MODELS", names.models.as_str()),
        ("TYPE", names.type_name.as_str()),
        ("DB", names.db.as_str()),
        ("AUTH", names.auth.as_str()),
        ("AUTH_OPTIONS", names.auth_options.as_str()),
        ("RESPONSES", names.responses.as_str()),
        ("ACTION", names.action.as_str()),
        (
            "ROLE",
            *rng.pick(&["admin", "owner", "editor", "billing", "support"]),
        ),
        ("LIMIT", *rng.pick(&["20", "25", "50", "100"])),
        ("SIZE", *rng.pick(&["1mb", "2mb", "4mb", "10mb"])),
        ("DURATION", *rng.pick(&["30", "60", "120", "300"])),
    ];
    let (template, methods): (&str, &'static [&'static str]) = match shape {
        Shape::IfChainCollection => (IF_CHAIN_COLLECTION, &["GET", "POST"]),
        Shape::SwitchCollection => (SWITCH_COLLECTION, &["GET", "POST"]),
        Shape::ResponseHelpersCollection => (RESPONSE_HELPERS_COLLECTION, &["GET", "POST"]),
        Shape::WrappedCollection => (WRAPPED_COLLECTION, &["GET", "POST"]),
        Shape::SessionCollection => (SESSION_COLLECTION, &["GET", "POST"]),
        Shape::ArrowSchemaCollection => (ARROW_SCHEMA_COLLECTION, &["POST"]),
        Shape::WholeQuerySchema => (WHOLE_QUERY_SCHEMA, &["GET"]),
        Shape::JavaScriptNoMethodCheck => (JAVASCRIPT_NO_METHOD_CHECK, &["GET"]),
        Shape::IfChainItem => (IF_CHAIN_ITEM, &["GET", "PUT", "DELETE"]),
        Shape::SwitchItem => (SWITCH_ITEM, &["GET", "PATCH", "DELETE"]),
        Shape::WrappedItem => (WRAPPED_ITEM, &["GET", "PUT", "DELETE"]),
        Shape::SessionItem => (SESSION_ITEM, &["GET", "PATCH", "DELETE"]),
        Shape::ResponseHelpersItem => (RESPONSE_HELPERS_ITEM, &["GET", "PUT"]),
        Shape::NoMethodCheckItem => (NO_METHOD_CHECK_ITEM, &["GET"]),
        Shape::EarlyGuardAction => (EARLY_GUARD_ACTION, &["POST"]),
        Shape::WrappedExtraArgsAction => (WRAPPED_EXTRA_ARGS_ACTION, &["POST"]),
        Shape::QueryParamAction => (QUERY_PARAM_ACTION, &["GET"]),
        Shape::NextApiHandlerConstAction => (NEXT_API_HANDLER_CONST_ACTION, &["GET"]),
        Shape::CatchAll => (CATCH_ALL, &["GET"]),
        Shape::StripeWebhook => (STRIPE_WEBHOOK, &["POST"]),
        Shape::HmacWebhook => (HMAC_WEBHOOK, &["POST"]),
        Shape::CronBearer => (CRON_BEARER, &["GET"]),
        Shape::CorsPackage => (CORS_PACKAGE, &["GET", "POST"]),
        Shape::CorsManualHeaders => (CORS_MANUAL_HEADERS, &["GET", "POST"]),
        Shape::UploadFormidable => (UPLOAD_FORMIDABLE, &["POST"]),
        Shape::RedirectLegacy => (REDIRECT_LEGACY, &["GET"]),
        Shape::CookiesPreferences => (COOKIES_PREFERENCES, &["GET", "PUT"]),
        Shape::StreamSse => (STREAM_SSE, &["GET"]),
        Shape::ClientIpSocket => (CLIENT_IP_SOCKET, &["POST"]),
        Shape::ConfigMaxDuration => (CONFIG_MAX_DURATION, &["POST"]),
        Shape::HealthArrow => (HEALTH_ARROW, &["GET"]),
    };
    (fill(template, &values), methods)
}

// ---------------------------------------------------------------------------------------------
// Handler templates: single quotes, two spaces, no semicolons (`Style` varies them).

const IF_CHAIN_COLLECTION: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method === 'GET') {
    const { page = '1', q } = req.query
    const take = $LIMIT$
    const skip = (Number(page) - 1) * take
    const where = q ? { name: { contains: String(q) } } : {}
    const [items, total] = await Promise.all([
      db.$MODEL$.findMany({ where, take, skip, orderBy: { createdAt: 'desc' } }),
      db.$MODEL$.count({ where }),
    ])
    return res.status(200).json({ items, total, page: Number(page) })
  } else if (req.method === 'POST') {
    const { name, ...rest } = req.body
    if (!name) {
      return res.status(400).json({ error: 'name is required' })
    }
    const created = await db.$MODEL$.create({ data: { name, ...rest } })
    return res.status(201).json(created)
  } else {
    res.setHeader('Allow', ['GET', 'POST'])
    return res.status(405).end(`Method ${req.method} Not Allowed`)
  }
}
"#;

const SWITCH_COLLECTION: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  switch (req.method) {
    case 'GET': {
      const $MODELS$ = await db.$MODEL$.findMany({ orderBy: { createdAt: 'desc' }, take: $LIMIT$ })
      res.status(200).json($MODELS$)
      break
    }
    case 'POST': {
      const created = await db.$MODEL$.create({ data: req.body })
      res.status(201).json(created)
      break
    }
    default:
      res.setHeader('Allow', ['GET', 'POST'])
      res.status(405).end(`Method ${req.method} Not Allowed`)
  }
}
"#;

const RESPONSE_HELPERS_COLLECTION: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { created, errorhandler, methodNotAllowed, ok } from '$RESPONSES$'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method === 'GET') {
    try {
      const $MODELS$ = await db.$MODEL$.findMany({ take: $LIMIT$ })
      return ok(res, $MODELS$)
    } catch (error) {
      errorhandler(error, res)
    }
  } else if (req.method === 'POST') {
    try {
      const record = await db.$MODEL$.create({ data: { name: req.body.name } })
      return created(res, record)
    } catch (error) {
      errorhandler(error, res)
      return
    }
  } else {
    methodNotAllowed(req, res, ['GET', 'POST'])
  }
}
"#;

const WRAPPED_COLLECTION: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { withAuth, type Session } from '$AUTH$'
import { db } from '$DB$'

async function handler(req: NextApiRequest, res: NextApiResponse, session: Session) {
  if (req.method === 'GET') {
    const $MODELS$ = await db.$MODEL$.findMany({ where: { ownerId: session.user.id } })
    return res.status(200).json($MODELS$)
  }
  if (req.method === 'POST') {
    const record = await db.$MODEL$.create({ data: { ...req.body, ownerId: session.user.id } })
    return res.status(201).json(record)
  }
  res.setHeader('Allow', ['GET', 'POST'])
  return res.status(405).json({ error: `Method ${req.method} not allowed` })
}

export default withAuth(handler)
"#;

const SESSION_COLLECTION: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { getServerSession } from 'next-auth/next'
import { authOptions } from '$AUTH_OPTIONS$'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const session = await getServerSession(req, res, authOptions)
  if (!session) {
    return res.status(401).json({ error: 'Unauthorized' })
  }

  if (req.method === 'GET') {
    const $MODELS$ = await db.$MODEL$.findMany({ where: { ownerEmail: session.user?.email } })
    return res.status(200).json($MODELS$)
  }

  if (req.method === 'POST') {
    const record = await db.$MODEL$.create({
      data: { name: req.body.name, ownerEmail: session.user?.email },
    })
    return res.status(201).json(record)
  }

  res.setHeader('Allow', ['GET', 'POST'])
  return res.status(405).end(`Method ${req.method} Not Allowed`)
}
"#;

const ARROW_SCHEMA_COLLECTION: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { z } from 'zod'
import { db } from '$DB$'

const create$TYPE$ = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
})

export default async (req: NextApiRequest, res: NextApiResponse) => {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST')
    return res.status(405).json({ error: 'Method not allowed' })
  }
  const parsed = create$TYPE$.safeParse(req.body)
  if (!parsed.success) {
    return res.status(422).json({ error: parsed.error.flatten() })
  }
  const record = await db.$MODEL$.create({ data: parsed.data })
  return res.status(201).json(record)
}
"#;

const WHOLE_QUERY_SCHEMA: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { z } from 'zod'
import { db } from '$DB$'

const querySchema = z.object({
  from: z.string().datetime().optional(),
  to: z.string().datetime().optional(),
  limit: z.coerce.number().int().max(100).default($LIMIT$),
})

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const { from, to, limit } = querySchema.parse(req.query)
  const $MODELS$ = await db.$MODEL$.findMany({
    where: { createdAt: { gte: from ? new Date(from) : undefined, lte: to ? new Date(to) : undefined } },
    take: limit,
  })
  res.setHeader('Cache-Control', 's-maxage=60, stale-while-revalidate')
  res.status(200).json($MODELS$)
}
"#;

const JAVASCRIPT_NO_METHOD_CHECK: &str = r#"import { db } from '$DB$'

export default async function handler(req, res) {
  const { q = '' } = req.query
  const $MODELS$ = await db.$MODEL$.findMany({
    where: { name: { contains: q } },
    take: $LIMIT$,
  })
  res.status(200).json({ $MODELS$, count: $MODELS$.length })
}
"#;

const IF_CHAIN_ITEM: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const id = req.query.id as string
  if (req.method === 'GET') {
    const $MODEL$ = await db.$MODEL$.findUnique({ where: { id } })
    if (!$MODEL$) return res.status(404).json({ error: 'Not found' })
    return res.status(200).json($MODEL$)
  }
  if (req.method === 'PUT') {
    const updated = await db.$MODEL$.update({ where: { id }, data: req.body })
    return res.status(200).json(updated)
  }
  if (req.method === 'DELETE') {
    await db.$MODEL$.delete({ where: { id } })
    return res.status(204).end()
  }
  res.setHeader('Allow', ['GET', 'PUT', 'DELETE'])
  return res.status(405).end(`Method ${req.method} Not Allowed`)
}
"#;

const SWITCH_ITEM: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const { id } = req.query
  switch (req.method) {
    case 'GET': {
      const $MODEL$ = await db.$MODEL$.findUnique({ where: { id: String(id) } })
      if (!$MODEL$) {
        return res.status(404).json({ message: '$TYPE$ not found' })
      }
      return res.status(200).json($MODEL$)
    }
    case 'PATCH': {
      const updated = await db.$MODEL$.update({ where: { id: String(id) }, data: req.body })
      return res.status(200).json(updated)
    }
    case 'DELETE':
      await db.$MODEL$.delete({ where: { id: String(id) } })
      return res.status(204).end()
    default:
      res.setHeader('Allow', ['GET', 'PATCH', 'DELETE'])
      return res.status(405).end(`Method ${req.method} Not Allowed`)
  }
}
"#;

const WRAPPED_ITEM: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { withAuth, type Session } from '$AUTH$'
import { db } from '$DB$'

async function handler(req: NextApiRequest, res: NextApiResponse, session: Session) {
  const id = req.query.id as string
  const $MODEL$ = await db.$MODEL$.findFirst({ where: { id, ownerId: session.user.id } })
  if (!$MODEL$) {
    return res.status(404).json({ error: 'Not found' })
  }
  if (req.method === 'GET') {
    return res.status(200).json($MODEL$)
  } else if (req.method === 'PUT') {
    const updated = await db.$MODEL$.update({ where: { id }, data: req.body })
    return res.status(200).json(updated)
  } else if (req.method === 'DELETE') {
    await db.$MODEL$.delete({ where: { id } })
    return res.status(204).end()
  } else {
    res.setHeader('Allow', ['GET', 'PUT', 'DELETE'])
    return res.status(405).end(`Method ${req.method} Not Allowed`)
  }
}

export default withAuth(handler, { role: '$ROLE$' })
"#;

const SESSION_ITEM: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { getServerSession } from 'next-auth'
import { authOptions } from '$AUTH_OPTIONS$'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const session = await getServerSession(req, res, authOptions)
  if (!session?.user) return res.status(401).json({ error: 'Unauthorized' })

  const { id } = req.query
  const $MODEL$ = await db.$MODEL$.findUnique({ where: { id: id as string } })
  if (!$MODEL$ || $MODEL$.ownerEmail !== session.user.email) {
    return res.status(404).json({ error: 'Not found' })
  }

  if (req.method === 'GET') {
    return res.status(200).json($MODEL$)
  } else if (req.method === 'PATCH') {
    const updated = await db.$MODEL$.update({ where: { id: $MODEL$.id }, data: req.body })
    return res.status(200).json(updated)
  } else if (req.method === 'DELETE') {
    await db.$MODEL$.delete({ where: { id: $MODEL$.id } })
    return res.status(200).json({ deleted: true })
  }
  res.setHeader('Allow', ['GET', 'PATCH', 'DELETE'])
  return res.status(405).end(`Method ${req.method} Not Allowed`)
}
"#;

const RESPONSE_HELPERS_ITEM: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { errorhandler, methodNotAllowed, ok } from '$RESPONSES$'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const id = req.query.id as string
  if (req.method === 'GET') {
    try {
      const record = await db.$MODEL$.findUniqueOrThrow({ where: { id } })
      return ok(res, record)
    } catch (error) {
      errorhandler(error, res)
    }
  } else if (req.method === 'PUT') {
    try {
      const record = await db.$MODEL$.update({ where: { id }, data: req.body })
      return ok(res, record)
    } catch (error) {
      errorhandler(error, res)
    }
  } else {
    methodNotAllowed(req, res, ['GET', 'PUT'])
  }
}
"#;

const NO_METHOD_CHECK_ITEM: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const { id } = req.query
  const $MODEL$ = await db.$MODEL$.findUnique({
    where: { id: String(id) },
    include: { owner: true },
  })
  if (!$MODEL$) {
    res.status(404).json({ error: 'Not found' })
    return
  }
  res.status(200).json($MODEL$)
}
"#;

const EARLY_GUARD_ACTION: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST')
    return res.status(405).json({ error: 'Method not allowed' })
  }

  const id = req.query.id as string
  const { reason, notify = false } = req.body
  const $MODEL$ = await db.$MODEL$.findUnique({ where: { id } })
  if (!$MODEL$) {
    return res.status(404).json({ error: 'Not found' })
  }

  const result = await db.$MODEL$.update({
    where: { id },
    data: { lastAction: '$ACTION$', reason, updatedAt: new Date() },
  })
  if (notify) {
    await db.notification.create({ data: { kind: '$ACTION$', subjectId: id } })
  }
  return res.status(200).json(result)
}
"#;

const WRAPPED_EXTRA_ARGS_ACTION: &str = r#"import { withAuth } from '$AUTH$'
import { db } from '$DB$'

export default withAuth(async (req, res, session) => {
  if (req.method === 'POST') {
    const id = req.query.id as string
    const entry = await db.$MODEL$.update({
      where: { id },
      data: { lastAction: '$ACTION$', actorId: session.user.id, payload: req.body },
    })
    return res.status(200).json(entry)
  } else {
    res.setHeader('Allow', ['POST'])
    return res.status(405).json({ error: `Method ${req.method} Not Allowed` })
  }
})
"#;

const QUERY_PARAM_ACTION: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method !== 'GET') {
    return res.status(405).end()
  }
  const { id, range = '30d', granularity } = req.query
  const days = parseInt(String(range), 10) || 30
  const since = new Date(Date.now() - days * 24 * 60 * 60 * 1000)
  const rows = await db.$MODEL$Event.findMany({
    where: { subjectId: String(id), createdAt: { gte: since } },
    orderBy: { createdAt: 'asc' },
  })
  res.setHeader('Cache-Control', 'private, max-age=30')
  return res.status(200).json({
    id,
    range,
    granularity: granularity ?? 'day',
    points: rows.map((row: any) => ({ at: row.createdAt, value: row.value })),
  })
}
"#;

const NEXT_API_HANDLER_CONST_ACTION: &str = r#"import type { NextApiHandler } from 'next'
import { db } from '$DB$'

const handler: NextApiHandler = async (req, res) => {
  const id = req.query.id as string
  const entries = await db.$MODEL$History.findMany({
    where: { subjectId: id },
    orderBy: { createdAt: 'desc' },
    take: $LIMIT$,
  })
  res.status(200).json(entries)
}

export default handler
"#;

const CATCH_ALL: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET')
    return res.status(405).end('Method Not Allowed')
  }
  const slug = req.query.slug as string[]
  const path = slug.join('/')
  const page = await db.$MODEL$.findFirst({ where: { path } })
  if (!page) {
    return res.status(404).json({ error: `No $MODEL$ at ${path}` })
  }
  return res.status(200).json(page)
}
"#;

const STRIPE_WEBHOOK: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { buffer } from 'micro'
import Stripe from 'stripe'
import { db } from '$DB$'

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY as string)

export const config = {
  api: {
    bodyParser: false,
  },
}

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST')
    return res.status(405).end('Method Not Allowed')
  }
  const payload = await buffer(req)
  const signature = req.headers['stripe-signature'] as string
  let event: Stripe.Event
  try {
    event = stripe.webhooks.constructEvent(payload, signature, process.env.STRIPE_WEBHOOK_SECRET as string)
  } catch (error) {
    return res.status(400).send(`Webhook Error: ${(error as Error).message}`)
  }
  if (event.type === 'checkout.session.completed') {
    await db.payment.create({ data: { stripeId: event.id, kind: event.type } })
  }
  return res.status(200).json({ received: true })
}
"#;

const HMAC_WEBHOOK: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { createHmac, timingSafeEqual } from 'crypto'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method !== 'POST') {
    return res.status(405).end()
  }
  const signature = req.headers['x-hub-signature-256']
  if (typeof signature !== 'string') {
    return res.status(401).json({ error: 'Missing signature' })
  }
  const digest = 'sha256=' + createHmac('sha256', process.env.WEBHOOK_SECRET ?? '')
    .update(JSON.stringify(req.body))
    .digest('hex')
  if (digest.length !== signature.length || !timingSafeEqual(Buffer.from(digest), Buffer.from(signature))) {
    return res.status(401).json({ error: 'Bad signature' })
  }
  await db.webhookEvent.create({ data: { source: '$MODEL$', payload: req.body } })
  return res.status(202).json({ ok: true })
}
"#;

const CRON_BEARER: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export const config = {
  maxDuration: $DURATION$,
}

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const authorization = req.headers.authorization
  if (authorization !== `Bearer ${process.env.CRON_SECRET}`) {
    return res.status(401).json({ error: 'Unauthorized' })
  }
  const cutoff = new Date(Date.now() - 7 * 24 * 60 * 60 * 1000)
  const { count } = await db.session.deleteMany({ where: { expiresAt: { lt: cutoff } } })
  res.status(200).json({ ok: true, removed: count })
}
"#;

const CORS_PACKAGE: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import Cors from 'cors'
import { db } from '$DB$'

const cors = Cors({
  methods: ['POST', 'GET', 'HEAD'],
})

function runMiddleware(req: NextApiRequest, res: NextApiResponse, fn: Function) {
  return new Promise((resolve, reject) => {
    fn(req, res, (result: any) => {
      if (result instanceof Error) {
        return reject(result)
      }
      return resolve(result)
    })
  })
}

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  await runMiddleware(req, res, cors)
  const $MODELS$ = await db.$MODEL$.findMany({ where: { public: true }, take: $LIMIT$ })
  res.json({ $MODELS$ })
}
"#;

const CORS_MANUAL_HEADERS: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  res.setHeader('Access-Control-Allow-Origin', '*')
  res.setHeader('Access-Control-Allow-Methods', 'GET,POST,OPTIONS')
  res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization')
  if (req.method === 'OPTIONS') {
    return res.status(200).end()
  }
  if (req.method === 'GET') {
    const $MODELS$ = await db.$MODEL$.findMany({ where: { public: true } })
    return res.status(200).json($MODELS$)
  }
  if (req.method === 'POST') {
    const apiKey = req.headers['x-api-key']
    if (apiKey !== process.env.PUBLIC_API_KEY) {
      return res.status(401).json({ error: 'Invalid API key' })
    }
    const record = await db.$MODEL$.create({ data: req.body })
    return res.status(201).json(record)
  }
  return res.status(405).json({ error: 'Method not allowed' })
}
"#;

const UPLOAD_FORMIDABLE: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import formidable from 'formidable'
import { promises as fs } from 'fs'
import { db } from '$DB$'

export const config = {
  api: {
    bodyParser: false,
  },
}

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method !== 'POST') {
    return res.status(405).end()
  }
  const form = formidable({ maxFileSize: 5 * 1024 * 1024, keepExtensions: true })
  const [fields, files] = await form.parse(req)
  const file = files.file?.[0]
  if (!file) {
    return res.status(400).json({ error: 'No file' })
  }
  const data = await fs.readFile(file.filepath)
  const stored = await db.upload.create({
    data: { name: file.originalFilename, size: data.length, owner: fields.owner?.[0] ?? null },
  })
  res.status(201).json({ id: stored.id, name: file.originalFilename, size: file.size })
}
"#;

const REDIRECT_LEGACY: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'

// The old endpoint moved: keep links in sent emails working.
export default function handler(req: NextApiRequest, res: NextApiResponse) {
  const { ref } = req.query
  if (ref) {
    return res.redirect(307, `/$MODELS$?ref=${encodeURIComponent(String(ref))}`)
  }
  res.redirect(301, '/$MODELS$')
}
"#;

const COOKIES_PREFERENCES: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const token = req.cookies.session
  if (!token) {
    return res.status(401).json({ error: 'Not signed in' })
  }
  if (req.method === 'GET') {
    const theme = req.cookies['theme'] ?? 'system'
    const prefs = await db.preference.findUnique({ where: { token } })
    return res.status(200).json({ theme, ...prefs })
  }
  if (req.method === 'PUT') {
    const { theme } = req.body
    res.setHeader('Set-Cookie', `theme=${theme}; Path=/; Max-Age=31536000; SameSite=Lax`)
    await db.preference.upsert({ where: { token }, update: req.body, create: { token, ...req.body } })
    return res.status(200).json({ ok: true })
  }
  res.setHeader('Allow', ['GET', 'PUT'])
  res.status(405).end()
}
"#;

const STREAM_SSE: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { nextEvent } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  })
  let open = true
  req.on('close', () => {
    open = false
  })
  res.write(': connected\n\n')
  while (open) {
    const event = await nextEvent('$MODEL$')
    res.write('data: ' + JSON.stringify(event) + '\n\n')
  }
  res.end()
}
"#;

const CLIENT_IP_SOCKET: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method !== 'POST') return res.status(405).end()
  const forwarded = req.headers['x-forwarded-for']
  const ip = typeof forwarded === 'string' ? forwarded.split(',')[0] : req.socket.remoteAddress
  await db.$MODEL$Hit.create({ data: { ip, path: req.body.path } })
  res.status(204).end()
}
"#;

const CONFIG_MAX_DURATION: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { db } from '$DB$'

export const config = {
  api: {
    bodyParser: {
      sizeLimit: '$SIZE$',
    },
  },
  maxDuration: $DURATION$,
}

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method !== 'POST') {
    res.setHeader('Allow', ['POST'])
    return res.status(405).end(`Method ${req.method} Not Allowed`)
  }
  const { rows } = req.body
  if (!Array.isArray(rows)) {
    return res.status(400).json({ error: 'rows must be an array' })
  }
  const result = await db.$MODEL$.createMany({ data: rows, skipDuplicates: true })
  return res.status(200).json({ imported: result.count })
}
"#;

const HEALTH_ARROW: &str = r#"import type { NextApiRequest, NextApiResponse } from 'next'

export default (req: NextApiRequest, res: NextApiResponse) =>
  res.status(200).json({ status: 'ok', version: process.env.VERCEL_GIT_COMMIT_SHA ?? 'dev' })
"#;

// ---------------------------------------------------------------------------------------------
// The files around the handlers.

/// A client call to `route` with `method`, in one of the styles UI code uses.
fn fetch_call(rng: &mut Rng, route: &Route, method: &str, indent: &str) -> String {
    let (url, dynamic) = route.client_url("id");
    let quoted = if dynamic {
        format!("`{url}`")
    } else if rng.chance(70) {
        format!("'{url}'")
    } else {
        format!("`{url}`")
    };
    if method == "GET" {
        format!(
            "{indent}const response = await fetch({quoted})\n{indent}if (!response.ok) throw new Error('Request failed')\n{indent}return response.json()\n"
        )
    } else {
        format!(
            "{indent}const response = await fetch({quoted}, {{\n{indent}  method: '{method}',\n{indent}  headers: {{ 'Content-Type': 'application/json' }},\n{indent}  body: JSON.stringify(values),\n{indent}}})\n{indent}if (!response.ok) throw new Error('Request failed')\n{indent}return response.json()\n"
        )
    }
}

fn mutation_method(rng: &mut Rng, route: &Route) -> &'static str {
    let mutations: Vec<&'static str> = route
        .methods
        .iter()
        .copied()
        .filter(|m| *m != "GET")
        .collect();
    if mutations.is_empty() {
        "GET"
    } else {
        mutations[rng.below(mutations.len())]
    }
}

fn jsx_rows(rng: &mut Rng, name: &str) -> String {
    let mut out = String::new();
    for i in 0..rng.range(2, 14) {
        let field = rng.pick(&["name", "status", "owner", "updatedAt", "total", "title"]);
        out.push_str(&format!(
            "          <div className=\"row row-{i}\">\n            <span className=\"label\">{}</span>\n            <span className=\"value\">{{item.{field} ?? '-'}}</span>\n          </div>\n",
            pascal(field),
        ));
    }
    if rng.chance(50) {
        out.push_str(&format!(
            "          <footer className=\"{}-footer\">\n            <small>{{items.length}} shown</small>\n          </footer>\n",
            camel(name)
        ));
    }
    out
}

fn client_component(
    rng: &mut Rng,
    path: &str,
    name: &str,
    calls: &[&Route],
    alias: bool,
) -> String {
    let mut text = String::new();
    if rng.chance(40) {
        text.push_str("'use client'\n\n");
    }
    text.push_str("import { useState } from 'react'\nimport useSWR from 'swr'\n");
    let uses_axios = rng.chance(25);
    if uses_axios {
        text.push_str("import axios from 'axios'\n");
    }
    text.push_str(&format!(
        "import {{ fetcher }} from '{}'\n\n",
        import_path(path, "lib/fetcher", alias)
    ));
    text.push_str(&format!(
        "type {name}Props = {{\n  id: string\n  onSaved?: () => void\n}}\n\n"
    ));
    let (read_url, read_dynamic) = calls[0].client_url("id");
    let key = if read_dynamic {
        format!("id ? `{read_url}` : null")
    } else {
        format!("'{read_url}'")
    };
    text.push_str(&format!(
        "export function {name}({{ id, onSaved }}: {name}Props) {{\n  const {{ data, error, isLoading, mutate }} = useSWR({key}, fetcher)\n  const [saving, setSaving] = useState(false)\n  const items: any[] = Array.isArray(data) ? data : data?.items ?? []\n\n"
    ));
    for (i, route) in calls.iter().enumerate() {
        let method = mutation_method(rng, route);
        if uses_axios && i == 0 && method != "GET" {
            let (url, dynamic) = route.client_url("id");
            let url = if dynamic {
                format!("`{url}`")
            } else {
                format!("'{url}'")
            };
            text.push_str(&format!(
                "  async function submit{i}(values: Record<string, unknown>) {{\n    const {{ data }} = await axios.{}({url}, values)\n    return data\n  }}\n\n",
                method.to_ascii_lowercase()
            ));
        } else {
            text.push_str(&format!(
                "  async function submit{i}(values: Record<string, unknown>) {{\n"
            ));
            text.push_str(&fetch_call(rng, route, method, "    "));
            text.push_str("  }\n\n");
        }
    }
    text.push_str(
        "  async function handleSave(values: Record<string, unknown>) {\n    setSaving(true)\n    try {\n      await submit0(values)\n      await mutate()\n      onSaved?.()\n    } finally {\n      setSaving(false)\n    }\n  }\n\n",
    );
    text.push_str(&format!(
        "  if (error) return <p className=\"error\">Could not load</p>\n  if (isLoading) return <p>Loading…</p>\n\n  return (\n    <section className=\"{}\">\n      {{items.map((item) => (\n        <article key={{item.id}}>\n{}        </article>\n      ))}}\n      <button disabled={{saving}} onClick={{() => handleSave({{ id }})}}>\n        Save\n      </button>\n    </section>\n  )\n}}\n",
        camel(name),
        jsx_rows(rng, name)
    ));
    text
}

fn form_component(rng: &mut Rng, name: &str, calls: &[&Route]) -> String {
    let route = calls[0];
    let (url, dynamic) = route.client_url("props.id");
    let action = if dynamic {
        format!("{{`{url}`}}")
    } else {
        format!("\"{url}\"")
    };
    let mut fields = String::new();
    let all = [
        "name", "email", "message", "company", "phone", "website", "country", "city", "zip",
        "budget", "role", "team",
    ];
    for field in all.iter().take(rng.range(3, all.len())) {
        fields.push_str(&format!(
            "      <div className=\"field\">\n        <label htmlFor=\"{field}\">{}</label>\n        <input id=\"{field}\" name=\"{field}\" required={{{}}} />\n        <p className=\"hint\">Your {field}</p>\n      </div>\n",
            pascal(field),
            rng.chance(50)
        ));
    }
    let mut options = String::new();
    for option in ["low", "normal", "high", "urgent", "later", "unknown"]
        .iter()
        .take(rng.range(2, 6))
    {
        options.push_str(&format!(
            "          <option value=\"{option}\">{}</option>\n",
            pascal(option)
        ));
    }
    format!(
        "type {name}Props = {{ id: string; title?: string }}\n\nexport default function {name}(props: {name}Props) {{\n  return (\n    <form action={action} method=\"post\" className=\"form\">\n      <h2>{{props.title ?? '{name}'}}</h2>\n      <input type=\"hidden\" name=\"id\" value={{props.id}} />\n{fields}      <div className=\"field\">\n        <label htmlFor=\"priority\">Priority</label>\n        <select id=\"priority\" name=\"priority\">\n{options}        </select>\n      </div>\n      <button type=\"submit\">Send</button>\n    </form>\n  )\n}}\n"
    )
}

fn swr_hook(rng: &mut Rng, path: &str, name: &str, calls: &[&Route], alias: bool) -> String {
    let route = calls[0];
    let (url, dynamic) = route.client_url("id");
    let key = if dynamic {
        format!("id ? `{url}` : null")
    } else {
        format!("'{url}'")
    };
    let mut text = format!(
        "import useSWR from 'swr'\nimport useSWRMutation from 'swr/mutation'\nimport {{ fetcher }} from '{}'\n\n",
        import_path(path, "lib/fetcher", alias)
    );
    text.push_str(&format!(
        "export interface {name}Item {{\n  id: string\n  name: string\n  status?: string\n  updatedAt?: string\n}}\n\n// The API answers either a list or a page of items.\nfunction normalize(data: unknown): {name}Item[] {{\n  if (Array.isArray(data)) return data as {name}Item[]\n  if (data && typeof data === 'object' && 'items' in data) {{\n    return (data as {{ items: {name}Item[] }}).items\n  }}\n  return []\n}}\n\n"
    ));
    text.push_str(&format!(
        "export function use{name}(id?: string) {{\n  const {{ data, error, isLoading, mutate }} = useSWR({key}, fetcher, {{\n    revalidateOnFocus: {},\n  }})\n  return {{ items: normalize(data), error, isLoading, refresh: mutate }}\n}}\n\n",
        rng.chance(50)
    ));
    if let Some(second) = calls.get(1) {
        let method = mutation_method(rng, second);
        let (url, dynamic) = second.client_url("id");
        let url = if dynamic {
            format!("`{url}`")
        } else {
            format!("'{url}'")
        };
        text.push_str(&format!(
            "async function send(url: string, {{ arg }}: {{ arg: unknown }}) {{\n  const response = await fetch(url, {{\n    method: '{method}',\n    headers: {{ 'Content-Type': 'application/json' }},\n    body: JSON.stringify(arg),\n  }})\n  return response.json()\n}}\n\nexport function use{name}Mutation(id: string) {{\n  return useSWRMutation({url}, send)\n}}\n"
        ));
    }
    text
}

fn gssp_page(rng: &mut Rng, path: &str, name: &str, calls: &[&Route], alias: bool) -> String {
    let route = calls[0];
    let (url, _) = route.client_url("params.id");
    let mut text = format!(
        "import type {{ GetServerSideProps }} from 'next'\nimport Head from 'next/head'\nimport Layout from '{}'\n\n",
        import_path(path, "components/Layout", alias)
    );
    text.push_str(&format!(
        "type Props = {{ items: any[]; generatedAt: string }}\n\nexport default function {name}Page({{ items, generatedAt }}: Props) {{\n  return (\n    <Layout>\n      <Head>\n        <title>{name}</title>\n      </Head>\n      <ul>\n        {{items.map((item) => (\n          <li key={{item.id}}>{{item.name}}</li>\n        ))}}\n      </ul>\n      <p>Generated {{generatedAt}}</p>\n    </Layout>\n  )\n}}\n\n"
    ));
    let base = if rng.chance(60) {
        "${process.env.NEXT_PUBLIC_APP_URL}"
    } else {
        "${process.env.APP_URL}"
    };
    text.push_str(&format!(
        "export const getServerSideProps: GetServerSideProps<Props> = async ({{ params, req }}) => {{\n  const response = await fetch(`{base}{}`, {{\n    headers: {{ cookie: req.headers.cookie ?? '' }},\n  }})\n  if (!response.ok) {{\n    return {{ notFound: true }}\n  }}\n  const data = await response.json()\n  return {{ props: {{ items: Array.isArray(data) ? data : data.items ?? [], generatedAt: new Date().toISOString() }} }}\n}}\n",
        url.replace("params.id", "params?.id")
    ));
    text
}

fn app_server_page(rng: &mut Rng, path: &str, name: &str, calls: &[&Route], alias: bool) -> String {
    let route = calls[0];
    let (url, _) = route.client_url("id");
    let self_fetch = rng.chance(40);
    let mut text = String::new();
    if !self_fetch {
        text.push_str(&format!(
            "import {{ db }} from '{}'\n",
            import_path(path, "lib/db", alias)
        ));
    }
    text.push_str("import { notFound } from 'next/navigation'\n\n");
    text.push_str(&format!(
        "export default async function {name}Page({{ params }}: {{ params: Promise<{{ id?: string }}> }}) {{\n  const {{ id = '' }} = await params\n"
    ));
    if self_fetch {
        text.push_str(&format!(
            "  const response = await fetch(`${{process.env.APP_URL}}{url}`, {{ cache: 'no-store' }})\n  if (!response.ok) notFound()\n  const items: any[] = await response.json()\n"
        ));
    } else {
        text.push_str("  const items: any[] = await db.record.findMany({ where: { groupId: id } })\n  if (!items.length) notFound()\n");
    }
    text.push_str(&format!(
        "  return (\n    <main>\n      <h1>{name}</h1>\n      {{items.map((item) => (\n        <article key={{item.id}}>\n{}        </article>\n      ))}}\n    </main>\n  )\n}}\n",
        jsx_rows(rng, name)
    ));
    text
}

fn app_client_component(rng: &mut Rng, name: &str, calls: &[&Route]) -> String {
    let route = calls[0];
    let method = mutation_method(rng, route);
    let mut text = format!(
        "'use client'\n\nimport {{ useState, useTransition }} from 'react'\nimport {{ useRouter }} from 'next/navigation'\n\nexport default function {name}Client({{ id }}: {{ id: string }}) {{\n  const router = useRouter()\n  const [error, setError] = useState<string | null>(null)\n  const [pending, startTransition] = useTransition()\n\n  async function save(values: Record<string, unknown>) {{\n"
    );
    text.push_str(&fetch_call(rng, route, method, "    "));
    text.push_str(&format!(
        "  }}\n\n  function onSubmit(event: React.FormEvent<HTMLFormElement>) {{\n    event.preventDefault()\n    const values = Object.fromEntries(new FormData(event.currentTarget))\n    startTransition(async () => {{\n      try {{\n        await save(values)\n        router.refresh()\n      }} catch (e) {{\n        setError((e as Error).message)\n      }}\n    }})\n  }}\n\n  return (\n    <form onSubmit={{onSubmit}} className=\"{}\">\n      <input name=\"name\" />\n      {{error && <p role=\"alert\">{{error}}</p>}}\n      <button disabled={{pending}}>Save</button>\n    </form>\n  )\n}}\n",
        camel(name)
    ));
    text
}

fn api_client(rng: &mut Rng, calls: &[&Route]) -> String {
    if rng.chance(35) {
        return ky_client(rng, calls);
    }
    let mut text = String::from("import axios from 'axios'\n\nconst api = axios.create({ baseURL: '/api' })\n\nexport class ApiError extends Error {\n  constructor(public status: number, message: string) {\n    super(message)\n  }\n}\n\n");
    for (i, route) in calls.iter().enumerate() {
        let method = mutation_method(rng, route);
        let (url, dynamic) = route.client_url("id");
        let url = url.strip_prefix("/api").unwrap_or(&url).to_string();
        let url = if dynamic {
            format!("`{url}`")
        } else {
            format!("'{url}'")
        };
        if method == "GET" {
            text.push_str(&format!(
                "export async function load{i}(id: string) {{\n  const {{ data }} = await api.get({url})\n  return data\n}}\n\n"
            ));
        } else {
            text.push_str(&format!(
                "export async function send{i}(id: string, values: unknown) {{\n  const {{ data }} = await api.{}({url}, values)\n  return data\n}}\n\n",
                method.to_ascii_lowercase()
            ));
        }
    }
    text
}

fn ky_client(rng: &mut Rng, calls: &[&Route]) -> String {
    let mut text = String::from("import ky from 'ky'\n\nexport type Page<T> = { items: T[]; total: number; page: number }\n\n");
    for (i, route) in calls.iter().enumerate() {
        let method = mutation_method(rng, route);
        let (url, dynamic) = route.client_url("id");
        let url = if dynamic {
            format!("`{url}`")
        } else {
            format!("'{url}'")
        };
        if method == "GET" {
            text.push_str(&format!(
                "export function load{i}(id: string) {{\n  return ky.get({url}).json()\n}}\n\n"
            ));
        } else {
            text.push_str(&format!(
                "export function send{i}(id: string, values: unknown) {{\n  return ky.{}({url}, {{ json: values }}).json()\n}}\n\n",
                method.to_ascii_lowercase()
            ));
        }
    }
    text
}

fn lib_module(rng: &mut Rng, noun: &str) -> String {
    let type_name = pascal(noun);
    let mut text = format!(
        "import {{ z }} from 'zod'\n\nexport const {}Schema = z.object({{\n  id: z.string(),\n  name: z.string().min(1),\n  status: z.enum(['draft', 'active', 'archived']),\n  createdAt: z.coerce.date(),\n}})\n\nexport type {type_name} = z.infer<typeof {}Schema>\n\n",
        camel(noun),
        camel(noun)
    );
    for i in 0..rng.range(2, 9) {
        match rng.below(4) {
            0 => text.push_str(&format!(
                "export function format{type_name}{i}(value: {type_name}, locale = 'en-US') {{\n  const date = new Intl.DateTimeFormat(locale, {{ dateStyle: 'medium' }}).format(value.createdAt)\n  return `${{value.name}} (${{value.status}}) · ${{date}}`\n}}\n\n"
            )),
            1 => text.push_str(&format!(
                "export function sort{type_name}s{i}(values: {type_name}[], key: keyof {type_name} = 'name') {{\n  return [...values].sort((a, b) => String(a[key]).localeCompare(String(b[key])))\n}}\n\n"
            )),
            2 => text.push_str(&format!(
                "export const {}Labels{i}: Record<{type_name}['status'], string> = {{\n  draft: 'Draft',\n  active: 'Active',\n  archived: 'Archived',\n}}\n\n",
                camel(noun)
            )),
            _ => text.push_str(&format!(
                "export function group{type_name}s{i}(values: {type_name}[]) {{\n  const groups = new Map<string, {type_name}[]>()\n  for (const value of values) {{\n    const list = groups.get(value.status) ?? []\n    list.push(value)\n    groups.set(value.status, list)\n  }}\n  return groups\n}}\n\n"
            )),
        }
    }
    text
}

fn test_file(rng: &mut Rng, path: &str, noun: &str, calls: &[&Route]) -> String {
    let route = calls[0];
    let (url, _) = route.client_url("id");
    let mut text = format!(
        "import {{ describe, expect, it, vi }} from 'vitest'\n\nvi.mock('{}', () => ({{ db: {{}} }}))\n\n",
        import_path(path, "lib/db", rng.chance(50))
    );
    text.push_str(&format!(
        "describe('{noun} api', () => {{\n  it('answers {url}', async () => {{\n    const id = 'abc'\n    const response = await fetch(`http://localhost:3000{url}`)\n    expect(response.status).toBe(200)\n  }})\n"
    ));
    for method in route
        .methods
        .iter()
        .chain(["PATCH", "OPTIONS"].iter())
        .take(rng.range(2, 5))
    {
        text.push_str(&format!(
            "\n  it('{method} {url}', async () => {{\n    const id = 'abc'\n    const response = await fetch(`http://localhost:3000{url}`, {{\n      method: '{method}',\n      headers: {{ 'Content-Type': 'application/json' }},\n      body: {},\n    }})\n    expect([200, 201, 204, 400, 401, 404, 405]).toContain(response.status)\n  }})\n",
            if *method == "GET" || *method == "OPTIONS" { "undefined" } else { "JSON.stringify({ name: 'x' })" }
        ));
    }
    text.push_str("})\n");
    text
}

// ---------------------------------------------------------------------------------------------
// The project around the generated files.

const SUPPORT_FILES: [(&str, &str); 10] = [
    (
        "package.json",
        r#"{
  "name": "large-generated-app",
  "private": true,
  "scripts": { "dev": "next dev", "build": "next build" },
  "dependencies": {
    "axios": "^1.7.0",
    "cors": "^2.8.5",
    "formidable": "^3.5.1",
    "micro": "^10.0.1",
    "next": "15.5.0",
    "next-auth": "^4.24.11",
    "react": "19.1.0",
    "react-dom": "19.1.0",
    "stripe": "^16.0.0",
    "swr": "^2.2.5",
    "zod": "^3.23.8"
  }
}
"#,
    ),
    (
        "tsconfig.json",
        r#"{
  "compilerOptions": {
    "target": "ES2017",
    "lib": ["dom", "dom.iterable", "esnext"],
    "strict": true,
    "module": "esnext",
    "moduleResolution": "bundler",
    "jsx": "preserve",
    "baseUrl": ".",
    "paths": { "@/*": ["./*"] }
  },
  "include": ["next-env.d.ts", "**/*.ts", "**/*.tsx"],
  "exclude": ["node_modules"]
}
"#,
    ),
    (
        "next.config.js",
        "/** @type {import('next').NextConfig} */\nmodule.exports = { reactStrictMode: true }\n",
    ),
    (
        "lib/db.ts",
        "export const db: any = {}\n\nexport async function nextEvent(topic: string) {\n  return { topic, at: Date.now() }\n}\n",
    ),
    (
        "lib/auth-options.ts",
        "import type { NextAuthOptions } from 'next-auth'\n\nexport const authOptions: NextAuthOptions = {\n  providers: [],\n  session: { strategy: 'jwt' },\n}\n",
    ),
    (
        "lib/auth.ts",
        r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { getServerSession } from 'next-auth/next'
import { authOptions } from './auth-options'

export interface Session {
  user: { id: string; email: string; role: string }
}

export async function getSession(req: NextApiRequest, res: NextApiResponse) {
  return (await getServerSession(req, res, authOptions)) as Session | null
}

type AuthedHandler = (req: NextApiRequest, res: NextApiResponse, session: Session) => unknown

// Checks the session (and the role, when one is asked for) before the handler runs.
export function withAuth(handler: AuthedHandler, { role }: { role?: string } = {}) {
  return async (req: NextApiRequest, res: NextApiResponse) => {
    const session = await getSession(req, res)
    if (!session) return res.status(401).json({ error: 'Unauthorized' })
    if (role && session.user.role !== role) {
      return res.status(403).json({ error: 'Forbidden' })
    }
    return handler(req, res, session)
  }
}
"#,
    ),
    (
        "lib/api/responses.ts",
        r#"import type { NextApiRequest, NextApiResponse } from 'next'

export function ok(res: NextApiResponse, data: unknown = {}) {
  return res.status(200).json(data)
}

export const created = (res: NextApiResponse, data: unknown) => res.status(201).json(data)

export function methodNotAllowed(req: NextApiRequest, res: NextApiResponse, allowed: string[]) {
  res.setHeader('Allow', allowed)
  res.status(405).end(`Method ${req.method} Not Allowed`)
}

export function errorhandler(err: unknown, res: NextApiResponse) {
  if (err instanceof HttpError) {
    return res.status(err.statusCode).end(err.message)
  } else {
    return res.status(500).json({ message: 'Internal Server Error', error: (err as Error).message })
  }
}

export class HttpError extends Error {
  constructor(public statusCode: number, message: string) {
    super(message)
  }
}
"#,
    ),
    (
        "lib/fetcher.ts",
        "export const fetcher = (url: string) => fetch(url).then((r) => {\n  if (!r.ok) throw new Error('Request failed')\n  return r.json()\n})\n",
    ),
    (
        "components/Layout.tsx",
        "export default function Layout({ children }: { children: React.ReactNode }) {\n  return <div className=\"layout\">{children}</div>\n}\n",
    ),
    (
        "pages/api/auth/[...nextauth].ts",
        "import NextAuth from 'next-auth'\nimport { authOptions } from '../../../lib/auth-options'\n\nexport default NextAuth(authOptions)\n",
    ),
];
