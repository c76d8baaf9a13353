//! All terminal output goes through one [`Printer`]: it knows whether colour is wanted and
//! whether to be quiet. Data goes to stdout, messages to stderr; control and bidi-override
//! characters in messages are replaced, as the renderers replace them in names.

use std::io::{IsTerminal, Write};

use crate::core::render::sanitize_message;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy)]
pub struct Printer {
    /// Colour on stdout.
    pub color_stdout: bool,
    /// Colour on stderr.
    pub color_stderr: bool,
    pub quiet: bool,
    /// Progress bars are for people at a terminal, never for CI logs.
    pub progress: bool,
    /// Running as a GitHub Actions step: workflow commands are understood.
    pub in_actions: bool,
}

impl Printer {
    /// Decides colour from the choice, `NO_COLOR` (any non-empty value) and whether each stream is
    /// a terminal.
    pub fn new(choice: ColorChoice, quiet: bool, env: impl Fn(&str) -> Option<String>) -> Self {
        let no_color = env("NO_COLOR").is_some_and(|value| !value.is_empty());
        let ci = env("CI").is_some_and(|value| !value.is_empty() && value != "false");
        let decide = |is_terminal: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && !no_color,
        };
        let stderr_terminal = std::io::stderr().is_terminal();
        Self {
            color_stdout: decide(std::io::stdout().is_terminal()),
            color_stderr: decide(stderr_terminal),
            quiet,
            progress: stderr_terminal && !ci && !quiet,
            in_actions: env("GITHUB_ACTIONS").as_deref() == Some("true"),
        }
    }

    /// Writes data to stdout. A closed pipe (`gasguard … | head`) is not an error worth a message.
    pub fn data(&self, text: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
    }

    /// A status message on stderr, unless quiet.
    pub fn status(&self, text: &str) {
        if !self.quiet {
            eprintln!("{}", sanitize_message(text));
        }
    }

    /// A workflow command (`::error …`, `::add-mask::…`) for the Actions runner, which reads them
    /// from stderr as well as stdout; stderr keeps stdout for data. Nothing outside Actions, where
    /// the lines would only be noise (and a mask line would show its secret).
    pub fn workflow_command(&self, line: &str) {
        if self.in_actions {
            eprintln!("{line}");
        }
    }

    /// Masks the secret parts of a node URL in the rest of the job's log.
    pub fn mask_url(&self, url: &str) {
        for part in crate::redact::UrlSecrets::parts_of(url) {
            for line in crate::github::workflow::add_mask_commands(&part) {
                self.workflow_command(&line);
            }
        }
    }

    /// Masks a secret value (a token) in the rest of the job's log.
    pub fn mask_secret(&self, secret: &str) {
        for line in crate::github::workflow::add_mask_commands(secret) {
            self.workflow_command(&line);
        }
    }

    /// A warning on stderr, unless quiet (`-q` prints only data and errors).
    pub fn warn(&self, text: &str) {
        if self.quiet {
            return;
        }
        let text = sanitize_message(text);
        if self.color_stderr {
            eprintln!("\x1b[1;33mwarning\x1b[0m: {text}");
        } else {
            eprintln!("warning: {text}");
        }
    }

    /// An error on stderr, always.
    pub fn error(&self, text: &str) {
        let text = sanitize_message(text);
        if self.color_stderr {
            eprintln!("\x1b[1;31merror\x1b[0m: {text}");
        } else {
            eprintln!("error: {text}");
        }
    }
}
