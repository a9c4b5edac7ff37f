use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match survey::commands::cli::Cli::try_parse() {
        Ok(cli) => survey::commands::cli::run(cli),
        Err(error) => {
            let _ = error.print();
            ExitCode::from(if error.use_stderr() {
                survey::commands::EXIT_USAGE
            } else {
                survey::commands::EXIT_OK
            })
        }
    }
}
