// StateStore on RocksDB: data, tree nodes and the head record in column families, one synced
// WriteBatch per commit.
#include "cess/chain/state/state_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <shared_mutex>
#include <utility>

#include "cess/core/codec.h"

namespace cess::chain::state {

namespace {

constexpr char kDataCf[] = "state.data";
constexpr char kSmtCf[] = "state.smt";
constexpr char kMetaCf[] = "state.meta";
constexpr std::string_view kReservedCfPrefix = "state.";
constexpr char kHeadKey[] = "head";
constexpr uint32_t kFormatVersion = 1;

rocksdb::Slice ToSlice(ByteSpan b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
ByteSpan ToSpan(const rocksdb::Slice& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
Bytes ToBytes(const rocksdb::Slice& s) { return Bytes(s.data(), s.data() + s.size()); }

// Maps a RocksDB status to ours, prefixing `what` failed.
Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsNotFound()) return Status::NotFound(std::move(msg));
  if (s.IsNoSpace()) return Status::ResourceExhausted(std::move(msg));
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut()) return Status::Unavailable(std::move(msg));
  return Status::IoError(std::move(msg));
}

// The head record: what was committed last.
struct Head {
  bool has_committed = false;
  uint64_t height = 0;
  Hash256 root = kEmptyHash;
  uint64_t num_keys = 0;

  void Encode(codec::Writer& w) const {
    w.PutU32(kFormatVersion);
    w.PutBool(has_committed);
    w.PutU64(height);
    w.PutFixed(root);
    w.PutU64(num_keys);
  }
  static Result<Head> Decode(codec::Reader& r) {
    CESS_ASSIGN_OR_RETURN(uint32_t version, r.ReadU32());
    if (version != kFormatVersion) {
      return Status::Corruption("state head: unknown format version " + std::to_string(version));
    }
    Head h;
    CESS_ASSIGN_OR_RETURN(h.has_committed, r.ReadBool());
    CESS_ASSIGN_OR_RETURN(h.height, r.ReadU64());
    CESS_ASSIGN_OR_RETURN(h.root, r.ReadArray<32>());
    CESS_ASSIGN_OR_RETURN(h.num_keys, r.ReadU64());
    return h;
  }
};

// Tree nodes read from the smt column family, at a snapshot when one is given.
class RocksNodeSource final : public SmtNodeSource {
 public:
  RocksNodeSource(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snapshot)
      : db_(db), cf_(cf) {
    options_.snapshot = snapshot;
  }

  Result<SmtNode> Load(const Hash256& hash) const override {
    rocksdb::PinnableSlice value;
    rocksdb::Status s = db_->Get(options_, cf_, ToSlice(hash), &value);
    if (s.IsNotFound()) return Status::Corruption("smt: node " + ToHex(hash) + " is missing");
    if (!s.ok()) return FromRocks(s, "smt: reading node " + ToHex(hash));
    return SmtNode::DecodeVerified(hash, ToSpan(value));
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  rocksdb::ReadOptions options_;
};

// A RocksDB snapshot released on scope exit.
class ScopedSnapshot {
 public:
  explicit ScopedSnapshot(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {}
  ~ScopedSnapshot() { db_->ReleaseSnapshot(snapshot_); }
  ScopedSnapshot(const ScopedSnapshot&) = delete;
  ScopedSnapshot& operator=(const ScopedSnapshot&) = delete;
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

Status CheckAuxName(std::string_view name) {
  if (name.empty() || name.starts_with(kReservedCfPrefix)) {
    return Status::InvalidArgument("state: column family name '" + std::string(name) + "' is reserved or empty");
  }
  return Status::Ok();
}

// Scans `cf` under `prefix` at `snapshot` (none: the latest state).
Status ScanColumnFamily(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snapshot,
                        ByteSpan prefix, const ScanFn& fn) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
  for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
    ByteSpan key = ToSpan(it->key());
    if (!HasPrefix(key, prefix)) break;
    if (!fn(key, ToSpan(it->value()))) return Status::Ok();
  }
  if (!it->status().ok()) return FromRocks(it->status(), "state: scanning");
  return Status::Ok();
}

}  // namespace

struct StateStore::Impl {
  std::string dir;
  StateStoreOptions options;
  rocksdb::ColumnFamilyOptions cf_options;
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* data = nullptr;
  rocksdb::ColumnFamilyHandle* smt = nullptr;
  rocksdb::ColumnFamilyHandle* meta = nullptr;

  mutable std::shared_mutex aux_mu;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> aux;  // guarded by aux_mu

  mutable std::shared_mutex head_mu;
  Head head;  // guarded by head_mu

  std::mutex commit_mu;  // serializes Commit

