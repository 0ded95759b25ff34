// Result<T>: either a value of type T or an error Status.
#pragma once

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "cess/core/status.h"

namespace cess {

// Holds a T on success or a non-OK Status on failure. Accessing value() of an error is a bug
// (checked: it aborts with the status printed) — check ok() first.
template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> makes no sense");

 public:
  // Success.
  Result(const T& value) : v_(value) {}  // NOLINT(google-explicit-constructor)
  Result(T&& value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  // Failure. REQUIRES: !status.ok() (an OK status becomes an internal error).
  Result(Status status)  // NOLINT(google-explicit-constructor)
      : v_(status.ok() ? Status::Internal("Result constructed from OK status") : std::move(status)) {}

  bool ok() const noexcept { return std::holds_alternative<T>(v_); }
  // The error, or OK when this holds a value.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

  T& value() & { CheckOk(); return std::get<T>(v_); }
  const T& value() const& { CheckOk(); return std::get<T>(v_); }
  T&& value() && { CheckOk(); return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // The value, or `fallback` on error.
  T value_or(T fallback) const& { return ok() ? std::get<T>(v_) : std::move(fallback); }

 private:
  void CheckOk() const {
    if (!ok()) {
      std::fprintf(stderr, "Result::value() on error: %s\n", std::get<Status>(v_).ToString().c_str());
      std::abort();
    }
  }
  std::variant<T, Status> v_;
};

}  // namespace cess

#define CESS_CONCAT_INNER_(a, b) a##b
#define CESS_CONCAT_(a, b) CESS_CONCAT_INNER_(a, b)
// `CESS_ASSIGN_OR_RETURN(auto x, F());` assigns the value of a Result or returns its Status.
#define CESS_ASSIGN_OR_RETURN(lhs, expr) \
  CESS_ASSIGN_OR_RETURN_IMPL_(CESS_CONCAT_(cess_result_tmp_, __LINE__), lhs, expr)
#define CESS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
