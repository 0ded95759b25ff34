// `cess fl ...`: runs `cess-fl fl ...` from the folder of this binary (see fl_main.cc).
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace cess::cli {

void AddFlForwarder(CLI::App& app) {
  auto* fl = app.add_subcommand("fl", "Federated learning (AI-LINK): simulate jobs, apply robust rules (runs cess-fl)");
  fl->prefix_command();  // everything after `fl`, --help included, goes to cess-fl
  fl->set_help_flag();
  fl->set_help_all_flag();
  fl->callback([fl] {
    std::error_code ec;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
    const std::string exe = ((ec ? std::filesystem::path(".") : self.parent_path()) / "cess-fl").string();
    std::vector<std::string> args = {"cess-fl", "fl"};
    for (const std::string& a : fl->remaining()) args.push_back(a);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(nullptr);
    ::execv(exe.c_str(), argv.data());
    std::fprintf(stderr, "error: cannot run %s: %s (it is built next to cess: target cess-fl)\n", exe.c_str(),
                 std::strerror(errno));
    std::exit(1);
  });
}

}  // namespace cess::cli
