//! Evidence from a handler's own code: what it does that tells who calls it.
//!
//! A signature check says a webhook sender does; CORS, API keys, non-JSON bodies and protocol
//! adapters (next-auth, tRPC, GraphQL) say some other machine does. The app's own UI leaves
//! almost no trace in the handler, so the only signal toward it is a weak one (a session cookie
//! read); the call sites weigh in later (`decide`).
//!
//! The whole file is scanned, handler and helpers alike: a signature check moved into a helper in
//! the same file still counts. Each signal is reported once, at the place it was first seen with
//! its strongest weight; the route path adds hints without a place.
//!
//! The same scan reads which HTTP methods the handler tells apart (`req.method` comparisons,
//! `switch`, `includes`, method-keyed objects, `methods: [...]` lists, the `Allow` header,
//! next-connect routes); a handler that never looks at the method answers them all.

use std::collections::{HashMap, HashSet};

use swc_common::{Span, Spanned};
use swc_ecma_ast::{
    ArrowExpr, BinExpr, BinaryOp, CallExpr, Decl, ExportDecl, Expr, ForOfStmt, Function,
    ImportDecl, ImportSpecifier, KeyValueProp, Lit, MemberExpr, MemberProp, ModuleDecl,
    ModuleExportName, ModuleItem, NewExpr, ObjectPatProp, Pat, Prop, PropOrSpread, Stmt, Str,
    SwitchStmt, Tpl, VarDeclarator,
};
use swc_ecma_visit::{Visit, VisitWith};

use super::{Class, Evidence};
use crate::ast::{callee_expr, member_prop, method_literal, prop_key, string_value, unwrap_expr};
use crate::diagnostic::Location;
use crate::parse::ParsedFile;
use crate::route_handler::dispatch::{ordered, ALL_METHODS, STANDARD_METHODS};

/// What a handler's own code says about who calls it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerSignals {
    /// One piece per signal, strongest first (ties by signal code).
    pub evidence: Vec<Evidence>,
    /// The methods the handler answers, in export order.
    pub methods: Vec<&'static str>,
    /// `false` when no method check was found; `methods` is then every standard method.
    pub checks_method: bool,
}

/// Scans `file` (a handler served at `route_url`, e.g. `/api/items/[id]`) for evidence of its callers.
pub fn handler_signals(file: &ParsedFile, route_url: &str) -> HandlerSignals {
    let imports = Imports::read(file);
    let mut scanner = Scanner {
        file,
        imports: &imports,
        found: imports.evidence.clone(),
        request_names: ["req", "request"].into_iter().map(String::from).collect(),
        response_names: ["res", "response"].into_iter().map(String::from).collect(),
        header_vars: HashSet::new(),
        hmac: None,
        timing_safe_equal: false,
        header_compared: false,
        methods: Vec::new(),
        method_arrays: HashMap::new(),
        includes_of: Vec::new(),
        outbound_authorization: false,
        routers: HashSet::new(),
    };
    file.module.visit_with(&mut scanner);

    let Scanner {
        mut found,
        hmac,
        timing_safe_equal,
        header_compared,
        mut methods,
        method_arrays,
        includes_of,
        ..
    } = scanner;

    if let Some((location, call)) = hmac {
        let (weight, detail) = if timing_safe_equal {
            (
                9,
                format!("{call}(…) signs the body and timingSafeEqual(…) checks the signature"),
            )
        } else if header_compared {
            (
                9,
                format!("{call}(…) signs the body and the result is compared to a header"),
            )
        } else {
            (
                6,
                format!("{call}(…) computes an HMAC, as a signature check does"),
            )
        };
        found.push(evidence(
            "hmac-signature",
            detail,
            Some(location),
            Class::Webhook,
            weight,
        ));
    }
    for name in includes_of {
        if let Some(listed) = method_arrays.get(&name) {
            methods.extend(listed.iter().copied());
        }
    }
    methods.extend(default_export_method_keys(file));
    found.extend(path_signals(route_url));

    let checks_method = !methods.is_empty();
    HandlerSignals {
        evidence: strongest_per_signal(found),
        methods: if checks_method {
            ordered(methods)
        } else {
            STANDARD_METHODS.to_vec()
        },
        checks_method,
    }
}

fn evidence(
    signal: &'static str,
    detail: String,
    location: Option<Location>,
    toward: Class,
    weight: u32,
) -> Evidence {
    Evidence {
        signal,
        detail,
        location,
        toward,
        weight,
    }
}

/// One evidence per signal: the strongest, the earliest among equals; strongest first.
fn strongest_per_signal(found: Vec<Evidence>) -> Vec<Evidence> {
    let mut kept: Vec<Evidence> = Vec::new();
    for item in found {
        match kept.iter_mut().find(|k| k.signal == item.signal) {
            Some(existing) if item.weight > existing.weight => *existing = item,
            Some(_) => {}
            None => kept.push(item),
        }
    }
    kept.sort_by(|a, b| b.weight.cmp(&a.weight).then(a.signal.cmp(b.signal)));
    kept
}

// ---------------------------------------------------------------------------------------------
// Imports

/// Packages whose import alone shows a protocol endpoint that other clients speak.
const ADAPTER_PACKAGES: [(&str, &str); 10] = [
    ("@trpc/server/adapters/next", "the tRPC Next.js adapter"),
    ("trpc-openapi", "trpc-openapi"),
    ("graphql-yoga", "GraphQL Yoga"),
    ("@apollo/server", "Apollo Server"),
    (
        "@as-integrations/next",
        "the Apollo Server Next.js integration",
    ),
    ("apollo-server-micro", "Apollo Server (micro)"),
    ("graphql-http", "graphql-http"),
    ("graphql-helix", "GraphQL Helix"),
    ("@ts-rest/next", "the ts-rest Next.js adapter"),
    ("@ts-rest/serverless", "the ts-rest serverless adapter"),
];
const CORS_PACKAGES: [&str; 3] = ["cors", "nextjs-cors", "micro-cors"];
const QSTASH_VERIFIERS: [&str; 4] = [
    "Receiver",
    "verifySignature",
    "verifySignatureEdge",
    "verifySignatureAppRouter",
];

/// Where each local name comes from, and the evidence that imports give by themselves.
#[derive(Default)]
struct Imports {
    /// local name → (module, imported name; `default` for a default import or a `require`).
    locals: HashMap<String, (String, String)>,
    modules: HashSet<String>,
    evidence: Vec<Evidence>,
}

