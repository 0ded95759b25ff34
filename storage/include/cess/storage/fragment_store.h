// A storage miner's fragment store (DESIGN.md §5, §9): fragment files on disk plus a RocksDB index.
//
// On disk, under `dir`:
//   fragments/<first 2 hex digits>/<64 hex digits of the fragment hash>        the fragment bytes
//   fragments/<first 2 hex digits>/<64 hex digits of the fragment hash>.tags   its PoDR² tags
//   index/                                                                     RocksDB
// The index maps a fragment hash to FragmentInfo (size, the FIDs referencing it, tags present).
//
// Crash safety: a Put writes a temporary file, fsyncs it, renames it into place, fsyncs the
// folder, then writes the index entry with a synced WAL, and only then returns OK. So every
// acknowledged fragment survives kill -9 or power loss byte for byte. A batch (BeginBatch) does
// the same for many fragments with one group commit: every temporary file is written as it
// arrives, then all are fsynced, renamed and their folders fsynced once each, then one synced
// index write covers them all, and only then is the batch acknowledged. Open() recovers from a crash
// at any point: it removes leftover temporary files, drops index entries whose file is missing or
// has the wrong size, and deletes fragment or tag files the index does not know.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::storage {

// What the index knows about one fragment.
struct FragmentInfo {
  Hash256 hash{};
  uint64_t size = 0;
  std::vector<Hash256> fids;  // files referencing the fragment, sorted, distinct, never empty
  bool has_tags = false;
};

struct FragmentStoreOptions {
  // true: every acknowledged write is fsynced (file, folder, index WAL) and survives power loss.
  // false: writes reach the OS before they are acknowledged but are not fsynced, so they survive
  // a process crash (kill -9) but not a power loss or kernel crash; for benchmarks and tests that
  // want to measure or skip the disk's sync latency. Default true.
  bool sync = true;
  // true: Open creates all 256 fragment sub-folders (once; later Opens find them), so a Put never
  // creates a folder. false: a Put creates its sub-folder when missing (and fsyncs the parent
  // when `sync`); for short-lived stores in tests, where 256 mkdirs per Open dominate. Default true.
  bool precreate_folders = true;
};

struct FragmentStoreStats {
  uint64_t used_bytes = 0;      // sum of the sizes of stored fragments (tags not counted)
  uint64_t capacity_bytes = 0;  // as given to Open
  uint64_t fragment_count = 0;
};

// Thread-safe: every method may be called from several threads at once. Operations on the same
// fragment hash are serialized; different hashes proceed in parallel.
class FragmentBatch;

class FragmentStore {
 public:
  ~FragmentStore();
  FragmentStore(const FragmentStore&) = delete;
  FragmentStore& operator=(const FragmentStore&) = delete;

  // Opens (creating when absent) the store in `dir` with room for `capacity_bytes` of fragments,
  // and recovers from any earlier crash (see the file comment). A capacity below what is already
  // stored is accepted; new Puts then fail until Deletes free room. Only one process may open a
  // directory at a time (RocksDB's lock). Errors: IoError when the folder or index cannot be
  // opened or recovery cannot delete a file; Corruption when an index entry cannot be decoded.
  static Result<std::unique_ptr<FragmentStore>> Open(const std::string& dir, uint64_t capacity_bytes,
                                                     const FragmentStoreOptions& options = {});

  // Stores `bytes` as fragment `hash` referenced by file `fid`, durably (see the file comment),
  // returning only once it is on disk. If the fragment is already stored, only the reference is
  // added (no bytes written, no capacity used; OK also when the reference exists).
  // Errors: InvalidArgument when SHA-256(bytes) != hash (nothing is written); ResourceExhausted
  // when storing would exceed the capacity; IoError from the disk or index.
  Status Put(const Hash256& fid, const Hash256& hash, ByteSpan bytes);

