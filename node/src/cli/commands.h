// Registration of the `cess` subcommands; each family lives in its own file.
#pragma once

namespace CLI {
class App;
}

namespace cess::cli {

void AddEcCommands(CLI::App& app);      // ec encode | ec decode       (ec_cmd.cc)
void AddHashCommands(CLI::App& app);    // hash fid                    (hash_cmd.cc)
void AddCryptoCommands(CLI::App& app);  // vrf prove | vrf verify, key gen (crypto_cmd.cc)
void AddFlCommands(CLI::App& app);      // fl simulate | fl aggregate  (fl_cmd.cc)

}  // namespace cess::cli