impl Imports {
    fn read(file: &ParsedFile) -> Imports {
        let mut imports = Imports::default();
        for item in &file.module.body {
            match item {
                ModuleItem::ModuleDecl(ModuleDecl::Import(import)) if !import.type_only => {
                    imports.import(file, import);
                }
                ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))) => {
                    for declarator in &var.decls {
                        imports.require(file, declarator);
                    }
                }
                _ => {}
            }
        }
        imports
    }

    fn import(&mut self, file: &ParsedFile, import: &ImportDecl) {
        let Some(module) = import.src.value.as_str() else {
            return;
        };
        let mut value_names = Vec::new();
        for specifier in &import.specifiers {
            let (local, imported) = match specifier {
                ImportSpecifier::Named(named) if !named.is_type_only => {
                    let imported = match &named.imported {
                        Some(ModuleExportName::Ident(id)) => id.sym.to_string(),
                        Some(ModuleExportName::Str(s)) => {
                            s.value.as_str().unwrap_or_default().to_string()
                        }
                        None => named.local.sym.to_string(),
                    };
                    (named.local.sym.to_string(), imported)
                }
                ImportSpecifier::Named(_) => continue,
                ImportSpecifier::Default(default) => {
                    (default.local.sym.to_string(), "default".to_string())
                }
                ImportSpecifier::Namespace(namespace) => {
                    (namespace.local.sym.to_string(), "*".to_string())
                }
            };
            value_names.push(imported.clone());
            self.locals.insert(local, (module.to_string(), imported));
        }
        // `import 'x'` and imports of values only: a type-only import says nothing at run time.
        if import.specifiers.is_empty() || !value_names.is_empty() {
            self.module_evidence(file, module, &value_names, import.span);
        }
    }

    /// `const x = require('m')` and `const { a } = require('m')` at the top level.
    fn require(&mut self, file: &ParsedFile, declarator: &VarDeclarator) {
        let Some(init) = &declarator.init else { return };
        let Some(module) = required_module(init) else {
            return;
        };
        let mut names = Vec::new();
        match &declarator.name {
            Pat::Ident(id) => {
                names.push("default".to_string());
                self.locals
                    .insert(id.id.sym.to_string(), (module.clone(), "default".into()));
            }
            Pat::Object(object) => {
                for prop in &object.props {
                    let (local, imported) = match prop {
                        ObjectPatProp::Assign(assign) => {
                            (assign.key.id.sym.to_string(), assign.key.id.sym.to_string())
                        }
                        ObjectPatProp::KeyValue(kv) => {
                            match (&*kv.value, prop_key(&kv.key).map(str::to_string)) {
                                (Pat::Ident(id), Some(key)) => (id.id.sym.to_string(), key),
                                _ => continue,
                            }
                        }
                        ObjectPatProp::Rest(_) => continue,
                    };
                    names.push(imported.clone());
                    self.locals.insert(local, (module.clone(), imported));
                }
            }
            _ => {}
        }
        self.module_evidence(file, &module, &names, declarator.span);
    }

    fn module_evidence(&mut self, file: &ParsedFile, module: &str, names: &[String], span: Span) {
        self.modules.insert(module.to_string());
        let location = Some(file.location_of(span));
        if let Some((_, what)) = ADAPTER_PACKAGES.iter().find(|(m, _)| *m == module) {
            self.evidence.push(evidence(
                "framework-adapter",
                format!(
                    "imports {what} (`{module}`): a protocol endpoint that its own clients speak"
                ),
                location,
                Class::PublicApi,
                9,
            ));
        } else if CORS_PACKAGES.contains(&module) {
            self.evidence.push(evidence(
                "cors-package",
                format!("imports `{module}`: the route answers cross-origin requests"),
                location,
                Class::PublicApi,
                5,
            ));
        } else if module == "@upstash/qstash" || module.starts_with("@upstash/qstash/") {
            if let Some(name) = names
                .iter()
                .find(|n| QSTASH_VERIFIERS.contains(&n.as_str()))
            {
                self.evidence.push(evidence(
                    "qstash",
                    format!("imports {name} from `{module}`: QStash signs the requests it sends"),
                    location,
                    Class::Webhook,
                    10,
                ));
            }
        } else if module == "svix" {
            // The import alone is a strong hint; `new Webhook(…)` / `.verify(…)` make it proof.
            self.evidence.push(evidence(
                "svix",
                "imports `svix`, the webhook signature library".to_string(),
                location,
                Class::Webhook,
                6,
            ));
        }
    }

    fn source(&self, local: &str) -> Option<(&str, &str)> {
        self.locals
            .get(local)
            .map(|(module, imported)| (module.as_str(), imported.as_str()))
    }

    fn is_from(&self, local: &str, module: &str) -> bool {
        self.source(local).is_some_and(|(m, _)| m == module)
    }
}

