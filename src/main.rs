use clap::Parser;

fn main() -> std::process::ExitCode {
    suborg_portal::cli::Cli::parse().run()
}
