// Time behind an injected interface (style guide §11), so routing, cooldowns and metering can be
// tested with a fake clock.
#pragma once

#include <atomic>
#include <cstdint>

namespace cess::agenthub {

// Thread safety: implementations must be safe to call from several threads at once.
class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic microseconds since an arbitrary epoch; never decreases.
  virtual int64_t NowMicros() const = 0;
  // Wall-clock microseconds since the Unix epoch (for HTTP dates and batch timestamps).
  virtual int64_t WallMicros() const = 0;
};

// std::chrono::steady_clock and system_clock.
class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override;
  int64_t WallMicros() const override;
};

// The process-wide SystemClock.
const Clock& RealClock();

// A clock that moves only when told to. Both readings advance together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_micros = 1'000'000, int64_t wall_start_micros = 1'700'000'000'000'000)
      : now_(start_micros), wall_offset_(wall_start_micros - start_micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  int64_t WallMicros() const override { return now_.load() + wall_offset_; }
  // Moves time forward by `micros` (may be 0).
  void Advance(int64_t micros) { now_.fetch_add(micros); }
  void AdvanceMs(int64_t ms) { Advance(ms * 1000); }

 private:
  std::atomic<int64_t> now_;
  const int64_t wall_offset_;
};

}  // namespace cess::agenthub
