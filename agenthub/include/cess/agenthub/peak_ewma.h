// Peak-EWMA latency estimate (Finagle / Linkerd / Tower style): a sample above the current value
// replaces it at once (peak-sensitive); a lower sample pulls it down with a time-based decay,
// w = exp(-elapsed / tau), value = value * w + sample * (1 - w).
#pragma once

#include <cstdint>

namespace cess::agenthub {

// Not thread-safe: the Router guards it with its own lock.
class PeakEwma {
 public:
  // `initial_micros` is the estimate before any sample (Linkerd's default_rtt, 30 ms);
  // `tau_micros` the decay constant (Linkerd: 10 s). REQUIRES: tau_micros > 0.
  PeakEwma(double initial_micros, int64_t tau_micros, int64_t now_micros)
      : value_(initial_micros), tau_(tau_micros), last_(now_micros) {}

  // Adds a latency sample observed at `now_micros` (a `now` earlier than the last update counts as
  // zero elapsed time).
  void Observe(double sample_micros, int64_t now_micros);
  // The current estimate in microseconds.
  double value() const { return value_; }

 private:
  double value_;
  int64_t tau_;
  int64_t last_;
};

}  // namespace cess::agenthub
