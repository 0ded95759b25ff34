// cess-enclave: the TEE worker process (DESIGN.md §5, docs/enclave.md). Holds the network's PoDR²
// secret key and an Ed25519 attestation key, sealed in <data-dir>/sealed.bin, and answers gRPC
// (proto/storage/enclave.proto) on a unix socket. Prints one line
//   ready fingerprint=<podr2 key fingerprint hex> attestation_key=<hex> listen=<address>
// on stdout when it is serving; exits 0 on SIGTERM/SIGINT, 2 on a bad flag or an unopenable key
// store, 1 when it cannot listen.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "cess/core/log.h"
#include "cess/enclave/enclave_service.h"
#include "cess/enclave/sealed_store.h"
#include "cess/enclave/server.h"

namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnSignal(int) { g_stop.store(true); }

int Fail(int code, const cess::Status& status) {
  std::fprintf(stderr, "cess-enclave: error: %s\n", status.ToString().c_str());
  cess::log::Flush();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cess-enclave: the TEE worker (sealed PoDR² and attestation keys, tags over a unix socket)"};
  std::string data_dir, listen, secret_file, log_file, log_level = "info";
  int podr2_bits = 2048;
  app.add_option("--data-dir", data_dir, "directory of sealed.bin (created when missing)")->required();
  app.add_option("--listen", listen, "listen address (default unix:<data-dir>/enclave.sock)");
  app.add_option("--secret-file", secret_file,
                 "local sealing secret, created (32 random bytes, mode 0600) on first start "
                 "(default <data-dir>/local.secret; keep it elsewhere in production)");
  app.add_option("--podr2-bits", podr2_bits, "modulus size of a newly generated PoDR² key")
      ->check(CLI::Range(512, 8192));
  app.add_option("--log-file", log_file, "append log lines to this file instead of stderr");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help prints and exits 0; a bad flag exits 2
  }

  if (auto level = cess::log::ParseLevel(log_level); level.ok()) {
    cess::log::SetLevel(*level);
  } else {
    return Fail(2, level.status());
  }
  if (!log_file.empty()) {
    if (auto s = cess::log::LogToFile(log_file); !s.ok()) return Fail(2, s);
  }
  if (listen.empty()) listen = "unix:" + data_dir + "/enclave.sock";
  if (secret_file.empty()) secret_file = data_dir + "/local.secret";

  struct sigaction sa;
  std::memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  cess::enclave::SealedOpen how = cess::enclave::SealedOpen::kUnsealed;
  auto keys = cess::enclave::OpenOrCreate(
      {.data_dir = data_dir, .secret_file = secret_file, .podr2_bits = podr2_bits}, &how);
  if (!keys.ok()) return Fail(2, keys.status());
  cess::enclave::EnclaveService service(std::move(keys).value());
  const auto& info = service.Info();
  auto server = cess::enclave::EnclaveServer::Start(listen, &service);
  if (!server.ok()) return Fail(1, server.status());
  std::printf("ready fingerprint=%s attestation_key=%s listen=%s keys=%s\n",
              cess::ToHex(info.podr2_key_fingerprint).c_str(), cess::ToHex(info.attestation_key).c_str(),
              listen.c_str(), how == cess::enclave::SealedOpen::kCreated ? "created" : "unsealed");
  std::fflush(stdout);
  while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  (*server)->Shutdown();
  cess::log::Flush();
  return 0;
}
