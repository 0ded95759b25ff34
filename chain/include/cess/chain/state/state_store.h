// The chain's state store: the current key -> value state in RocksDB, committed by the sparse
// Merkle tree of smt.h, with one atomic, synced WriteBatch per commit (DESIGN.md §5: a kill -9
// leaves either the old or the new state, never a mix).
//
// Layout, in one RocksDB database of its own directory:
//   column family "state.data"  key -> value (the current state)
//   column family "state.smt"   node hash -> 65-byte node (exactly the nodes reachable from the root)
//   column family "state.meta"  "head" -> {format 1, has_committed, height, root, key count}
//   any other column family     auxiliary records committed together with the state (blocks,
//                               justifications, ...), written through AuxWrite
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cess/chain/state/smt.h"
#include "cess/chain/state/smt_proof.h"
#include "cess/chain/state/write_set.h"
#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain::state {

struct StateStoreOptions {
  // Walk every node and every key on Open, checking each node's hash, the tree's shape and that
  // the tree commits exactly the stored data (O(state size)). Default false: Open checks the head
  // record and the root node only; VerifyIntegrity() runs the full check on demand.
  bool verify_full_on_open = false;
  // fsync the write-ahead log on every Commit. Default true (a finalized block survives a power
  // loss). Without it a commit is still atomic and survives a killed process.
  bool sync = true;
  // RocksDB block cache in bytes, shared by all column families. Default 64 MiB.
  size_t block_cache_bytes = size_t{64} << 20;
};

// A write to an auxiliary column family, committed in the same batch as the state.
struct AuxWrite {
  std::string column_family;   // REQUIRES: not empty and not starting with "state."
  Bytes key;
  std::optional<Bytes> value;  // nullopt: delete the key
};

// Counters of one staged commit.
struct StageStats {
  size_t keys_written = 0;     // keys in the WriteSet (puts and deletes)
  uint64_t input_hashes = 0;   // SHA-256 of keys and values (two per put, one per delete)
  SmtStats smt;                // node hashes computed and nodes read by the tree update
  size_t nodes_written = 0;    // tree nodes the commit writes
  size_t nodes_deleted = 0;    // tree nodes the commit removes
};

// A WriteSet with its tree update computed against a given root, ready for StateStore::Commit.
// Move-only value. Stale once another commit changes the root (Commit then refuses it).
class StagedCommit {
 public:
  StagedCommit(StagedCommit&&) = default;
  StagedCommit& operator=(StagedCommit&&) = default;
  StagedCommit(const StagedCommit&) = delete;
  StagedCommit& operator=(const StagedCommit&) = delete;

  // The root this was computed against and the root the state has after committing it.
  const Hash256& base_root() const { return base_root_; }
  const Hash256& new_root() const { return tree_.root; }
  // The number of keys in the state after committing it.
  uint64_t num_keys_after() const { return num_keys_after_; }
  const StageStats& stats() const { return stats_; }

 private:
  friend class StateStore;
  StagedCommit() = default;

  Hash256 base_root_ = kEmptyHash;
  WriteSet writes_;
  SmtUpdateResult tree_;
  uint64_t num_keys_after_ = 0;
  StageStats stats_;
};

// A value (or its absence) with the proof that ties it to the committed root at `height`.
struct StateProof {
  Hash256 root = kEmptyHash;
  uint64_t height = 0;
  std::optional<Bytes> value;  // nullopt: the key is absent
  SmtProof proof;              // check with VerifyProof(root, key, value, proof)
};

// The committed state. Readers (Get, ScanPrefix, Prove, the accessors) may run concurrently with
// each other and with one writer; Stage and Commit may be called from several threads too (commits
// are serialized inside), but a StagedCommit is only accepted on the root it was computed against.
// Not copyable; closing (destruction) requires that no call is in progress.
class StateStore final : public StateReader {
 public:
  // Opens the store in `dir`, creating it when absent. Checks the head record and the root node
  // (and everything when options.verify_full_on_open). Errors: IoError when RocksDB cannot open
  // the directory (e.g. another process holds it); Corruption when the head record is malformed,
  // the root node is missing or fails its hash, data or nodes exist without a head, or (full
  // check) anything VerifyIntegrity reports.
  static Result<std::unique_ptr<StateStore>> Open(const std::string& dir, const StateStoreOptions& options = {});
  ~StateStore() override;
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // StateReader: the committed value under `key`, or nullopt. Errors: IoError / Corruption from
  // RocksDB.
  Result<std::optional<Bytes>> Get(ByteSpan key) const override;
  // StateReader: the committed keys under `prefix` in bytewise order, from one consistent snapshot.
  Status ScanPrefix(ByteSpan prefix, const ScanFn& fn) const override;

  // The committed state root: kEmptyHash for an empty state.
  Hash256 root() const;
  // The height of the last commit; 0 before the first one (see has_committed()).
  uint64_t height() const;
  // False until the first Commit.
  bool has_committed() const;
  // The number of keys in the committed state.
  uint64_t num_keys() const;

  // Computes the tree update of `writes` on the committed state without writing anything.
  // Cost: O(keys in writes × tree depth) hashes and node reads. Errors: Corruption / IoError when
  // a node on an updated path is missing, fails its hash or cannot be read.
  Result<StagedCommit> Stage(const WriteSet& writes) const;
  // The root the state would have after committing `writes` (Stage(writes)->new_root()).
  Result<Hash256> ComputeRoot(const WriteSet& writes) const;

  // Commits `staged` at `height`, with `aux` writes, as ONE RocksDB WriteBatch (synced unless
  // options.sync is false): data, tree nodes (new ones written, unreachable ones removed), the head
  // record and the auxiliary records change together or not at all. Creates missing auxiliary
  // column families first (an empty family left by a crash is harmless).
  // Errors (the store is unchanged): FailedPrecondition when staged.base_root() is not the current
  // root, or when height <= height() after a first commit; InvalidArgument on a bad column family
  // name; IoError when RocksDB fails the write.
  Status Commit(StagedCommit staged, uint64_t height, std::span<const AuxWrite> aux = {});
  // Stage(writes) then Commit of the result.
  Status Commit(const WriteSet& writes, uint64_t height, std::span<const AuxWrite> aux = {});

  // The committed value under `key` with its proof against the committed root, all read from one
  // snapshot. Errors: Corruption / IoError from storage.
  Result<StateProof> Prove(ByteSpan key) const;

  // An auxiliary record; nullopt when absent or when the column family was never written.
  // Errors: InvalidArgument on a bad column family name; IoError from RocksDB.
  Result<std::optional<Bytes>> GetAux(std::string_view column_family, ByteSpan key) const;
  // Calls `fn` for each auxiliary record under `prefix` in key order until it returns false.
  // Errors: as GetAux.
  Status ScanAux(std::string_view column_family, ByteSpan prefix, const ScanFn& fn) const;

  // The full check, from one snapshot: every node reachable from the root exists, hashes to its
  // name and sits in a well-formed compressed tree; the tree's leaves are exactly the stored data's
  // (SHA-256(key), SHA-256(value)) pairs; the key count matches the head; and no unreachable node
  // is stored. O(state size) time, O(keys) memory. Errors: Corruption naming the first fault;
  // IoError.
  Status VerifyIntegrity() const;

 private:
  struct Impl;
  explicit StateStore(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace cess::chain::state
