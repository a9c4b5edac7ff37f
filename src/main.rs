use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match survey::cli::Cli::try_parse() {
        Ok(cli) => survey::cli::run(cli),
        Err(error) => {
            let _ = error.print();
            ExitCode::from(if error.use_stderr() {
                survey::cli::EXIT_USAGE
            } else {
                survey::cli::EXIT_OK
            })
        }
    }
}