  ~Impl() {
    if (db == nullptr) return;
    for (auto* h : {data, smt, meta}) {
      if (h != nullptr) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    for (auto& [name, h] : aux) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    db->Close().PermitUncheckedError();
    delete db;
  }

  Head CurrentHead() const {
    std::shared_lock lock(head_mu);
    return head;
  }

  // The head record at `snapshot`; nullopt when none was ever written.
  Result<std::optional<Head>> ReadHead(const rocksdb::Snapshot* snapshot) const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    rocksdb::PinnableSlice value;
    rocksdb::Status s = db->Get(ro, meta, kHeadKey, &value);
    if (s.IsNotFound()) return std::optional<Head>();
    if (!s.ok()) return FromRocks(s, "state: reading the head record");
    Result<Head> h = codec::Decode<Head>(ToSpan(value));
    if (!h.ok()) return h.status().WithContext("state: head record");
    return std::optional<Head>(*h);
  }

  // The handle of auxiliary column family `name`, or nullptr when it does not exist.
  rocksdb::ColumnFamilyHandle* FindAux(std::string_view name) const {
    std::shared_lock lock(aux_mu);
    auto it = aux.find(name);
    return it == aux.end() ? nullptr : it->second;
  }

  Result<rocksdb::ColumnFamilyHandle*> GetOrCreateAux(const std::string& name) {
    std::unique_lock lock(aux_mu);
    auto it = aux.find(name);
    if (it != aux.end()) return it->second;
    rocksdb::ColumnFamilyHandle* h = nullptr;
    rocksdb::Status s = db->CreateColumnFamily(cf_options, name, &h);
    if (!s.ok()) return FromRocks(s, "state: creating column family " + name);
    aux.emplace(name, h);
    return h;
  }

  Result<bool> IsEmpty(rocksdb::ColumnFamilyHandle* cf) const {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
    it->SeekToFirst();
    if (!it->status().ok()) return FromRocks(it->status(), "state: scanning");
    return !it->Valid();
  }
};

StateStore::StateStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StateStore::~StateStore() = default;

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& dir, const StateStoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("state: creating " + dir + ": " + ec.message());

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  impl->cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<std::string> names;
  if (std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) {
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, dir, &names);
    if (!s.ok()) return FromRocks(s, "state: listing column families in " + dir);
  }
  for (const char* name : {rocksdb::kDefaultColumnFamilyName.c_str(), kDataCf, kSmtCf, kMetaCf}) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) descriptors.emplace_back(name, impl->cf_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, descriptors, &handles, &impl->db);
  if (!s.ok()) return FromRocks(s, "state: opening " + dir);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == kDataCf) {
      impl->data = handles[i];
    } else if (names[i] == kSmtCf) {
      impl->smt = handles[i];
    } else if (names[i] == kMetaCf) {
      impl->meta = handles[i];
    } else {
      impl->aux.emplace(names[i], handles[i]);
    }
  }

  CESS_ASSIGN_OR_RETURN(std::optional<Head> head, impl->ReadHead(nullptr));
  if (!head) {
    CESS_ASSIGN_OR_RETURN(bool data_empty, impl->IsEmpty(impl->data));
    CESS_ASSIGN_OR_RETURN(bool smt_empty, impl->IsEmpty(impl->smt));
    if (!data_empty || !smt_empty) return Status::Corruption("state: data or tree nodes without a head record");
    head = Head();
  } else if (head->root == kEmptyHash) {
    if (head->num_keys != 0) return Status::Corruption("state: empty root with a nonzero key count");
  } else {
    RocksNodeSource nodes(impl->db, impl->smt, nullptr);
    Result<SmtNode> root = nodes.Load(head->root);
    if (!root.ok()) return root.status().WithContext("state: root node");
  }
  impl->head = *head;

  auto store = std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
  if (options.verify_full_on_open) CESS_RETURN_IF_ERROR(store->VerifyIntegrity());
  return store;
}

Result<std::optional<Bytes>> StateStore::Get(ByteSpan key) const {
  rocksdb::PinnableSlice value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->data, ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<Bytes>();
  if (!s.ok()) return FromRocks(s, "state: reading a key");
  return std::optional<Bytes>(ToBytes(value));
}

Status StateStore::ScanPrefix(ByteSpan prefix, const ScanFn& fn) const {
  return ScanColumnFamily(impl_->db, impl_->data, nullptr, prefix, fn);
}

Hash256 StateStore::root() const { return impl_->CurrentHead().root; }

uint64_t StateStore::height() const { return impl_->CurrentHead().height; }

bool StateStore::has_committed() const { return impl_->CurrentHead().has_committed; }

uint64_t StateStore::num_keys() const { return impl_->CurrentHead().num_keys; }

