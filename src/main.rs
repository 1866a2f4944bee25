use std::io::Write;

// Parsing allocates an AST node at a time and the transforms build many small strings: a large
// run spent a quarter of its time in the system allocator (perf on the large-repo benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    routeshift::timings::without_huge_pages();
    let stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let terminal = routeshift::terminal::Terminal::detect();
    let code = routeshift::main_with_terminal(
        std::env::args_os(),
        &mut stdout.lock(),
        // Not locked for the whole run: the progress bar writes to it from another thread.
        &mut stderr,
        terminal,
    );
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}
