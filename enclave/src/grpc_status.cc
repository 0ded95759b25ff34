#include "grpc_status.h"

#include <string>

namespace cess::enclave::internal {

grpc::Status ToGrpc(const Status& s) {
  using G = grpc::StatusCode;
  G code = G::UNKNOWN;
  switch (s.code()) {
    case StatusCode::kOk:
      return grpc::Status::OK;
    case StatusCode::kInvalidArgument:
      code = G::INVALID_ARGUMENT;
      break;
    case StatusCode::kNotFound:
      code = G::NOT_FOUND;
      break;
    case StatusCode::kAlreadyExists:
      code = G::ALREADY_EXISTS;
      break;
    case StatusCode::kCorruption:
      code = G::DATA_LOSS;
      break;
    case StatusCode::kIoError:
      code = G::INTERNAL;
      break;
    case StatusCode::kUnavailable:
      code = G::UNAVAILABLE;
      break;
    case StatusCode::kFailedPrecondition:
      code = G::FAILED_PRECONDITION;
      break;
    case StatusCode::kOutOfRange:
      code = G::OUT_OF_RANGE;
      break;
    case StatusCode::kPermissionDenied:
      code = G::PERMISSION_DENIED;
      break;
    case StatusCode::kResourceExhausted:
      code = G::RESOURCE_EXHAUSTED;
      break;
    case StatusCode::kDeadlineExceeded:
      code = G::DEADLINE_EXCEEDED;
      break;
    case StatusCode::kUnimplemented:
      code = G::UNIMPLEMENTED;
      break;
    case StatusCode::kInternal:
      code = G::INTERNAL;
      break;
  }
  return grpc::Status(code, s.message());
}

Status FromGrpc(const grpc::Status& s, const std::string& what) {
  using G = grpc::StatusCode;
  StatusCode code = StatusCode::kInternal;
  switch (s.error_code()) {
    case G::OK:
      return Status::Ok();
    case G::INVALID_ARGUMENT:
      code = StatusCode::kInvalidArgument;
      break;
    case G::NOT_FOUND:
      code = StatusCode::kNotFound;
      break;
    case G::ALREADY_EXISTS:
      code = StatusCode::kAlreadyExists;
      break;
    case G::DATA_LOSS:
      code = StatusCode::kCorruption;
      break;
    case G::UNAVAILABLE:
      code = StatusCode::kUnavailable;
      break;
    case G::FAILED_PRECONDITION:
      code = StatusCode::kFailedPrecondition;
      break;
    case G::OUT_OF_RANGE:
      code = StatusCode::kOutOfRange;
      break;
    case G::PERMISSION_DENIED:
      code = StatusCode::kPermissionDenied;
      break;
    case G::UNAUTHENTICATED:
      code = StatusCode::kPermissionDenied;
      break;
    case G::RESOURCE_EXHAUSTED:
      code = StatusCode::kResourceExhausted;
      break;
    case G::DEADLINE_EXCEEDED:
      code = StatusCode::kDeadlineExceeded;
      break;
    case G::UNIMPLEMENTED:
      code = StatusCode::kUnimplemented;
      break;
    case G::CANCELLED:
      code = StatusCode::kUnavailable;
      break;
    default:
      code = StatusCode::kInternal;
      break;
  }
  return Status(code, what + ": " + s.error_message());
}

}  // namespace cess::enclave::internal
