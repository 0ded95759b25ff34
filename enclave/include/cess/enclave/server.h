// The enclave's gRPC server (proto/storage/enclave.proto) over an EnclaveService.
#pragma once

#include <memory>
#include <string>

#include "cess/core/result.h"
#include "cess/enclave/enclave_service.h"

namespace cess::enclave {

class EnclaveServer {
 public:
  // Starts serving `service` (which must outlive the server) on `address`, e.g.
  // "unix:/run/cess/enclave.sock". For a unix: address a stale socket file left by a previous run
  // is removed first, and the socket is created accessible by its owner only (mode 0600).
  // Errors: InvalidArgument on an empty address; AlreadyExists when the path exists and is not a
  // socket; Unavailable when the address cannot be bound.
  static Result<std::unique_ptr<EnclaveServer>> Start(const std::string& address,
                                                      const EnclaveService* service);
  ~EnclaveServer();
  EnclaveServer(const EnclaveServer&) = delete;
  EnclaveServer& operator=(const EnclaveServer&) = delete;

  // Refuses new calls (Unavailable), lets running ones finish for up to 5 s, then cancels them and
  // stops; removes the unix socket file. Idempotent. Thread safety: call from one thread.
  void Shutdown();
  const std::string& address() const;

 private:
  struct Impl;
  explicit EnclaveServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cess::enclave
