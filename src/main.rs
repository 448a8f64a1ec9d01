//! The `nodal` command-line tool (feature `cli`). See `nodal --help`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
