//! `pawnbranch`: the executable. Everything is in the library (`lib.rs`); see ARCHITECTURE.md.

fn main() -> std::process::ExitCode {
    pawnbranch::main()
}
