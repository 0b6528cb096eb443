//! `nnitp completions SHELL`: a completion script on stdout.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

/// The examples `nnitp completions --help` ends with.
pub const EXAMPLES: &str = "Examples:
  nnitp completions bash > ~/.local/share/bash-completion/completions/nnitp
  nnitp completions zsh > ~/.zfunc/_nnitp";

/// Options of `nnitp completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the completion script of the command line `C` for the shell.
pub fn run<C: CommandFactory>(args: &CompletionsArgs) {
    let mut command = C::command();
    let name = command.get_name().to_string();
    // written whole through `emit_bytes`: a reader that goes away ends the
    // process quietly
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    super::emit_bytes(&script);
}