/// `require('m')`, possibly wrapped as `require('m').default` or `(require('m'))`.
fn required_module(expr: &Expr) -> Option<String> {
    match unwrap_expr(expr) {
        Expr::Call(call) => {
            let callee = callee_expr(call)?;
            if !matches!(unwrap_expr(callee), Expr::Ident(id) if &*id.sym == "require") {
                return None;
            }
            let first = call.args.first()?;
            string_value(&first.expr).map(str::to_string)
        }
        Expr::Member(member) => required_module(&member.obj),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// The scan

struct Scanner<'a> {
    file: &'a ParsedFile,
    imports: &'a Imports,
    found: Vec<Evidence>,
    /// Names the request and response go by: `req`/`res` and parameters typed as such.
    request_names: HashSet<String>,
    response_names: HashSet<String>,
    /// Variables bound to a header value: `const sig = req.headers['x-signature']`.
    header_vars: HashSet<String>,
    /// The first `createHmac(…)`: where, and the callee as written.
    hmac: Option<(Location, String)>,
    timing_safe_equal: bool,
    header_compared: bool,
    methods: Vec<&'static str>,
    /// `const ALLOWED = ['GET', 'POST']`, to resolve `ALLOWED.includes(req.method)`.
    method_arrays: HashMap<String, Vec<&'static str>>,
    includes_of: Vec<String>,
    /// Inside the value of an `Authorization` key: a header this handler sends, not one it checks.
    outbound_authorization: bool,
    /// Variables holding a next-connect router: `const router = createRouter()`.
    routers: HashSet<String>,
}

impl Scanner<'_> {
    fn push(
        &mut self,
        signal: &'static str,
        detail: String,
        span: Span,
        toward: Class,
        weight: u32,
    ) {
        let location = Some(self.file.location_of(span));
        self.found
            .push(evidence(signal, detail, location, toward, weight));
    }

    fn snippet(&self, span: Span) -> String {
        snippet(self.file.slice(span))
    }

    /// Learns the request and response names of `(request: NextApiRequest, reply: NextApiResponse)`;
    /// untyped parameters are trusted only under the usual names.
    fn note_params<'p>(&mut self, params: impl Iterator<Item = &'p Pat>) {
        for pat in params.take(2) {
            let Pat::Ident(id) = pat else { continue };
            let Some(annotation) = &id.type_ann else {
                continue;
            };
            let annotation = self.file.slice(annotation.span());
            let name = id.id.sym.to_string();
            if annotation.contains("Request") || annotation.contains("IncomingMessage") {
                self.request_names.insert(name);
            } else if annotation.contains("Response") {
                self.response_names.insert(name);
            }
        }
    }

    /// A header read: by name, with what shows it. Reports the header-name signals.
    fn header_read(&mut self, name: &str, span: Span) {
        let name = name.to_ascii_lowercase();
        let shown = format!("reads the `{name}` header");
        if name.contains("signature") {
            self.push(
                "webhook-signature-header",
                format!("{shown}, where a webhook sender puts its signature"),
                span,
                Class::Webhook,
                5,
            );
        } else if name == "authorization" {
            self.push(
                "bearer-token",
                format!("{shown}: the caller sends a token rather than a session cookie"),
                span,
                Class::PublicApi,
                4,
            );
        } else if is_api_key_header(&name) {
            self.push(
                "api-key",
                format!("{shown}: the caller identifies itself with a key"),
                span,
                Class::PublicApi,
                4,
            );
        } else if name == "x-vercel-cron" {
            self.push(
                "cron-secret",
                format!("{shown}, which Vercel Cron sends"),
                span,
                Class::PublicApi,
                5,
            );
        }
    }

    /// `X.setHeader(name, value)` and friends, or an object key `name: value` in a headers object.
    fn header_written(&mut self, name: &str, value: Option<&Expr>, span: Span) {
        let name = name.to_ascii_lowercase();
        match name.as_str() {
            "access-control-allow-origin" => self.push(
                "cors-headers",
                "sets Access-Control-Allow-Origin: the route answers other origins".to_string(),
                span,
                Class::PublicApi,
                5,
            ),
            "content-type" => {
                if let Some(kind) = value.and_then(string_value).filter(|v| is_non_json_type(v)) {
                    self.push(
                        "non-json-response",
                        format!("answers with Content-Type `{kind}`, not JSON for the app's UI"),
                        span,
                        Class::PublicApi,
                        4,
                    );
                }
            }
            "content-disposition" => self.push(
                "non-json-response",
                "sets Content-Disposition: the response is a file to download".to_string(),
                span,
                Class::PublicApi,
                4,
            ),
            "allow" => {
                if let Some(value) = value {
                    self.methods.extend(methods_listed(value));
                }
            }
            _ => {}
        }
    }

    fn is_header_value(&self, expr: &Expr) -> bool {
        match unwrap_expr(expr) {
            Expr::Ident(id) => self.header_vars.contains(&*id.sym),
            other => header_access(other).is_some(),
        }
    }

    fn call(&mut self, call: &CallExpr) {
        let Some(seen) = SeenCall::read(call) else {
            return;
        };
        self.signature_call(&seen);
        self.raw_body_call(&seen);
        self.header_call(&seen);
        self.body_call(&seen);
        self.adapter_or_session_call(&seen);
        self.method_call(&seen);
    }

    fn signature_call(&mut self, seen: &SeenCall) {
        let SeenCall {
            call,
            callee,
            object,
            name,
            ..
        } = *seen;
        if matches!(name, "constructEvent" | "constructEventAsync")
            && object.is_some_and(|o| member_prop_is(o, "webhooks"))
        {
            let written = self.snippet(callee.span());
            self.push(
                "stripe-signature",
                format!("{written}(…) verifies the Stripe signature"),
                call.span,
                Class::Webhook,
                10,
            );
        }
        if name == "createHmac" && self.hmac.is_none() {
            self.hmac = Some((
                self.file.location_of(call.span),
                self.snippet(callee.span()),
            ));
        }
        if name == "timingSafeEqual" {
            self.timing_safe_equal = true;
        }
        if name == "verify" && self.imports.modules.contains("svix") {
            let written = self.snippet(callee.span());
            self.push(
                "svix",
                format!("{written}(…) verifies a svix webhook signature"),
                call.span,
                Class::Webhook,
                10,
            );
        }
    }

    fn raw_body_call(&mut self, seen: &SeenCall) {
        let SeenCall {
            call,
            object,
            name,
            first,
            ..
        } = *seen;
        if object.is_none() {
            let local = name;
            let raw_body = local == "getRawBody"
                || self.imports.is_from(local, "raw-body")
                || match self.imports.source(local) {
                    Some(("micro", imported)) => matches!(imported, "buffer" | "text"),
                    Some(("stream/consumers" | "node:stream/consumers", imported)) => {
                        matches!(imported, "buffer" | "text" | "arrayBuffer")
                    }
                    _ => false,
                };
            if raw_body {
                self.push(
                    "raw-body",
                    format!("{local}(…) reads the raw request body, as a signature check needs"),
                    call.span,
                    Class::Webhook,
                    4,
                );
            }
        }
        if name == "on" && first.and_then(string_value) == Some("data") {
            self.push(
                "raw-body",
                ".on('data', …) reads the raw request body, as a signature check needs".to_string(),
                call.span,
                Class::Webhook,
                4,
            );
        }
    }

    /// Header reads through `.get(name)`, writes through `setHeader(name, value)` and friends.
    fn header_call(&mut self, seen: &SeenCall) {
        let SeenCall {
            call,
            object,
            name,
            first,
            second,
            ..
        } = *seen;
        if let Some((header, span)) = header_get(call) {
            self.header_read(&header, span);
        }
        let writes_header = match (name, object) {
            ("setHeader" | "appendHeader" | "header", Some(_)) => true,
            // `res.set(…)` (Express style) or `response.headers.set(…)`.
            ("set" | "append", Some(object)) => {
                self.is_response(object)
                    || matches!(unwrap_expr(object), Expr::Member(m) if self.is_response(&m.obj))
            }
            _ => false,
        };
        if writes_header {
            if let Some(header) = first.and_then(string_value) {
                self.header_written(header, second, call.span);
            }
        }
        if name == "writeHead" {
            if let Some(Expr::Object(headers)) = call.args.get(1).map(|a| unwrap_expr(&a.expr)) {
                for (key, value, span) in object_entries(headers) {
                    self.header_written(&key, value, span);
                }
            }
        }
    }

    /// Bodies that are not JSON: streamed, piped, binary.
    fn body_call(&mut self, seen: &SeenCall) {
        let SeenCall {
            call,
            callee,
            object,
            name,
            first,
            ..
        } = *seen;
        let on_response = object.is_some_and(|o| self.is_response(o));
        if name == "write" && on_response {
            let written = self.snippet(callee.span());
            self.push(
                "non-json-response",
                format!("{written}(…) streams the response body"),
                call.span,
                Class::PublicApi,
                4,
            );
        }
        if name == "pipe" && first.is_some_and(|a| self.is_response(a)) {
            self.push(
                "non-json-response",
                ".pipe(res) streams a body into the response".to_string(),
                call.span,
                Class::PublicApi,
                4,
            );
        }
        if name == "send" && on_response && first.is_some_and(is_binary_body) {
            let body = first.map(|a| self.snippet(a.span())).unwrap_or_default();
            self.push(
                "non-json-response",
                format!("res.send({body}) answers with binary data"),
                call.span,
                Class::PublicApi,
                4,
            );
        }
    }

    /// `NextAuth(…)` answering the Auth.js endpoints, or a read of the user's session.
    fn adapter_or_session_call(&mut self, seen: &SeenCall) {
        let SeenCall {
            call, object, name, ..
        } = *seen;
        if object.is_none() {
            if let Some((module, imported)) = self.imports.source(name) {
                if (module == "next-auth" || module == "next-auth/next") && imported == "default" {
                    self.push(
                        "framework-adapter",
                        format!("{name}(…) from next-auth answers the Auth.js endpoints"),
                        call.span,
                        Class::PublicApi,
                        9,
                    );
                }
            }
        }

        let session = match name {
            "getServerSession"
            | "getSession"
            | "unstable_getServerSession"
            | "getToken"
            | "getIronSession"
            | "withIronSessionApiRoute"
            | "getAuth" => true,
            "auth" => object.is_none() && self.imports.source("auth").is_some_and(is_auth_module),
            _ => false,
        };
        if session {
            self.push(
                "session-auth",
                format!("{name}(…) reads the user's session cookie, as the app's own UI sends"),
                call.span,
                Class::AppMutation,
                2,
            );
        }
    }

    /// `['GET', 'POST'].includes(req.method)`, next-connect's `router.get(…)`.
    fn method_call(&mut self, seen: &SeenCall) {
        let SeenCall {
            object,
            name,
            first,
            ..
        } = *seen;
        if name == "includes" && first.is_some_and(is_method_read) {
            match object.map(unwrap_expr) {
                Some(Expr::Array(_)) => {
                    let listed = object.map(methods_listed).unwrap_or_default();
                    self.methods.extend(listed);
                }
                Some(Expr::Ident(id)) => self.includes_of.push(id.sym.to_string()),
                _ => {}
            }
        }
        if object.is_some_and(|o| self.is_router(o)) {
            if let Some(method) = ALL_METHODS
                .iter()
                .copied()
                .find(|m| m.eq_ignore_ascii_case(name))
            {
                self.methods.push(method);
            }
        }
    }

    /// A next-connect router: `router`, `createRouter()`, `nc()`, `nc().get(…)`.
    fn is_router(&self, expr: &Expr) -> bool {
        match unwrap_expr(expr) {
            Expr::Ident(id) => self.routers.contains(&*id.sym),
            Expr::Call(call) => match callee_expr(call).map(unwrap_expr) {
                Some(Expr::Ident(id)) => self.imports.is_from(&id.sym, "next-connect"),
                Some(Expr::Member(member)) => self.is_router(&member.obj),
                _ => false,
            },
            _ => false,
        }
    }

    fn is_response(&self, expr: &Expr) -> bool {
        matches!(unwrap_expr(expr), Expr::Ident(id) if self.response_names.contains(&*id.sym))
    }
}

