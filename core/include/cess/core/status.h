// Status: the result of an operation that can fail, carrying a code and a message.
//
// Header-only so that the standalone kernels build (`cmake -S kernels`) can use it without
// linking cess_core. OK is cheap: no allocation.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace cess {

// A small, stable set of error classes. Add a code only when callers must branch on it.
enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,    // the caller passed something malformed or out of range
  kNotFound,           // a named thing does not exist
  kAlreadyExists,      // a create found the thing already there
  kCorruption,         // stored or received bytes fail a hash, signature or format check
  kIoError,            // the OS refused a file or socket operation
  kUnavailable,        // a device, peer or service is not reachable now; may succeed later
  kFailedPrecondition, // the system is not in a state where the call can run
  kOutOfRange,         // a read past the end, an index past a bound
  kPermissionDenied,   // the caller may not do this
  kResourceExhausted,  // out of memory, disk, quota
  kDeadlineExceeded,   // a timeout expired
  kUnimplemented,      // the operation is not supported by this backend or build
  kInternal,           // a broken invariant; a bug
};

// Returns a stable lowercase name for `code`, e.g. "invalid_argument".
constexpr std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "already_exists";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kIoError: return "io_error";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kFailedPrecondition: return "failed_precondition";
    case StatusCode::kOutOfRange: return "out_of_range";
    case StatusCode::kPermissionDenied: return "permission_denied";
    case StatusCode::kResourceExhausted: return "resource_exhausted";
    case StatusCode::kDeadlineExceeded: return "deadline_exceeded";
    case StatusCode::kUnimplemented: return "unimplemented";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

// A Status is either OK or an error code with a message. Copyable and movable.
// Thread safety: distinct objects may be used concurrently; a shared one only for reading.
class [[nodiscard]] Status {
 public:
  // Creates an OK status.
  Status() noexcept = default;
  // Creates a status with `code` and `message`. REQUIRES: code != kOk or message empty.
  Status(StatusCode code, std::string message)
      : state_(code == StatusCode::kOk ? nullptr
                                       : std::make_shared<const State>(State{code, std::move(message)})) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {StatusCode::kAlreadyExists, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IoError(std::string msg) { return {StatusCode::kIoError, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) { return {StatusCode::kFailedPrecondition, std::move(msg)}; }
  static Status OutOfRange(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) { return {StatusCode::kPermissionDenied, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) { return {StatusCode::kResourceExhausted, std::move(msg)}; }
  static Status DeadlineExceeded(std::string msg) { return {StatusCode::kDeadlineExceeded, std::move(msg)}; }
  static Status Unimplemented(std::string msg) { return {StatusCode::kUnimplemented, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const noexcept { return state_ == nullptr; }
  StatusCode code() const noexcept { return state_ ? state_->code : StatusCode::kOk; }
  // The message; empty for OK.
  const std::string& message() const noexcept {
    static const std::string kEmpty;
    return state_ ? state_->message : kEmpty;
  }
  // "ok" or "<code>: <message>".
  std::string ToString() const {
    if (ok()) return "ok";
    std::string s(StatusCodeName(code()));
    s += ": ";
    s += message();
    return s;
  }
  // Returns a copy whose message is "<prefix>: <message>"; OK stays OK.
  Status WithContext(std::string_view prefix) const {
    if (ok()) return *this;
    std::string m(prefix);
    m += ": ";
    m += message();
    return Status(code(), std::move(m));
  }

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }
  friend std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::shared_ptr<const State> state_;  // null means OK
};

}  // namespace cess

// Evaluates `expr` (a Status); returns it from the enclosing function when it is an error.
#define CESS_RETURN_IF_ERROR(expr)                   \
  do {                                               \
    ::cess::Status cess_status_tmp_ = (expr);        \
    if (!cess_status_tmp_.ok()) return cess_status_tmp_; \
  } while (0)
