use std::io::Write;

fn main() {
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code =
        routeshift::main_with_args(std::env::args_os(), &mut stdout.lock(), &mut stderr.lock());
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}
