// Frozen views of the state for ChainApplication (not a public interface).
//
// CommitPoint: one committed state of the store. When the next commit happens, the point that was
// current receives `undo` (the values it had for every key that commit wrote; nullopt = absent)
// and `next`; a view anchored at an old point reads a key from the first undo set on its way to the
// current point that names the key, else from the store. All of this is read under CommitSync::mu
// (shared), which commits take exclusively, so a view never sees a half-moved store.
#pragma once

#include <memory>
#include <shared_mutex>
#include <vector>

#include "cess/chain/runtime/chain_application.h"
#include "cess/chain/state/state_store.h"
#include "cess/chain/state/write_set.h"

namespace cess::chain::runtime {

struct CommitSync {
  explicit CommitSync(const state::StateStore& s) : store(s) {}
  const state::StateStore& store;
  mutable std::shared_mutex mu;     // shared: reads through points, root staging; exclusive: a commit
  std::atomic<uint64_t> version{0};  // bumped by every commit (under mu, exclusive)
};

struct CommitPoint {
  std::shared_ptr<const state::WriteSet> undo;  // set with `next`, under CommitSync::mu exclusive
  std::shared_ptr<CommitPoint> next;
};

// The committed state as of `point`, however far the store has moved since.
class CommittedView final : public state::StateReader {
 public:
  CommittedView(std::shared_ptr<const CommitSync> sync, std::shared_ptr<const CommitPoint> point)
      : sync_(std::move(sync)), point_(std::move(point)) {}
  Result<std::optional<Bytes>> Get(ByteSpan key) const override;
  // Collects the matching keys under the lock, then calls `fn` without it.
  Status ScanPrefix(ByteSpan prefix, const state::ScanFn& fn) const override;

 private:
  std::shared_ptr<const CommitSync> sync_;
  std::shared_ptr<const CommitPoint> point_;
};

// Write sets stacked on a base view; layers[0] is the top (newest).
class LayeredView final : public state::StateReader {
 public:
  LayeredView(std::vector<std::shared_ptr<const state::WriteSet>> layers, std::shared_ptr<const state::StateReader> base)
      : layers_(std::move(layers)), base_(std::move(base)) {}
  Result<std::optional<Bytes>> Get(ByteSpan key) const override;
  Status ScanPrefix(ByteSpan prefix, const state::ScanFn& fn) const override;

 private:
  std::vector<std::shared_ptr<const state::WriteSet>> layers_;
  std::shared_ptr<const state::StateReader> base_;
};

}  // namespace cess::chain::runtime