impl Visit for Scanner<'_> {
    fn visit_function(&mut self, function: &Function) {
        self.note_params(function.params.iter().map(|p| &p.pat));
        function.visit_children_with(self);
    }

    fn visit_arrow_expr(&mut self, arrow: &ArrowExpr) {
        self.note_params(arrow.params.iter());
        arrow.visit_children_with(self);
    }

    fn visit_call_expr(&mut self, call: &CallExpr) {
        self.call(call);
        call.visit_children_with(self);
    }

    fn visit_new_expr(&mut self, new: &NewExpr) {
        if let Expr::Ident(id) = unwrap_expr(&new.callee) {
            if let Some((module, imported)) = self.imports.source(&id.sym) {
                if module == "svix" && imported == "Webhook" {
                    self.push(
                        "svix",
                        format!("new {}(…) from svix verifies the webhook signature", id.sym),
                        new.span,
                        Class::Webhook,
                        10,
                    );
                }
            }
        }
        new.visit_children_with(self);
    }

    fn visit_member_expr(&mut self, member: &MemberExpr) {
        if let Some((header, span)) = header_member(member) {
            self.header_read(&header, span);
        }
        if member_name(member).as_deref() == Some("CRON_SECRET")
            && member_prop_is(&member.obj, "env")
        {
            self.push(
                "cron-secret",
                "checks process.env.CRON_SECRET: a scheduler calls the route".to_string(),
                member.span,
                Class::PublicApi,
                6,
            );
        }
        member.visit_children_with(self);
    }

    fn visit_bin_expr(&mut self, bin: &BinExpr) {
        if matches!(
            bin.op,
            BinaryOp::EqEqEq | BinaryOp::EqEq | BinaryOp::NotEqEq | BinaryOp::NotEq
        ) {
            let method = if is_method_read(&bin.left) {
                method_literal(&bin.right)
            } else if is_method_read(&bin.right) {
                method_literal(&bin.left)
            } else {
                None
            };
            self.methods.extend(method);
            if self.is_header_value(&bin.left) || self.is_header_value(&bin.right) {
                self.header_compared = true;
            }
        }
        bin.visit_children_with(self);
    }

    fn visit_switch_stmt(&mut self, switch: &SwitchStmt) {
        if is_method_read(&switch.discriminant) {
            let found = switch
                .cases
                .iter()
                .filter_map(|case| case.test.as_deref().and_then(method_literal));
            self.methods.extend(found);
        }
        switch.visit_children_with(self);
    }

    fn visit_for_of_stmt(&mut self, for_of: &ForOfStmt) {
        if for_of.is_await {
            if let Expr::Ident(id) = unwrap_expr(&for_of.right) {
                if self.request_names.contains(&*id.sym) {
                    self.push(
                        "raw-body",
                        format!(
                            "for await (… of {}) reads the raw request body, as a signature check needs",
                            id.sym
                        ),
                        for_of.span,
                        Class::Webhook,
                        4,
                    );
                }
            }
        }
        for_of.visit_children_with(self);
    }

    fn visit_var_declarator(&mut self, declarator: &VarDeclarator) {
        if let Some(init) = &declarator.init {
            match &declarator.name {
                Pat::Ident(id) => {
                    if self.is_router(init) {
                        self.routers.insert(id.id.sym.to_string());
                    }
                    if header_access(unwrap_expr(init)).is_some() {
                        self.header_vars.insert(id.id.sym.to_string());
                    }
                    if let Expr::Array(_) = unwrap_expr(init) {
                        let listed = methods_listed(init);
                        if !listed.is_empty() {
                            self.method_arrays.insert(id.id.sym.to_string(), listed);
                        }
                    }
                }
                // `const { 'stripe-signature': sig } = req.headers`
                Pat::Object(object) if is_headers_object(init) => {
                    for prop in &object.props {
                        let (key, binding) = match prop {
                            ObjectPatProp::KeyValue(kv) => (
                                prop_key(&kv.key).map(str::to_string),
                                match &*kv.value {
                                    Pat::Ident(id) => Some(id.id.sym.to_string()),
                                    _ => None,
                                },
                            ),
                            ObjectPatProp::Assign(assign) => (
                                Some(assign.key.id.sym.to_string()),
                                Some(assign.key.id.sym.to_string()),
                            ),
                            ObjectPatProp::Rest(_) => (None, None),
                        };
                        if let Some(key) = key {
                            self.header_read(&key, prop.span());
                        }
                        if let Some(binding) = binding {
                            self.header_vars.insert(binding);
                        }
                    }
                }
                _ => {}
            }
        }
        declarator.visit_children_with(self);
    }

    fn visit_key_value_prop(&mut self, prop: &KeyValueProp) {
        let key = prop_key(&prop.key).map(str::to_string).unwrap_or_default();
        if matches!(key.as_str(), "methods" | "allowedMethods" | "allowMethods") {
            self.methods.extend(methods_listed(&prop.value));
        }
        // In a Pages handler a headers object is mostly a request to another service; only
        // Access-Control-Allow-Origin is always a response header.
        if key.eq_ignore_ascii_case("access-control-allow-origin") {
            self.header_written(&key, Some(&prop.value), prop.span());
        }
        if key.eq_ignore_ascii_case("authorization") {
            // `Authorization: `Bearer ${process.env.OPENAI_KEY}`` calls someone else's API.
            let outer = std::mem::replace(&mut self.outbound_authorization, true);
            prop.visit_children_with(self);
            self.outbound_authorization = outer;
        } else {
            prop.visit_children_with(self);
        }
    }

    fn visit_export_decl(&mut self, export: &ExportDecl) {
        if let Decl::Var(var) = &export.decl {
            for declarator in &var.decls {
                let is_config = matches!(&declarator.name, Pat::Ident(id) if &*id.sym == "config");
                if let (true, Some(init)) = (is_config, &declarator.init) {
                    if let Some(span) = body_parser_off(init) {
                        self.push(
                            "body-parser-off",
                            "config turns bodyParser off: signature checks need the raw body (so do uploads and protocol adapters, hence a weak sign)"
                                .to_string(),
                            span,
                            Class::Webhook,
                            2,
                        );
                    }
                }
            }
        }
        export.visit_children_with(self);
    }

    fn visit_str(&mut self, s: &Str) {
        if !self.outbound_authorization && s.value.as_str().is_some_and(is_bearer) {
            self.push(
                "bearer-token",
                "expects an `Authorization: Bearer` token from the caller".to_string(),
                s.span,
                Class::PublicApi,
                4,
            );
        }
    }

    fn visit_tpl(&mut self, tpl: &Tpl) {
        if !self.outbound_authorization && tpl.quasis.first().is_some_and(|q| is_bearer(&q.raw)) {
            self.push(
                "bearer-token",
                "expects an `Authorization: Bearer` token from the caller".to_string(),
                tpl.span,
                Class::PublicApi,
                4,
            );
        }
        tpl.visit_children_with(self);
    }
}

/// A call the scanner looks at: `name(…)` or `object.name(…)`.
#[derive(Clone, Copy)]
struct SeenCall<'c> {
    call: &'c CallExpr,
    callee: &'c Expr,
    object: Option<&'c Expr>,
    name: &'c str,
    first: Option<&'c Expr>,
    second: Option<&'c Expr>,
}

