use std::io::Write;

// Parsing allocates an AST node at a time and the transforms build many small strings: a large
// run spent a quarter of its time in the system allocator (perf on the large-repo benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    without_huge_pages();
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

/// Transparent huge pages off for this process. A run touches a few hundred megabytes once, and
/// with huge pages the kernel zeroes each 2 MB page on first touch: on the 2-core machines we
/// run on, a dry run on the bench project spent a quarter of its CPU time there (perf:
/// `clear_page_erms` under `do_huge_pmd_anonymous_page`); with 4 KB pages its system time went
/// from 0.67 s to 0.43 s (median of 6). Nothing else changes; elsewhere than Linux it does
/// nothing.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
