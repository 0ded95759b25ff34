// Status <-> grpc::Status mapping shared by the enclave's server and client (not public).
#pragma once

#include <grpcpp/support/status.h>

#include "cess/core/status.h"

namespace cess::enclave::internal {

// The gRPC status for `s` (OK for OK), keeping the message.
grpc::Status ToGrpc(const Status& s);
// The Status for a gRPC status, prefixing the message with `what`.
Status FromGrpc(const grpc::Status& s, const std::string& what);

}  // namespace cess::enclave::internal
