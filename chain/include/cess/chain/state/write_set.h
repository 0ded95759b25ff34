// Staging a block's state writes: the WriteSet (puts and deletes by key), the StateReader interface
// every view of the state implements, and the Overlay that reads through staged writes to the state
// beneath it. Runtime modules read and write an Overlay; FinalizeBlock hands its WriteSet to
// StateStore::ComputeRoot and Commit hands it to StateStore::Commit.
#pragma once

#include <functional>
#include <map>
#include <utility>
#include <optional>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain::state {

// Orders byte strings bytewise (unsigned, shorter prefix first), as RocksDB's default comparator
// does, so overlay and committed keys merge in one order. Transparent: compares Bytes and ByteSpan.
struct BytesLess {
  using is_transparent = void;
  bool operator()(ByteSpan a, ByteSpan b) const;
};

// True when `key` starts with `prefix`.
bool HasPrefix(ByteSpan key, ByteSpan prefix);

// Called once per key of a scan, in key order; return false to stop the scan early. The spans are
// valid only during the call.
using ScanFn = std::function<bool(ByteSpan key, ByteSpan value)>;

// A readable view of the state: the committed store, or an overlay on top of another view.
class StateReader {
 public:
  virtual ~StateReader() = default;
  // The value under `key`, or nullopt when there is none. Errors: Corruption / IoError from storage.
  virtual Result<std::optional<Bytes>> Get(ByteSpan key) const = 0;
  // Calls `fn` for every key starting with `prefix` (all keys when empty), in bytewise key order,
  // until it returns false. Errors: Corruption / IoError from storage (fn may have seen some keys).
  virtual Status ScanPrefix(ByteSpan prefix, const ScanFn& fn) const = 0;
};

// A set of staged writes: for each key the last write, a put (value) or a delete (nullopt).
// Value type; copyable and movable. Thread safety: none.
class WriteSet {
 public:
  using Map = std::map<Bytes, std::optional<Bytes>, BytesLess>;

  // Stages `key` -> `value`, replacing any earlier write to `key`.
  void Put(ByteSpan key, ByteSpan value);
  // Stages the removal of `key` (a no-op at commit if it is absent), replacing any earlier write.
  void Delete(ByteSpan key);
  // The staged write for `key`: nullptr when none, else a put (value) or a delete (nullopt).
  const std::optional<Bytes>* Find(ByteSpan key) const;
  // Applies `later` on top of this set: its writes replace this set's writes to the same keys.
  void Merge(const WriteSet& later);
  void Merge(WriteSet&& later);
  // Drops every staged write.
  void Clear() { writes_.clear(); }

  // The staged writes in key order.
  const Map& entries() const { return writes_; }
  size_t size() const { return writes_.size(); }
  bool empty() const { return writes_.empty(); }

  friend bool operator==(const WriteSet&, const WriteSet&) = default;

 private:
  Map writes_;
};

// Staged writes on top of a base view. Reads see the overlay's writes first, then the base; a
// delete in the overlay hides the base's value. Overlays stack (a transaction's overlay on top of
// the block's), and a finished transaction's writes go down with Apply.
// The base is not owned and must outlive the overlay; the base must not change while the overlay
// is used if reads are to be consistent. Thread safety: none.
class Overlay final : public StateReader {
 public:
  // An empty overlay on top of `base` (the store, or any other view).
  explicit Overlay(const StateReader& base) : base_(base) {}
  // Not copyable (a copy would silently fork the staged writes); stack with Child() instead.
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;

  // A new, empty overlay whose base is this one (e.g. a transaction's on top of the block's).
  // This overlay must outlive it.
  Overlay Child() const { return Overlay(static_cast<const StateReader&>(*this)); }

  // StateReader: the overlay's write for `key` if any, else the base's value.
  Result<std::optional<Bytes>> Get(ByteSpan key) const override;
  // StateReader: the base's keys and the overlay's puts under `prefix`, merged in key order, with
  // the overlay's value winning on equal keys and the overlay's deletes hiding base keys.
  Status ScanPrefix(ByteSpan prefix, const ScanFn& fn) const override;

  // Stages a put or a delete (see WriteSet).
  void Put(ByteSpan key, ByteSpan value) { writes_.Put(key, value); }
  void Delete(ByteSpan key) { writes_.Delete(key); }
  // Applies `later` (e.g. the writes of a successful transaction's overlay) on top.
  void Apply(const WriteSet& later) { writes_.Merge(later); }
  // Drops the staged writes (e.g. when a transaction fails): reads see the base again.
  void Discard() { writes_.Clear(); }

  // The writes staged so far.
  const WriteSet& writes() const { return writes_; }
  // Moves the staged writes out; the overlay is empty afterwards.
  WriteSet TakeWrites() { return std::exchange(writes_, WriteSet()); }

 private:
  const StateReader& base_;
  WriteSet writes_;
};

}  // namespace cess::chain::state