  // Starts a group commit of fragments of one file (see the file comment and FragmentBatch).
  // The batch must not outlive the store.
  std::unique_ptr<FragmentBatch> BeginBatch();

  // The bytes of fragment `hash`. With `verify`, also checks SHA-256(bytes) == hash.
  // Errors: NotFound when not stored; Corruption when the verified hash or the size differs
  // (bit rot, tampering); IoError.
  Result<Bytes> Get(const Hash256& hash, bool verify = true) const;

  // `length` bytes at `offset` of fragment `hash` (for proofs). Errors: NotFound; OutOfRange
  // when offset + length exceeds the fragment size; IoError.
  Result<Bytes> ReadBlock(const Hash256& hash, uint64_t offset, uint64_t length) const;

  // Drops file `fid`'s reference to fragment `hash`; when no reference is left, removes the
  // fragment and its tags and frees its capacity. Errors: NotFound when the fragment or the
  // reference does not exist; IoError.
  Status Delete(const Hash256& fid, const Hash256& hash);

  // Stores the PoDR² tags of fragment `hash` (replacing earlier ones) as durably as Put.
  // Errors: NotFound when the fragment is not stored; IoError.
  Status PutTags(const Hash256& hash, ByteSpan tags);

  // The tags stored by PutTags. Errors: NotFound when the fragment or its tags are absent; IoError.
  Result<Bytes> GetTags(const Hash256& hash) const;

  // The index entry of fragment `hash`. Errors: NotFound; Corruption; IoError.
  Result<FragmentInfo> Info(const Hash256& hash) const;

  // Every stored fragment, ordered by hash. Errors: Corruption; IoError.
  Result<std::vector<FragmentInfo>> List() const;

  // Used and total capacity and fragment count.
  FragmentStoreStats Stats() const;

  const std::string& dir() const;

 private:
  class Impl;
  friend class FragmentBatch;
  explicit FragmentStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A group commit of fragments of one file: Add writes each fragment as it arrives (not yet
// durable, not yet visible), Commit makes them all durable and visible at once. Destroying an
// uncommitted batch (or a failed Commit) removes its temporary files and frees what it reserved;
// nothing of it is then stored. Not thread-safe: one thread drives a batch; batches and single
// Puts of the same store may run in parallel (operations on one hash are serialized at Commit).
class FragmentBatch {
 public:
  ~FragmentBatch();
  FragmentBatch(const FragmentBatch&) = delete;
  FragmentBatch& operator=(const FragmentBatch&) = delete;

  // Checks SHA-256(bytes) == hash, reserves capacity and writes the bytes to a temporary file,
  // starting its write-back. A hash already in this batch is accepted again and only counted; a
  // fragment the store already holds needs no room and its bytes are not written.
  // Errors: InvalidArgument when the hash does not match (the batch stays usable: nothing of this
  // fragment was kept); ResourceExhausted when the store has no room for it; IoError;
  // FailedPrecondition after Commit.
  Status Add(const Hash256& hash, ByteSpan bytes);

  // Makes every added fragment durable and indexed with file `fid`'s reference (the file may be
  // named only now: an uploader can push before it knows the FID); fragments the
  // store already held only gain the reference (their bytes are not written again). Returns, per
  // distinct added hash in the order first added, whether it was already stored. On error nothing
  // of the batch is stored. Errors: IoError; Unavailable when a fragment that was stored at Add
  // was deleted since (send the batch again); FailedPrecondition when called twice.
  Result<std::vector<bool>> Commit(const Hash256& fid);

  // The distinct hashes added so far, in the order first added.
  std::vector<Hash256> hashes() const;

  // Distinct hashes added so far.
  size_t size() const;

 private:
  friend class FragmentStore;
  struct Entry;
  explicit FragmentBatch(FragmentStore::Impl& store);
  void Abort();
  FragmentStore::Impl& store_;
  std::vector<Entry> entries_;
  uint64_t reserved_ = 0;
  bool done_ = false;
};

}  // namespace cess::storage