impl<'c> SeenCall<'c> {
    fn read(call: &'c CallExpr) -> Option<SeenCall<'c>> {
        let callee = unwrap_expr(callee_expr(call)?);
        let (object, name) = match callee {
            Expr::Ident(id) => (None, &*id.sym),
            Expr::Member(member) => (Some(&*member.obj), member_prop(&member.prop)?),
            _ => return None,
        };
        Some(SeenCall {
            call,
            callee,
            object,
            name,
            first: call.args.first().map(|a| &*a.expr),
            second: call.args.get(1).map(|a| &*a.expr),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Shapes

/// The property a member expression reads: `a.b` and `a['b']`.
fn member_name(member: &MemberExpr) -> Option<String> {
    match &member.prop {
        MemberProp::Ident(id) => Some(id.sym.to_string()),
        MemberProp::Computed(computed) => string_value(&computed.expr).map(str::to_string),
        MemberProp::PrivateName(_) => None,
    }
}

fn member_prop_is(expr: &Expr, name: &str) -> bool {
    matches!(unwrap_expr(expr), Expr::Member(m) if member_name(m).as_deref() == Some(name))
}

/// `X.headers`, `headers` (destructured from the request) or `headers()` (next/headers).
fn is_headers_object(expr: &Expr) -> bool {
    match unwrap_expr(expr) {
        Expr::Ident(id) => &*id.sym == "headers",
        Expr::Member(m) => member_name(m).as_deref() == Some("headers"),
        Expr::Call(call) => callee_expr(call)
            .is_some_and(|c| matches!(unwrap_expr(c), Expr::Ident(id) if &*id.sym == "headers")),
        _ => false,
    }
}

/// A header read and the header's name: `req.headers['x-a']`, `req.headers.authorization`,
/// `request.headers.get('x-a')`.
fn header_access(expr: &Expr) -> Option<(String, Span)> {
    match unwrap_expr(expr) {
        Expr::Member(member) => header_member(member),
        Expr::Call(call) => header_get(call),
        _ => None,
    }
}

/// `req.headers['x-a']`, `req.headers.authorization`.
fn header_member(member: &MemberExpr) -> Option<(String, Span)> {
    if !is_headers_object(&member.obj) {
        return None;
    }
    let name = member_name(member)?;
    if matches!(
        name.as_str(),
        "get" | "has" | "entries" | "keys" | "forEach"
    ) {
        return None;
    }
    Some((name, member.span))
}

/// `request.headers.get('x-a')`, `headers().get('x-a')`.
fn header_get(call: &CallExpr) -> Option<(String, Span)> {
    let Expr::Member(member) = unwrap_expr(callee_expr(call)?) else {
        return None;
    };
    if member_prop(&member.prop) != Some("get") || !is_headers_object(&member.obj) {
        return None;
    }
    let name = string_value(&call.args.first()?.expr)?;
    Some((name.to_string(), call.span))
}

fn is_api_key_header(name: &str) -> bool {
    matches!(name, "x-api-key" | "api-key" | "apikey" | "x-apikey")
        || (name.starts_with("x-") && name.ends_with("-key"))
}

fn is_bearer(text: &str) -> bool {
    let text = text.trim_start();
    text.get(..6)
        .is_some_and(|word| word.eq_ignore_ascii_case("bearer"))
        && text[6..].chars().next().is_none_or(|c| c == ' ')
}

fn is_non_json_type(value: &str) -> bool {
    let value = value.to_ascii_lowercase();
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence == "text/csv"
        || essence == "text/plain"
        || essence == "text/calendar"
        || essence.contains("xml")
        || essence.contains("rss")
        || essence == "application/pdf"
        || essence == "application/zip"
        || essence == "application/octet-stream"
        || essence.starts_with("image/")
        || essence.starts_with("audio/")
        || essence.starts_with("video/")
}

/// `Buffer.from(…)`, `new Buffer(…)`, or a variable named like a buffer, stream or file.
fn is_binary_body(expr: &Expr) -> bool {
    match unwrap_expr(expr) {
        Expr::Call(call) => callee_expr(call).is_some_and(|c| {
            matches!(unwrap_expr(c), Expr::Member(m) if matches!(unwrap_expr(&m.obj), Expr::Ident(id) if &*id.sym == "Buffer"))
        }),
        Expr::New(new) => matches!(unwrap_expr(&new.callee), Expr::Ident(id) if &*id.sym == "Buffer"),
        Expr::Ident(id) => {
            let name = id.sym.to_ascii_lowercase();
            ["buffer", "buf", "stream", "pdf", "csv", "file", "image", "bytes"]
                .iter()
                .any(|word| name.contains(word))
        }
        _ => false,
    }
}

/// `X.method`, possibly as `X.method!` or `X.method as string`.
fn is_method_read(expr: &Expr) -> bool {
    matches!(unwrap_expr(expr), Expr::Member(m) if member_prop(&m.prop) == Some("method"))
}

/// Methods in `['GET', 'POST']` or `'GET, POST'`.
fn methods_listed(expr: &Expr) -> Vec<&'static str> {
    match unwrap_expr(expr) {
        Expr::Array(array) => array
            .elems
            .iter()
            .flatten()
            .filter_map(|e| method_literal(&e.expr))
            .collect(),
        other => string_value(other)
            .map(|s| {
                s.split(',')
                    .filter_map(|part| ALL_METHODS.iter().copied().find(|m| *m == part.trim()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// `{ api: { bodyParser: false } }`: the span of `bodyParser: false`.
fn body_parser_off(expr: &Expr) -> Option<Span> {
    let Expr::Object(config) = unwrap_expr(expr) else {
        return None;
    };
    let api = object_entries(config)
        .into_iter()
        .find(|(key, _, _)| key == "api")?
        .1?;
    let Expr::Object(api) = unwrap_expr(api) else {
        return None;
    };
    object_entries(api)
        .into_iter()
        .find(|(key, value, _)| {
            key == "bodyParser"
                && value
                    .is_some_and(|v| matches!(unwrap_expr(v), Expr::Lit(Lit::Bool(b)) if !b.value))
        })
        .map(|(_, _, span)| span)
}

/// The `key: value` entries of an object literal (methods and shorthands have no value).
fn object_entries(object: &swc_ecma_ast::ObjectLit) -> Vec<(String, Option<&Expr>, Span)> {
    object
        .props
        .iter()
        .filter_map(|prop| match prop {
            PropOrSpread::Prop(prop) => match &**prop {
                Prop::KeyValue(kv) => prop_key(&kv.key)
                    .map(str::to_string)
                    .map(|k| (k, Some(&*kv.value), kv.span())),
                Prop::Method(method) => prop_key(&method.key)
                    .map(str::to_string)
                    .map(|k| (k, None, method.span())),
                Prop::Shorthand(id) => Some((id.sym.to_string(), None, id.span)),
                _ => None,
            },
            PropOrSpread::Spread(_) => None,
        })
        .collect()
}

fn is_auth_module((module, _): (&str, &str)) -> bool {
    module == "next-auth"
        || module.starts_with("next-auth/")
        || module.rsplit('/').next() == Some("auth")
}

/// Method-named keys of an object passed to the default export's wrapper:
/// `export default handle({ GET: …, POST: … })`, also through a variable and nested wrappers.
fn default_export_method_keys(file: &ParsedFile) -> Vec<&'static str> {
    let mut exported: Option<&Expr> = None;
    let mut top_level: HashMap<String, &Expr> = HashMap::new();
    for item in &file.module.body {
        match item {
            ModuleItem::ModuleDecl(ModuleDecl::ExportDefaultExpr(export)) => {
                exported = Some(&export.expr);
            }
            ModuleItem::Stmt(Stmt::Expr(stmt)) => {
                if let Expr::Assign(assign) = unwrap_expr(&stmt.expr) {
                    let target = file.slice(assign.left.span());
                    if target == "module.exports" {
                        exported = Some(&assign.right);
                    }
                }
            }
            _ => {}
        }
        let var = match item {
            ModuleItem::Stmt(Stmt::Decl(Decl::Var(var))) => Some(var),
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(ExportDecl {
                decl: Decl::Var(var),
                ..
            })) => Some(var),
            _ => None,
        };
        for declarator in var.iter().flat_map(|v| v.decls.iter()) {
            if let (Pat::Ident(id), Some(init)) = (&declarator.name, &declarator.init) {
                top_level.insert(id.id.sym.to_string(), init);
            }
        }
    }
    let mut methods = Vec::new();
    let mut expr = exported;
    if let Some(Expr::Ident(id)) = expr.map(unwrap_expr) {
        expr = top_level.get(&*id.sym).copied();
    }
    if let Some(expr) = expr {
        collect_method_keys(expr, &mut methods, 0);
    }
    methods
}

fn collect_method_keys(expr: &Expr, methods: &mut Vec<&'static str>, depth: usize) {
    // Wrappers nest a few levels at most; the bound keeps odd code from recursing deeply.
    if depth > 8 {
        return;
    }
    let Expr::Call(call) = unwrap_expr(expr) else {
        return;
    };
    if let Some(callee) = callee_expr(call) {
        collect_method_keys(callee, methods, depth + 1);
    }
    for arg in &call.args {
        match unwrap_expr(&arg.expr) {
            Expr::Object(object) => {
                for (key, _, _) in object_entries(object) {
                    methods.extend(ALL_METHODS.iter().copied().find(|m| *m == key));
                }
            }
            other => collect_method_keys(other, methods, depth + 1),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The route path

// Not `callback`: OAuth and SAML callbacks are browser redirects, not webhooks.
const WEBHOOK_WORDS: [&str; 8] = [
    "webhook", "webhooks", "hook", "hooks", "stripe", "github", "slack", "clerk",
];
const PUBLIC_WORDS: [&str; 7] = ["public", "external", "open", "og", "feed", "rss", "sitemap"];

/// Hints from the route's URL: `/api/webhooks/stripe`, `/api/v1/items`, `/api/cron/cleanup`.
fn path_signals(route_url: &str) -> Vec<Evidence> {
    let mut found = Vec::new();
    for segment in route_url.split('/') {
        // Dynamic segments name a parameter, not the route.
        if segment.starts_with('[') {
            continue;
        }
        let lower = segment.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let webhook = words
            .iter()
            .find(|w| WEBHOOK_WORDS.contains(w))
            .copied()
            .or_else(|| ["webhook"].into_iter().find(|w| lower.contains(w)));
        if let Some(word) = webhook {
            found.push(evidence(
                "path-webhook",
                format!("the route path {route_url} has `{word}` in it"),
                None,
                Class::Webhook,
                3,
            ));
        }
        // `cron`, `crons`, `cronjob`, `daily-cron`; not `microns`.
        if words
            .iter()
            .any(|w| w.starts_with("cron") || w.ends_with("cron"))
        {
            found.push(evidence(
                "path-cron",
                format!("the route path {route_url} has `cron` in it"),
                None,
                Class::PublicApi,
                3,
            ));
        }
        let public = words
            .iter()
            .find(|w| PUBLIC_WORDS.contains(w) || is_version_word(w));
        if let Some(word) = public {
            found.push(evidence(
                "path-public",
                format!("the route path {route_url} has `{word}` in it"),
                None,
                Class::PublicApi,
                2,
            ));
        }
    }
    found
}

/// `v1`, `v2`, … as an API version.
fn is_version_word(word: &str) -> bool {
    word.strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// Source text on one line, shortened: for details that quote the code.
fn snippet(text: &str) -> String {
    let one_line = crate::text::one_line(text);
    if one_line.chars().count() > 60 {
        let short: String = one_line.chars().take(57).collect();
        format!("{short}…")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_at(route_url: &str, src: &str) -> HandlerSignals {
        let file = ParsedFile::parse("pages/api/x.ts", src).unwrap();
        handler_signals(&file, route_url)
    }

    fn scan(src: &str) -> HandlerSignals {
        scan_at("/api/x", src)
    }

    fn get<'a>(signals: &'a HandlerSignals, code: &str) -> &'a Evidence {
        signals
            .evidence
            .iter()
            .find(|e| e.signal == code)
            .unwrap_or_else(|| panic!("no `{code}` in {:#?}", signals.evidence))
    }

    fn codes(signals: &HandlerSignals) -> Vec<&'static str> {
        signals.evidence.iter().map(|e| e.signal).collect()
    }

    /// `(line, column)` of an evidence's location.
    fn at(evidence: &Evidence) -> (usize, usize) {
        let location = evidence.location.as_ref().unwrap();
        assert_eq!(location.path, "pages/api/x.ts");
        (location.line, location.column)
    }

    #[test]
    fn stripe_webhook() {
        let s = scan(
            r#"import Stripe from 'stripe'
import { buffer } from 'micro'
import type { NextApiRequest, NextApiResponse } from 'next'

export const config = { api: { bodyParser: false } }

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!)

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const buf = await buffer(req)
  const sig = req.headers['stripe-signature'] as string
  const event = stripe.webhooks.constructEvent(buf, sig, process.env.STRIPE_WEBHOOK_SECRET!)
  res.json({ received: true })
}
"#,
        );
        assert_eq!(
            codes(&s),
            [
                "stripe-signature",
                "webhook-signature-header",
                "raw-body",
                "body-parser-off"
            ]
        );
        let stripe = get(&s, "stripe-signature");
        assert_eq!((stripe.weight, stripe.toward), (10, Class::Webhook));
        assert_eq!(at(stripe), (12, 17));
        assert_eq!(
            stripe.detail,
            "stripe.webhooks.constructEvent(…) verifies the Stripe signature"
        );
        assert_eq!(at(get(&s, "webhook-signature-header")), (11, 15));
        assert_eq!(at(get(&s, "body-parser-off")), (5, 32));
        assert_eq!(at(get(&s, "raw-body")), (10, 21));
        assert_eq!(get(&s, "raw-body").weight, 4);
    }

    #[test]
    fn stripe_async_variant_on_any_client_name() {
        let s = scan(
            "export default async (req, res) => {\n  await payments.webhooks.constructEventAsync(body, sig, secret)\n}\n",
        );
        assert_eq!(get(&s, "stripe-signature").weight, 10);
    }

    #[test]
    fn svix_webhook() {
        let s = scan(
            r#"import { Webhook } from 'svix'
export default async function handler(req, res) {
  const { 'svix-id': id, 'svix-signature': signature } = req.headers
  const wh = new Webhook(process.env.SECRET)
  const evt = wh.verify(payload, { 'svix-id': id, 'svix-signature': signature })
}
"#,
        );
        let svix = get(&s, "svix");
        assert_eq!((svix.weight, svix.toward), (10, Class::Webhook));
        assert_eq!(at(svix), (4, 14));
        assert_eq!(at(get(&s, "webhook-signature-header")), (3, 26));
        assert_eq!(codes(&s), ["svix", "webhook-signature-header"]);
    }

    #[test]
    fn svix_import_alone_is_a_hint() {
        let s = scan("import { Webhook } from 'svix'\nexport default function h(req, res) {}\n");
        assert_eq!(get(&s, "svix").weight, 6);
        assert_eq!(at(get(&s, "svix")), (1, 1));
    }

    #[test]
    fn qstash_receiver() {
        let s = scan(
            "import { verifySignature } from '@upstash/qstash/nextjs'\nfunction handler(req, res) {}\nexport default verifySignature(handler)\n",
        );
        let qstash = get(&s, "qstash");
        assert_eq!((qstash.weight, qstash.toward), (10, Class::Webhook));
    }

    #[test]
    fn hmac_strength_depends_on_the_comparison() {
        let alone = scan(
            "import crypto from 'crypto'\nexport default (req, res) => {\n  const digest = crypto.createHmac('sha256', key).update(body).digest('hex')\n}\n",
        );
        let hmac = get(&alone, "hmac-signature");
        assert_eq!((hmac.weight, at(hmac)), (6, (3, 18)));

        let timing_safe = scan(
            "import { createHmac, timingSafeEqual } from 'node:crypto'\nexport default (req, res) => {\n  const digest = createHmac('sha256', key).update(body).digest()\n  if (!timingSafeEqual(digest, given)) return res.status(401).end()\n}\n",
        );
        assert_eq!(get(&timing_safe, "hmac-signature").weight, 9);

        let compared = scan(
            "export default (req, res) => {\n  const signature = req.headers['x-hub-signature-256']\n  const expected = 'sha256=' + crypto.createHmac('sha256', key).update(body).digest('hex')\n  if (signature !== expected) return res.status(401).end()\n}\n",
        );
        assert_eq!(get(&compared, "hmac-signature").weight, 9);
        assert_eq!(get(&compared, "webhook-signature-header").weight, 5);
    }

    #[test]
    fn raw_body_reads() {
        let on_data = scan(
            "export default (req, res) => {\n  let data = ''\n  req.on('data', (chunk) => { data += chunk })\n}\n",
        );
        assert_eq!(at(get(&on_data, "raw-body")), (3, 3));

        let for_await = scan(
            "export default async function h(request: NextApiRequest, reply: NextApiResponse) {\n  const chunks = []\n  for await (const chunk of request) chunks.push(chunk)\n}\n",
        );
        assert_eq!(at(get(&for_await, "raw-body")), (3, 3));

        let raw_body = scan(
            "import getRawBody from 'raw-body'\nexport default async (req, res) => {\n  const body = await getRawBody(req)\n}\n",
        );
        assert_eq!(get(&raw_body, "raw-body").toward, Class::Webhook);

        let consumers = scan(
            "import { text as readText } from 'node:stream/consumers'\nexport default async (req, res) => {\n  const body = await readText(req)\n}\n",
        );
        assert_eq!(at(get(&consumers, "raw-body")), (3, 22));

        // Some other `buffer()` is not the raw body.
        let other_buffer =
            scan("export default async (req, res) => {\n  const b = await buffer(req)\n}\n");
        assert!(
            other_buffer.evidence.is_empty(),
            "{:#?}",
            other_buffer.evidence
        );

        // Iterating some other list is not reading the body.
        let other =
            scan("export default async (req, res) => {\n  for await (const x of items) {}\n}\n");
        assert!(other.evidence.is_empty(), "{:#?}", other.evidence);
    }

    #[test]
    fn body_parser_off_only_when_false() {
        let off = scan("export const config = { api: { bodyParser: false } }\nexport default (req, res) => {}\n");
        let evidence = get(&off, "body-parser-off");
        assert_eq!((evidence.weight, at(evidence)), (2, (1, 32)));

        let limit = scan(
            "export const config = { api: { bodyParser: { sizeLimit: '1mb' } } }\nexport default (req, res) => {}\n",
        );
        assert!(limit.evidence.is_empty());
    }

    #[test]
    fn cors_headers() {
        let s = scan(
            "export default (req, res) => {\n  res.setHeader('Access-Control-Allow-Origin', '*')\n  res.json({})\n}\n",
        );
        let cors = get(&s, "cors-headers");
        assert_eq!(
            (cors.weight, cors.toward, at(cors)),
            (5, Class::PublicApi, (2, 3))
        );

        let object = scan(
            "export default (req, res) => {\n  res.writeHead(200, { 'access-control-allow-origin': '*' })\n}\n",
        );
        assert_eq!(get(&object, "cors-headers").weight, 5);
    }

    #[test]
    fn cors_packages() {
        for module in ["cors", "nextjs-cors", "micro-cors"] {
            let s = scan(&format!(
                "import Cors from '{module}'\nexport default (req, res) => {{}}\n"
            ));
            let cors = get(&s, "cors-package");
            assert_eq!((cors.weight, at(cors)), (5, (1, 1)), "{module}");
        }
        let required = scan("const cors = require('cors')\nmodule.exports = (req, res) => {}\n");
        assert_eq!(get(&required, "cors-package").weight, 5);
    }

    #[test]
    fn bearer_token_and_api_key() {
        let bearer = scan(
            "export default (req, res) => {\n  const auth = req.headers.authorization\n  if (auth !== `Bearer ${process.env.TOKEN}`) return res.status(401).end()\n}\n",
        );
        let token = get(&bearer, "bearer-token");
        assert_eq!(
            (token.weight, token.toward, at(token)),
            (4, Class::PublicApi, (2, 16))
        );

        let literal = scan(
            "export default (req, res) => {\n  if (!token.startsWith('Bearer ')) return res.status(401).end()\n}\n",
        );
        assert_eq!(at(get(&literal, "bearer-token")), (2, 25));

        let key = scan(
            "export default (req, res) => {\n  if (req.headers['x-api-key'] !== process.env.API_KEY) return res.status(401).end()\n}\n",
        );
        let api_key = get(&key, "api-key");
        assert_eq!((api_key.weight, at(api_key)), (4, (2, 7)));

        let custom = scan(
            "export default (req, res) => {\n  const k = req.headers.get('X-Partner-Key')\n}\n",
        );
        assert!(get(&custom, "api-key").detail.contains("x-partner-key"));
    }

    #[test]
    fn outbound_bearer_is_not_an_inbound_check() {
        let s = scan(
            "export default async (req, res) => {\n  const r = await fetch(url, { headers: { Authorization: `Bearer ${process.env.OPENAI_KEY}`, 'Content-Type': 'text/plain' } })\n  res.json(await r.json())\n}\n",
        );
        assert!(s.evidence.is_empty(), "{:#?}", s.evidence);
    }

    #[test]
    fn cron_secret_and_cron_path() {
        let s = scan_at(
            "/api/cron/cleanup",
            "export default (req, res) => {\n  if (req.headers.authorization !== `Bearer ${process.env.CRON_SECRET}`) return res.status(401).end()\n}\n",
        );
        let cron = get(&s, "cron-secret");
        assert_eq!(
            (cron.weight, cron.toward, at(cron)),
            (6, Class::PublicApi, (2, 47))
        );
        let path = get(&s, "path-cron");
        assert_eq!((path.weight, path.location.is_none()), (3, true));
        assert_eq!(codes(&s), ["cron-secret", "bearer-token", "path-cron"]);

        let vercel = scan(
            "export default (req, res) => {\n  if (!req.headers['x-vercel-cron']) return\n}\n",
        );
        assert_eq!(get(&vercel, "cron-secret").weight, 5);
    }

    #[test]
    fn csv_download() {
        let s = scan(
            "export default (req, res) => {\n  res.setHeader('Content-Type', 'text/csv; charset=utf-8')\n  res.setHeader('Content-Disposition', 'attachment; filename=x.csv')\n  res.send(csv)\n}\n",
        );
        let csv = get(&s, "non-json-response");
        assert_eq!(
            (csv.weight, csv.toward, at(csv)),
            (4, Class::PublicApi, (2, 3))
        );
        assert!(csv.detail.contains("text/csv"), "{}", csv.detail);

        let json = scan(
            "export default (req, res) => {\n  res.setHeader('Content-Type', 'application/json')\n  res.send(JSON.stringify(data))\n}\n",
        );
        assert!(json.evidence.is_empty(), "{:#?}", json.evidence);
    }

    #[test]
    fn streamed_and_binary_bodies() {
        let piped =
            scan("export default (req, res) => {\n  fs.createReadStream(path).pipe(res)\n}\n");
        assert_eq!(at(get(&piped, "non-json-response")), (2, 3));
        let written = scan("export default (req, res) => {\n  res.write('data: hi\\n\\n')\n}\n");
        assert!(get(&written, "non-json-response")
            .detail
            .starts_with("res.write"));
        let buffer = scan("export default (req, res) => {\n  res.send(Buffer.from(pdf))\n}\n");
        assert_eq!(get(&buffer, "non-json-response").weight, 4);
    }

    #[test]
    fn next_auth_adapter() {
        let s = scan(
            "import NextAuth from 'next-auth'\nimport { authOptions } from '../../../lib/auth'\nexport default NextAuth(authOptions)\n",
        );
        let adapter = get(&s, "framework-adapter");
        assert_eq!(
            (adapter.weight, adapter.toward, at(adapter)),
            (9, Class::PublicApi, (3, 16))
        );
        assert_eq!(codes(&s), ["framework-adapter"]);
    }

    #[test]
    fn trpc_and_graphql_adapters() {
        let trpc = scan(
            "import { createNextApiHandler } from '@trpc/server/adapters/next'\nexport default createNextApiHandler({ router: appRouter })\n",
        );
        let adapter = get(&trpc, "framework-adapter");
        assert_eq!((adapter.weight, at(adapter)), (9, (1, 1)));
        assert!(adapter.detail.contains("tRPC"), "{}", adapter.detail);

        let yoga = scan(
            "import { createYoga } from 'graphql-yoga'\nexport default createYoga({ schema })\n",
        );
        assert_eq!(get(&yoga, "framework-adapter").weight, 9);

        let types_only = scan(
            "import type { inferAsyncReturnType } from '@trpc/server/adapters/next'\nexport default (req, res) => {}\n",
        );
        assert!(types_only.evidence.is_empty());
    }

    #[test]
    fn path_words() {
        let webhook = scan_at("/api/webhooks/stripe", "export default (req, res) => {}\n");
        let path = get(&webhook, "path-webhook");
        assert_eq!(
            (path.weight, path.toward, path.location.clone()),
            (3, Class::Webhook, None)
        );
        assert_eq!(
            path.detail,
            "the route path /api/webhooks/stripe has `webhooks` in it"
        );
        assert_eq!(codes(&webhook), ["path-webhook"]);

        let camel = scan_at("/api/stripeWebhook", "export default (req, res) => {}\n");
        assert_eq!(get(&camel, "path-webhook").weight, 3);

        let public = scan_at("/api/v1/items/[id]", "export default (req, res) => {}\n");
        let path = get(&public, "path-public");
        assert_eq!((path.weight, path.toward), (2, Class::PublicApi));
        assert!(path.detail.contains("`v1`"));

        for plain in [
            "/api/items/[id]",
            "/api/[hook]",
            "/api/opened",
            "/api/overview",
            "/api/microns",
        ] {
            let s = scan_at(plain, "export default (req, res) => {}\n");
            assert!(s.evidence.is_empty(), "{plain}: {:#?}", s.evidence);
        }
        let daily = scan_at("/api/daily-cron", "export default (req, res) => {}\n");
        assert_eq!(codes(&daily), ["path-cron"]);
        let feed = scan_at("/api/feed.xml", "export default (req, res) => {}\n");
        assert_eq!(codes(&feed), ["path-public"]);
    }

    #[test]
    fn session_auth_is_a_weak_ui_hint() {
        let s = scan(
            "import { getServerSession } from 'next-auth/next'\nexport default async (req, res) => {\n  const session = await getServerSession(req, res, authOptions)\n}\n",
        );
        let session = get(&s, "session-auth");
        assert_eq!(
            (session.weight, session.toward, at(session)),
            (2, Class::AppMutation, (3, 25))
        );

        let auth = scan("import { auth } from '@/auth'\nexport default async (req, res) => {\n  const session = await auth(req, res)\n}\n");
        assert_eq!(get(&auth, "session-auth").weight, 2);
        // Some other `auth()` is not a session read.
        let other = scan("export default async (req, res) => {\n  await auth(req)\n}\n");
        assert!(other.evidence.is_empty());
    }

    #[test]
    fn plain_crud_has_no_evidence() {
        let s = scan(
            r#"import type { NextApiRequest, NextApiResponse } from 'next'
import { prisma } from '@/lib/prisma'

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const id = String(req.query.id)
  if (req.method === 'GET') {
    const item = await prisma.item.findUnique({ where: { id } })
    return res.status(200).json(item)
  }
  if (req.method === 'PUT') {
    const item = await prisma.item.update({ where: { id }, data: req.body })
    return res.json(item)
  }
  res.setHeader('Allow', ['GET', 'PUT'])
  res.setHeader('Content-Type', 'application/json')
  res.status(405).end()
}
"#,
        );
        assert!(s.evidence.is_empty(), "{:#?}", s.evidence);
        assert_eq!((s.methods, s.checks_method), (vec!["GET", "PUT"], true));
    }

    #[test]
    fn evidence_is_deduplicated_and_sorted() {
        let s = scan_at(
            "/api/public/export",
            "export default (req, res) => {\n  res.setHeader('Content-Disposition', 'attachment')\n  res.setHeader('Access-Control-Allow-Origin', '*')\n  res.setHeader('Content-Type', 'text/csv')\n  res.write(a)\n}\n",
        );
        assert_eq!(
            codes(&s),
            ["cors-headers", "non-json-response", "path-public"]
        );
        // The first non-JSON sign is kept.
        assert_eq!(at(get(&s, "non-json-response")), (2, 3));
    }

    #[test]
    fn methods_from_an_if_chain() {
        let s = scan(
            "export default (req, res) => {\n  if (req.method === 'POST') {}\n  else if ('DELETE' == req.method) {}\n  else if (req.method !== 'GET') {}\n}\n",
        );
        assert_eq!(s.methods, ["GET", "POST", "DELETE"]);
        assert!(s.checks_method);
    }

    #[test]
    fn methods_from_a_switch() {
        let s = scan(
            "export default (req, res) => {\n  switch (req.method) {\n    case 'PATCH': break\n    case 'GET': break\n    default: res.status(405).end()\n  }\n}\n",
        );
        assert_eq!(s.methods, ["GET", "PATCH"]);
    }

    #[test]
    fn methods_from_includes() {
        let literal = scan(
            "export default (req, res) => {\n  if (!['GET', 'HEAD'].includes(req.method!)) return res.status(405).end()\n}\n",
        );
        assert_eq!(literal.methods, ["GET", "HEAD"]);

        let named = scan(
            "const ALLOWED = ['PUT', 'POST']\nexport default (req, res) => {\n  if (!ALLOWED.includes(req.method as string)) return res.status(405).end()\n}\n",
        );
        assert_eq!(named.methods, ["POST", "PUT"]);
    }

    #[test]
    fn methods_from_a_method_keyed_object() {
        let s = scan(
            "const handler = withAuth(methods({ GET: list, POST: async (req, res) => {} }))\nexport default handler\n",
        );
        assert_eq!(
            (s.methods.clone(), s.checks_method),
            (vec!["GET", "POST"], true)
        );

        let direct = scan("export default route({ DELETE: remove, options: {} })\n");
        assert_eq!(direct.methods, ["DELETE"]);
    }

    #[test]
    fn methods_from_lists_and_routers() {
        let listed = scan("export default handler({ allowedMethods: ['GET', 'OPTIONS'] })\n");
        assert_eq!(listed.methods, ["GET", "OPTIONS"]);

        let router = scan(
            "import { createRouter } from 'next-connect'\nconst router = createRouter()\nrouter.get(list).post(create)\nexport default router.handler()\n",
        );
        assert_eq!(router.methods, ["GET", "POST"]);
    }

    #[test]
    fn no_method_check_means_every_standard_method() {
        let s = scan("export default (req, res) => {\n  const value = map.get('x')\n  res.json({ ok: true })\n}\n");
        assert_eq!(s.methods, STANDARD_METHODS);
        assert!(!s.checks_method);
    }
}
