//! The command line: clap structs (plain data), and `run`, which dispatches to the commands and
//! turns their result into an [`ExitStatus`]. Commands take resolved values, never clap types.

pub mod profile;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::printer::{ColorChoice, Printer};

/// How a command ended; `main` maps it to the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done, and the policy (if any) passed.
    Success,
    /// 1: the policy failed.
    Failure,
    /// 2: an error: bad input, a failing node or API.
    Error,
}

impl ExitStatus {
    pub fn code(self) -> i32 {
        match self {
            Self::Success => 0,
            Self::Failure => 1,
            Self::Error => 2,
        }
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "gasguard",
    version,
    about = "Gas-regression checks for Solidity contracts",
    max_term_width = 100
)]
pub struct Cli {
    /// When to use colour (`NO_COLOR` is respected with `auto`).
    #[arg(long, value_enum, default_value = "auto", global = true)]
    pub color: ColorChoice,
    /// Print only data and errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Profile the scenarios of a config and write a gas report.
    Run(RunArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The config file.
    #[arg(long, short, default_value = "gasguard.toml")]
    pub config: PathBuf,
    /// Where to write the report (`-` for stdout).
    #[arg(long, short, default_value = "gas-report.json")]
    pub out: PathBuf,
    /// Override the artifact format detection.
    #[arg(long, value_parser = ["foundry", "hardhat", "solc"])]
    pub artifacts_format: Option<String>,
    /// Where steps run: `revm` (embedded) or `rpc` (a development node); overrides `[evm] executor`.
    #[arg(long, value_parser = ["revm", "rpc"])]
    pub executor: Option<String>,
    /// The node for `--executor rpc`; overrides `[evm] rpc_url`.
    #[arg(long)]
    pub rpc_url: Option<String>,
}

/// Parses the arguments and runs the command. Clap's own errors exit 2 through `Cli::parse`.
pub fn main(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitStatus {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() { ExitStatus::Error } else { ExitStatus::Success };
        }
    };
    let printer = Printer::new(cli.color, cli.quiet, |name| std::env::var(name).ok());
    let result = match cli.command {
        Command::Run(args) => profile::run(args, &printer),
    };
    match result {
        Ok(status) => status,
        Err(error) => {
            printer.error(&format!("{error:#}"));
            ExitStatus::Error
        }
    }
}
