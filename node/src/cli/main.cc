#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"cess: the CESS AI-LINK platform command line"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
