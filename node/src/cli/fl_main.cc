// `cess-fl`: the federated-learning commands of `cess` (fl simulate | fl aggregate), in their own
// binary because they link LibTorch, whose hundreds of shared libraries would otherwise be loaded
// (0.6 s) by every `cess` command. `cess fl ARGS` runs `cess-fl fl ARGS` (fl_forward.cc).
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"cess: the CESS AI-LINK platform command line"};
  app.name("cess");
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for all subcommands");
  cess::cli::AddFlCommands(app);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
