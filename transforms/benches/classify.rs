//! How much classification adds to parsing: 10,000 generated files (a third API handlers, the
//! rest components and hooks that call them), parsed on all cores, then parsed and analysed
//! (call sites, wrappers, handler signals, overrides) the way `routeshift classify` does.
//!
//! `cargo bench -p routeshift-transforms --bench classify` (a plain timing harness: no
//! benchmark framework to build). Prints the best of five runs of each.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use transforms::callers::url::{RouteMatch, RouteTable};
use transforms::callers::{self, Area, CallSite};
use transforms::classify::decide::{self, Caller};
use transforms::classify::overrides;
use transforms::classify::signals::{self, HandlerSignals};
use transforms::parse::ParsedFile;

const FILES: usize = 10_000;
const RUNS: usize = 5;

fn handler(i: usize) -> (String, String) {
    let path = format!("pages/api/items{i}/[id].ts");
    let text = format!(
        r#"import type {{ NextApiRequest, NextApiResponse }} from 'next'
import {{ getServerSession }} from 'next-auth'
import {{ db }} from '@/lib/db'

export const config = {{ api: {{ bodyParser: {{ sizeLimit: '1mb' }} }} }}

export default async function handler(req: NextApiRequest, res: NextApiResponse) {{
  const session = await getServerSession(req, res, authOptions)
  if (!session) return res.status(401).json({{ error: 'unauthorized' }})
  const id = req.query.id as string
  if (req.method === 'GET') {{
    const item = await db.item{i}.findUnique({{ where: {{ id }} }})
    if (!item) return res.status(404).json({{ error: 'not found' }})
    return res.status(200).json(item)
  }}
  if (req.method === 'PUT') {{
    const updated = await db.item{i}.update({{ where: {{ id }}, data: req.body }})
    return res.status(200).json(updated)
  }}
  if (req.method === 'DELETE') {{
    await db.item{i}.delete({{ where: {{ id }} }})
    return res.status(204).end()
  }}
  res.setHeader('Allow', ['GET', 'PUT', 'DELETE'])
  return res.status(405).json({{ error: `Method ${{req.method}} not allowed` }})
}}
"#
    );
    (path, text)
}

/// A component that calls the routes of the handler generated just before it.
fn component(i: usize) -> (String, String) {
    let path = format!("components/Item{i}.tsx");
    let r = i - i % 3;
    let text = format!(
        r#"'use client'
import {{ useState }} from 'react'
import useSWR from 'swr'
import axios from 'axios'
import {{ postJson, fetcher }} from '@/lib/fetcher'

export function Item{i}({{ id }}: {{ id: string }}) {{
  const {{ data, mutate }} = useSWR(id ? `/api/items{r}/${{id}}` : null, fetcher)
  const [saving, setSaving] = useState(false)
  async function handleSave(name: string) {{
    setSaving(true)
    await fetch(`/api/items{r}/${{id}}`, {{
      method: 'PUT',
      headers: {{ 'Content-Type': 'application/json' }},
      body: JSON.stringify({{ name }}),
    }})
    await postJson('/api/items{r}/audit', {{ id, name }})
    setSaving(false)
    mutate()
  }}
  const remove = () => axios.delete(`/api/items{r}/${{id}}`)
  return (
    <div>
      <h2>{{data?.name}}</h2>
      <button disabled={{saving}} onClick={{() => handleSave('x')}}>save</button>
      <button onClick={{remove}}>delete</button>
    </div>
  )
}}
"#
    );
    (path, text)
}

fn corpus() -> Vec<(String, String)> {
    (0..FILES)
        .map(|i| if i % 3 == 0 { handler(i) } else { component(i) })
        .collect()
}

fn best_of(runs: usize, mut run: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut count = 0;
    for _ in 0..runs {
        let start = Instant::now();
        count = run();
        best = best.min(start.elapsed());
    }
    (best, count)
}

fn main() {
    let files = corpus();
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    println!(
        "{} files, {:.1} MB, {} threads",
        files.len(),
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );

    let (parse, parsed) = best_of(RUNS, || {
        files
            .par_iter()
            .filter(|(path, text)| ParsedFile::parse(path, text).is_ok())
            .count()
    });
    assert_eq!(parsed, files.len(), "every generated file parses");

    let urls: Vec<String> = files
        .iter()
        .filter_map(|(path, _)| {
            let route = path.strip_prefix("pages")?.strip_suffix(".ts")?;
            Some(route.to_string())
        })
        .collect();
    let (classify, found) = best_of(RUNS, || {
        // Per file, in parallel: call sites and handler signals.
        let analysed: Vec<(Vec<CallSite>, Option<HandlerSignals>)> = files
            .par_iter()
            .map(|(path, text)| {
                let Ok(file) = ParsedFile::parse(path, text) else {
                    return (Vec::new(), None);
                };
                if path.starts_with("pages/api/") {
                    let found = signals::handler_signals(&file, "/api/items/[id]");
                    let _ = overrides::comment_override(&file);
                    (Vec::new(), Some(found))
                } else {
                    (callers::extract(&file, Area::Other).sites, None)
                }
            })
            .collect();
        // Across files: match every call site to a route, then weigh each route.
        let table = RouteTable::new(urls.iter().map(String::as_str));
        let sites: Vec<&CallSite> = analysed.iter().flat_map(|(s, _)| s).collect();
        let matches: Vec<RouteMatch> = sites.par_iter().map(|s| table.find(&s.url)).collect();
        let mut by_route: Vec<Vec<Caller>> = vec![Vec::new(); urls.len()];
        for (site, found) in sites.iter().zip(&matches) {
            if let RouteMatch::Route(i) = found {
                by_route[*i].push(Caller {
                    site,
                    package: None,
                    separate: false,
                    certain: true,
                });
            }
        }
        let handlers: Vec<&HandlerSignals> =
            analysed.iter().filter_map(|(_, h)| h.as_ref()).collect();
        handlers
            .iter()
            .zip(&by_route)
            .map(|(h, callers)| {
                let c = decide::classify(&h.evidence, &h.methods, callers, None);
                c.evidence.len()
            })
            .sum::<usize>()
            + matches
                .iter()
                .filter(|m| matches!(m, RouteMatch::Route(_)))
                .count()
    });
    assert!(
        found > files.len(),
        "the analysis finds call sites and signals ({found})"
    );

    let per_second = |d: Duration| files.len() as f64 / d.as_secs_f64();
    println!(
        "parse only:          {:>8.1} ms  ({:>7.0} files/s)",
        parse.as_secs_f64() * 1e3,
        per_second(parse)
    );
    println!(
        "parse + classify:    {:>8.1} ms  ({:>7.0} files/s)",
        classify.as_secs_f64() * 1e3,
        per_second(classify)
    );
    println!(
        "classification adds {:.1} ms for {} files",
        (classify.as_secs_f64() - parse.as_secs_f64()) * 1e3,
        files.len()
    );
}