Result<StagedCommit> StateStore::Stage(const WriteSet& writes) const {
  StagedCommit staged;
  std::vector<SmtUpdate> updates;
  updates.reserve(writes.size());
  for (const auto& [key, value] : writes.entries()) {
    SmtUpdate u{KeyPath(key), std::nullopt};
    if (value) u.value_hash = ValueHash(*value);
    updates.push_back(u);
    staged.stats_.input_hashes += value ? 2 : 1;
  }
  // Read the head and the nodes from one snapshot, so that a concurrent commit cannot remove nodes
  // under the walk.
  ScopedSnapshot snapshot(impl_->db);
  CESS_ASSIGN_OR_RETURN(std::optional<Head> head, impl_->ReadHead(snapshot.get()));
  Head base = head.value_or(Head());
  RocksNodeSource nodes(impl_->db, impl_->smt, snapshot.get());
  CESS_ASSIGN_OR_RETURN(staged.tree_, ApplyUpdates(nodes, base.root, std::move(updates)));
  if (static_cast<int64_t>(base.num_keys) + staged.tree_.leaf_delta < 0) {
    return Status::Corruption("state: the key count would become negative");
  }
  staged.base_root_ = base.root;
  staged.num_keys_after_ = static_cast<uint64_t>(static_cast<int64_t>(base.num_keys) + staged.tree_.leaf_delta);
  staged.writes_ = writes;
  staged.stats_.keys_written = writes.size();
  staged.stats_.smt = staged.tree_.stats;
  staged.stats_.nodes_written = staged.tree_.new_nodes.size();
  staged.stats_.nodes_deleted = staged.tree_.stale_nodes.size();
  return staged;
}

Result<Hash256> StateStore::ComputeRoot(const WriteSet& writes) const {
  CESS_ASSIGN_OR_RETURN(StagedCommit staged, Stage(writes));
  return staged.new_root();
}

Status StateStore::Commit(StagedCommit staged, uint64_t height, std::span<const AuxWrite> aux) {
  for (const AuxWrite& w : aux) CESS_RETURN_IF_ERROR(CheckAuxName(w.column_family));
  std::lock_guard commit_lock(impl_->commit_mu);
  Head cur = impl_->CurrentHead();
  if (staged.base_root_ != cur.root) {
    return Status::FailedPrecondition("state: staged against root " + ToHex(staged.base_root_) +
                                      ", the current root is " + ToHex(cur.root));
  }
  if (cur.has_committed && height <= cur.height) {
    return Status::FailedPrecondition("state: commit at height " + std::to_string(height) +
                                      " after height " + std::to_string(cur.height));
  }
  std::vector<rocksdb::ColumnFamilyHandle*> aux_handles;
  aux_handles.reserve(aux.size());
  for (const AuxWrite& w : aux) {
    CESS_ASSIGN_OR_RETURN(rocksdb::ColumnFamilyHandle * h, impl_->GetOrCreateAux(w.column_family));
    aux_handles.push_back(h);
  }

  rocksdb::WriteBatch batch;
  auto check = [](const rocksdb::Status& s) {
    return s.ok() ? Status::Ok() : FromRocks(s, "state: building the write batch");
  };
  for (const auto& [key, value] : staged.writes_.entries()) {
    CESS_RETURN_IF_ERROR(check(value ? batch.Put(impl_->data, ToSlice(key), ToSlice(*value))
                                     : batch.Delete(impl_->data, ToSlice(key))));
  }
  for (const auto& [hash, node] : staged.tree_.new_nodes) {
    auto encoded = node.Encode();
    CESS_RETURN_IF_ERROR(check(batch.Put(impl_->smt, ToSlice(hash), ToSlice(encoded))));
  }
  for (const Hash256& hash : staged.tree_.stale_nodes) {
    CESS_RETURN_IF_ERROR(check(batch.Delete(impl_->smt, ToSlice(hash))));
  }
  Head next{true, height, staged.tree_.root, staged.num_keys_after_};
  Bytes head_bytes = codec::Encode(next);
  CESS_RETURN_IF_ERROR(check(batch.Put(impl_->meta, kHeadKey, ToSlice(head_bytes))));
  for (size_t i = 0; i < aux.size(); ++i) {
    const AuxWrite& w = aux[i];
    CESS_RETURN_IF_ERROR(check(w.value ? batch.Put(aux_handles[i], ToSlice(w.key), ToSlice(*w.value))
                                       : batch.Delete(aux_handles[i], ToSlice(w.key))));
  }

  rocksdb::WriteOptions wo;
  wo.sync = impl_->options.sync;
  rocksdb::Status s = impl_->db->Write(wo, &batch);
  if (!s.ok()) return FromRocks(s, "state: committing height " + std::to_string(height));
  std::unique_lock head_lock(impl_->head_mu);
  impl_->head = next;
  return Status::Ok();
}

