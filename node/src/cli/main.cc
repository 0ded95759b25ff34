// The `cess` command line.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"cess: the CESS AI-LINK platform command line"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for all subcommands");
  cess::cli::AddEcCommands(app);
  cess::cli::AddHashCommands(app);
  cess::cli::AddCryptoCommands(app);
  cess::cli::AddFlForwarder(app);
  cess::cli::AddDevnetCommands(app);
  cess::cli::AddChainCommands(app);
  cess::cli::AddTxCommands(app);
  cess::cli::AddStorageCommands(app);
  cess::cli::AddAgentCommands(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