Status StateStore::Commit(const WriteSet& writes, uint64_t height, std::span<const AuxWrite> aux) {
  CESS_ASSIGN_OR_RETURN(StagedCommit staged, Stage(writes));
  return Commit(std::move(staged), height, aux);
}

Result<StateProof> StateStore::Prove(ByteSpan key) const {
  ScopedSnapshot snapshot(impl_->db);
  CESS_ASSIGN_OR_RETURN(std::optional<Head> head, impl_->ReadHead(snapshot.get()));
  Head h = head.value_or(Head());
  StateProof out;
  out.root = h.root;
  out.height = h.height;
  Hash256 path = KeyPath(key);
  RocksNodeSource nodes(impl_->db, impl_->smt, snapshot.get());
  CESS_ASSIGN_OR_RETURN(out.proof, ProvePath(nodes, h.root, path));

  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.get();
  rocksdb::PinnableSlice value;
  rocksdb::Status s = impl_->db->Get(ro, impl_->data, ToSlice(key), &value);
  if (s.ok()) {
    out.value = ToBytes(value);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "state: reading a key");
  }
  // The data and the tree must agree.
  bool in_tree = out.proof.leaf && out.proof.leaf->path == path;
  if (in_tree != out.value.has_value() || (in_tree && out.proof.leaf->value_hash != ValueHash(*out.value))) {
    return Status::Corruption("state: the stored value of key path " + ToHex(path) + " disagrees with the tree");
  }
  return out;
}

Result<std::optional<Bytes>> StateStore::GetAux(std::string_view column_family, ByteSpan key) const {
  CESS_RETURN_IF_ERROR(CheckAuxName(column_family));
  rocksdb::ColumnFamilyHandle* cf = impl_->FindAux(column_family);
  if (cf == nullptr) return std::optional<Bytes>();
  rocksdb::PinnableSlice value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), cf, ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<Bytes>();
  if (!s.ok()) return FromRocks(s, "state: reading an auxiliary record");
  return std::optional<Bytes>(ToBytes(value));
}

Status StateStore::ScanAux(std::string_view column_family, ByteSpan prefix, const ScanFn& fn) const {
  CESS_RETURN_IF_ERROR(CheckAuxName(column_family));
  rocksdb::ColumnFamilyHandle* cf = impl_->FindAux(column_family);
  if (cf == nullptr) return Status::Ok();
  return ScanColumnFamily(impl_->db, cf, nullptr, prefix, fn);
}

Status StateStore::VerifyIntegrity() const {
  ScopedSnapshot snapshot(impl_->db);
  CESS_ASSIGN_OR_RETURN(std::optional<Head> head, impl_->ReadHead(snapshot.get()));
  Head h = head.value_or(Head());

  // The leaves the data implies, in path order.
  std::vector<SmtLeaf> expected;
  CESS_RETURN_IF_ERROR(ScanColumnFamily(impl_->db, impl_->data, snapshot.get(), {}, [&](ByteSpan k, ByteSpan v) {
    expected.push_back({KeyPath(k), ValueHash(v)});
    return true;
  }));
  std::sort(expected.begin(), expected.end(),
            [](const SmtLeaf& a, const SmtLeaf& b) { return a.path < b.path; });

  size_t next = 0;
  RocksNodeSource nodes(impl_->db, impl_->smt, snapshot.get());
  auto on_leaf = [&](const SmtLeaf& leaf) -> Status {
    if (next >= expected.size() || !(expected[next] == leaf)) {
      return Status::Corruption("state: tree leaf " + ToHex(leaf.path) + " does not match the stored data");
    }
    ++next;
    return Status::Ok();
  };
  CESS_ASSIGN_OR_RETURN(SmtTreeInfo info, VerifyTree(nodes, h.root, on_leaf));
  if (next != expected.size()) {
    return Status::Corruption("state: " + std::to_string(expected.size() - next) + " stored keys are not in the tree");
  }
  if (info.leaves != h.num_keys) {
    return Status::Corruption("state: the head counts " + std::to_string(h.num_keys) + " keys, the tree holds " +
                              std::to_string(info.leaves));
  }
  uint64_t stored_nodes = 0;
  CESS_RETURN_IF_ERROR(ScanColumnFamily(impl_->db, impl_->smt, snapshot.get(), {}, [&](ByteSpan, ByteSpan) {
    ++stored_nodes;
    return true;
  }));
  if (stored_nodes != info.nodes) {
    return Status::Corruption("state: " + std::to_string(stored_nodes) + " tree nodes stored, " +
                              std::to_string(info.nodes) + " reachable from the root");
  }
  return Status::Ok();
}

}  // namespace cess::chain::state
