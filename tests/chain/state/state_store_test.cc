// StateStore on a real RocksDB in a temp dir: roots against the reference over random commits,
// reopen, commit rules, auxiliary records, staged-but-uncommitted writes, scans, proofs, corruption.
#include "cess/chain/state/state_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <memory>
#include <random>
#include <string>

#include "state_test_util.h"

namespace cess::chain::state {
namespace {

using testing::Model;
using testing::RandomBytes;
using testing::ReferenceSmt;
using testing::Str;
using testing::TempDir;

std::unique_ptr<StateStore> OpenOrDie(const std::string& dir, StateStoreOptions options = {}) {
  Result<std::unique_ptr<StateStore>> s = StateStore::Open(dir, options);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? std::move(s).value() : nullptr;
}

StateStoreOptions FullCheck() {
  StateStoreOptions o;
  o.verify_full_on_open = true;
  return o;
}

Bytes KeyN(int n) { return Str("k/" + std::to_string(n)); }

Model ScanAll(const StateReader& r, ByteSpan prefix = {}) {
  Model out;
  Status s = r.ScanPrefix(prefix, [&](ByteSpan k, ByteSpan v) {
    out.emplace(Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end()));
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

void ApplyToModel(const WriteSet& w, Model& m) {
  for (const auto& [k, v] : w.entries()) {
    if (v) {
      m[k] = *v;
    } else {
      m.erase(k);
    }
  }
}

TEST(StateStoreTest, AFreshStoreIsEmpty) {
  TempDir tmp;
  auto store = OpenOrDie(tmp.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->root(), kEmptyHash);
  EXPECT_EQ(store->height(), 0u);
  EXPECT_FALSE(store->has_committed());
  EXPECT_EQ(store->num_keys(), 0u);
  EXPECT_EQ(*store->Get(Str("x")), std::nullopt);
  EXPECT_TRUE(store->VerifyIntegrity().ok());
}

TEST(StateStoreTest, RandomCommitsMatchTheReferenceAndSurviveReopen) {
  TempDir tmp;
  std::mt19937_64 rng(42);
  Model model;
  auto store = OpenOrDie(tmp.path());
  ASSERT_NE(store, nullptr);
  for (uint64_t height = 0; height < 80; ++height) {
    WriteSet w;
    size_t n = height == 0 ? 500 : 1 + rng() % 60;
    for (size_t i = 0; i < n; ++i) {
      Bytes k = KeyN(static_cast<int>(rng() % 700));
      if (rng() % 10 < 6) {
        w.Put(k, RandomBytes(rng, rng() % 50));
      } else {
        w.Delete(k);  // often absent
      }
    }
    Result<Hash256> predicted = store->ComputeRoot(w);
    ASSERT_TRUE(predicted.ok()) << predicted.status();
    ApplyToModel(w, model);
    ASSERT_EQ(ToHex(*predicted), ToHex(ReferenceSmt::Root(model))) << "height " << height;
    ASSERT_TRUE(store->Commit(w, height).ok());
    ASSERT_EQ(store->root(), *predicted);
    ASSERT_EQ(store->height(), height);
    ASSERT_EQ(store->num_keys(), model.size());
    if (height % 10 == 9) {
      ASSERT_TRUE(store->VerifyIntegrity().ok()) << store->VerifyIntegrity();
      EXPECT_EQ(ScanAll(*store), model);
    }
    if (height % 25 == 24) {  // close and reopen with the full check
      Hash256 root = store->root();
      store.reset();
      store = OpenOrDie(tmp.path(), FullCheck());
      ASSERT_NE(store, nullptr);
      EXPECT_EQ(store->root(), root);
      EXPECT_EQ(store->height(), height);
      EXPECT_TRUE(store->has_committed());
    }
  }
  for (const auto& [k, v] : model) ASSERT_EQ(*store->Get(k), v);
  EXPECT_EQ(*store->Get(KeyN(100000)), std::nullopt);

  // Deleting everything returns to the empty root and removes every node.
  WriteSet wipe;
  for (const auto& [k, v] : model) wipe.Delete(k);
  ASSERT_TRUE(store->Commit(wipe, 1000).ok());
  EXPECT_EQ(store->root(), kEmptyHash);
  EXPECT_EQ(store->num_keys(), 0u);
  EXPECT_TRUE(store->VerifyIntegrity().ok());
  store.reset();
  store = OpenOrDie(tmp.path(), FullCheck());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->root(), kEmptyHash);
  EXPECT_EQ(store->height(), 1000u);
}

TEST(StateStoreTest, CommitRulesLeaveTheStoreUnchangedOnError) {
  TempDir tmp;
  auto store = OpenOrDie(tmp.path());
  ASSERT_NE(store, nullptr);
  WriteSet w;
  w.Put(Str("a"), Str("1"));
  ASSERT_TRUE(store->Commit(w, 5).ok());
  Hash256 root = store->root();

  WriteSet w2;
  w2.Put(Str("a"), Str("2"));
  EXPECT_EQ(store->Commit(w2, 5).code(), StatusCode::kFailedPrecondition);  // height not increasing
  EXPECT_EQ(store->Commit(w2, 4).code(), StatusCode::kFailedPrecondition);
  std::vector<AuxWrite> bad_aux = {{"state.data", Str("x"), Str("y")}};
  EXPECT_EQ(store->Commit(w2, 6, bad_aux).code(), StatusCode::kInvalidArgument);
  bad_aux = {{"", Str("x"), Str("y")}};
  EXPECT_EQ(store->Commit(w2, 6, bad_aux).code(), StatusCode::kInvalidArgument);

  // A staged commit is refused once another commit moved the root.
  Result<StagedCommit> staged = store->Stage(w2);
  ASSERT_TRUE(staged.ok());
  WriteSet w3;
  w3.Put(Str("b"), Str("3"));
  ASSERT_TRUE(store->Commit(w3, 6).ok());
  Hash256 root3 = store->root();
  EXPECT_EQ(store->Commit(std::move(staged).value(), 7).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->root(), root3);
  EXPECT_EQ(store->height(), 6u);
  EXPECT_EQ(*store->Get(Str("a")), Str("1"));
  EXPECT_NE(root, root3);
}

// An interrupted commit: the block's writes were staged and its root computed, and then the node
// stopped before Commit. The reopened store holds the old state, whole.
TEST(StateStoreTest, StagedButUncommittedWritesLeaveNoTrace) {
  TempDir tmp;
  Hash256 committed_root;
  {
    auto store = OpenOrDie(tmp.path());
    ASSERT_NE(store, nullptr);
    WriteSet w;
    for (int i = 0; i < 100; ++i) w.Put(KeyN(i), Str("v1"));
    ASSERT_TRUE(store->Commit(w, 1).ok());
    committed_root = store->root();
    WriteSet next;
    for (int i = 50; i < 150; ++i) next.Put(KeyN(i), Str("v2"));
    Result<StagedCommit> staged = store->Stage(next);
    ASSERT_TRUE(staged.ok());
    EXPECT_NE(staged->new_root(), committed_root);
    EXPECT_EQ(staged->base_root(), committed_root);
    EXPECT_EQ(staged->num_keys_after(), 150u);
    EXPECT_EQ(store->root(), committed_root);  // staging writes nothing
    EXPECT_EQ(*store->Get(KeyN(120)), std::nullopt);
  }  // closed without committing
  auto store = OpenOrDie(tmp.path(), FullCheck());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->root(), committed_root);
  EXPECT_EQ(store->height(), 1u);
  EXPECT_EQ(store->num_keys(), 100u);
  EXPECT_EQ(*store->Get(KeyN(60)), Str("v1"));
}

TEST(StateStoreTest, AuxiliaryRecordsCommitWithTheStateAndPersist) {
  TempDir tmp;
  {
    auto store = OpenOrDie(tmp.path());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->GetAux("blocks", Str("1")), std::nullopt);  // never written
    for (uint64_t h = 1; h <= 3; ++h) {
      WriteSet w;
      w.Put(Str("height"), Str(std::to_string(h)));
      std::vector<AuxWrite> aux = {{"blocks", Str("b" + std::to_string(h)), Str("block " + std::to_string(h))},
                                   {"justifications", Str("j" + std::to_string(h)), Str("votes")}};
      if (h == 3) aux.push_back({"blocks", Str("b1"), std::nullopt});  // pruned
      ASSERT_TRUE(store->Commit(w, h, aux).ok());
    }
    EXPECT_EQ(*store->GetAux("blocks", Str("b2")), Str("block 2"));
    EXPECT_EQ(store->GetAux("state.smt", Str("x")).status().code(), StatusCode::kInvalidArgument);
  }
  auto store = OpenOrDie(tmp.path(), FullCheck());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->GetAux("blocks", Str("b1")), std::nullopt);
  EXPECT_EQ(*store->GetAux("blocks", Str("b3")), Str("block 3"));
  EXPECT_EQ(*store->GetAux("justifications", Str("j1")), Str("votes"));
  std::vector<Bytes> keys;
  ASSERT_TRUE(store->ScanAux("blocks", Str("b"), [&](ByteSpan k, ByteSpan) {
                     keys.emplace_back(k.begin(), k.end());
                     return true;
                   }).ok());
  EXPECT_EQ(keys, (std::vector<Bytes>{Str("b2"), Str("b3")}));
  EXPECT_EQ(*store->Get(Str("height")), Str("3"));
}

TEST(StateStoreTest, OverlayOnTheStoreScansMergedInKeyOrder) {
  TempDir tmp;
  std::mt19937_64 rng(23);
  auto store = OpenOrDie(tmp.path());
  ASSERT_NE(store, nullptr);
  Model model;
  auto key = [&] { return Str(std::string(rng() % 2 ? "bal/" : "stake/") + std::to_string(rng() % 200)); };
  for (uint64_t h = 1; h <= 10; ++h) {
    WriteSet w;
    for (int i = 0; i < 40; ++i) {
      if (rng() % 4 == 0) {
        w.Delete(key());
      } else {
        w.Put(key(), RandomBytes(rng, 6));
      }
    }
    ApplyToModel(w, model);
    ASSERT_TRUE(store->Commit(w, h).ok());
    // The next block, staged in an overlay on top of the committed state.
    Overlay block(*store);
    Model expected = model;
    for (int i = 0; i < 40; ++i) {
      Bytes k = key();
      if (rng() % 3 == 0) {
        block.Delete(k);
        expected.erase(k);
      } else {
        Bytes v = RandomBytes(rng, 6);
        block.Put(k, v);
        expected[k] = v;
      }
    }
    for (const char* prefix : {"", "bal/", "stake/", "bal/1", "none"}) {
      Model want;
      for (const auto& [k, v] : expected) {
        if (HasPrefix(k, Str(prefix))) want.emplace(k, v);
      }
      EXPECT_EQ(ScanAll(block, Str(prefix)), want) << prefix;
    }
    EXPECT_EQ(ScanAll(*store), model);
    // Committing the overlay's writes gives the state the overlay showed.
    Result<Hash256> root = store->ComputeRoot(block.writes());
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, ReferenceSmt::Root(expected));
  }
}

TEST(StateStoreTest, ProofsFromTheStoreVerifyAgainstItsRoot) {
  TempDir tmp;
  std::mt19937_64 rng(31);
  auto store = OpenOrDie(tmp.path());
  ASSERT_NE(store, nullptr);
  WriteSet w;
  for (int i = 0; i < 300; ++i) w.Put(KeyN(i), RandomBytes(rng, 10));
  ASSERT_TRUE(store->Commit(w, 9).ok());
  for (int i = 0; i < 400; i += 3) {
    Bytes k = KeyN(i);
    Result<StateProof> p = store->Prove(k);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->root, store->root());
    EXPECT_EQ(p->height, 9u);
    EXPECT_EQ(p->value.has_value(), i < 300);
    std::optional<ByteSpan> value;
    if (p->value) value = ByteSpan(*p->value);
    EXPECT_TRUE(VerifyProof(store->root(), k, value, p->proof).ok());
    Bytes forged = Str("forged");
    EXPECT_FALSE(VerifyProof(store->root(), k, ByteSpan(forged), p->proof).ok());
  }
}

// Direct access to the store's RocksDB, to damage it the way a disk or a bug could.
class RawDb {
 public:
  explicit RawDb(const std::string& dir) {
    std::vector<std::string> names;
    EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> desc;
    for (const auto& n : names) desc.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    EXPECT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir, desc, &handles_, &db).ok());
    db_.reset(db);
    for (size_t i = 0; i < names.size(); ++i) by_name_[names[i]] = handles_[i];
  }
  ~RawDb() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) { return by_name_.at(name); }
  rocksdb::DB* db() { return db_.get(); }
  // The keys of a column family.
  std::vector<std::string> Keys(const std::string& name) {
    std::vector<std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(name)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->key().ToString());
    return out;
  }
  void Put(const std::string& name, const std::string& key, const std::string& value) {
    ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), cf(name), key, value).ok());
  }
  void Delete(const std::string& name, const std::string& key) {
    ASSERT_TRUE(db_->Delete(rocksdb::WriteOptions(), cf(name), key).ok());
  }
  std::string Get(const std::string& name, const std::string& key) {
    std::string v;
    EXPECT_TRUE(db_->Get(rocksdb::ReadOptions(), cf(name), key, &v).ok());
    return v;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name_;
};

class StateStoreCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenOrDie(tmp_.path());
    ASSERT_NE(store, nullptr);
    WriteSet w;
    for (int i = 0; i < 200; ++i) w.Put(KeyN(i), Str("value " + std::to_string(i)));
    ASSERT_TRUE(store->Commit(w, 1).ok());
    root_ = store->root();
    for (int i = 0; i < 200; ++i) all_.Put(KeyN(i), Str("changed"));
  }

  std::string RootKey() const { return std::string(root_.begin(), root_.end()); }
  // A tree node other than the root.
  std::string InnerNodeKey() {
    RawDb raw(tmp_.path());
    for (const std::string& k : raw.Keys("state.smt")) {
      if (k != RootKey()) return k;
    }
    return {};
  }

  // The store opens only without the full check, and every read that passes the damage reports
  // Corruption.
  void ExpectDetected() {
    EXPECT_EQ(StateStore::Open(tmp_.path(), FullCheck()).status().code(), StatusCode::kCorruption);
    auto store = OpenOrDie(tmp_.path());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->VerifyIntegrity().code(), StatusCode::kCorruption);
    EXPECT_EQ(store->Stage(all_).status().code(), StatusCode::kCorruption);
    EXPECT_EQ(store->Commit(all_, 2).code(), StatusCode::kCorruption);
    EXPECT_EQ(store->height(), 1u);
  }

  TempDir tmp_;
  Hash256 root_{};
  WriteSet all_;  // touches every key, so every node is read
};

TEST_F(StateStoreCorruptionTest, AlteredInnerNode) {
  std::string key = InnerNodeKey();
  ASSERT_FALSE(key.empty());
  {
    RawDb raw(tmp_.path());
    std::string v = raw.Get("state.smt", key);
    v[40] ^= 0x01;
    raw.Put("state.smt", key, v);
  }
  ExpectDetected();
}

TEST_F(StateStoreCorruptionTest, MissingInnerNode) {
  std::string key = InnerNodeKey();
  {
    RawDb raw(tmp_.path());
    raw.Delete("state.smt", key);
  }
  ExpectDetected();
}

TEST_F(StateStoreCorruptionTest, MissingOrAlteredRootFailsOpen) {
  {
    RawDb raw(tmp_.path());
    raw.Put("state.smt", RootKey(), "garbage");
  }
  EXPECT_EQ(StateStore::Open(tmp_.path()).status().code(), StatusCode::kCorruption);
  {
    RawDb raw(tmp_.path());
    raw.Delete("state.smt", RootKey());
  }
  EXPECT_EQ(StateStore::Open(tmp_.path()).status().code(), StatusCode::kCorruption);
}

TEST_F(StateStoreCorruptionTest, MalformedHeadFailsOpen) {
  {
    RawDb raw(tmp_.path());
    raw.Put("state.meta", "head", "short");
  }
  EXPECT_EQ(StateStore::Open(tmp_.path()).status().code(), StatusCode::kCorruption);
  {
    RawDb raw(tmp_.path());
    raw.Delete("state.meta", "head");  // data without a head
  }
  EXPECT_EQ(StateStore::Open(tmp_.path()).status().code(), StatusCode::kCorruption);
}

TEST_F(StateStoreCorruptionTest, DataThatDisagreesWithTheTree) {
  {
    RawDb raw(tmp_.path());
    raw.Put("state.data", "k/7", "tampered");
  }
  EXPECT_EQ(StateStore::Open(tmp_.path(), FullCheck()).status().code(), StatusCode::kCorruption);
  auto store = OpenOrDie(tmp_.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Prove(KeyN(7)).status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(store->Prove(KeyN(8)).ok());
}

TEST_F(StateStoreCorruptionTest, UnreachableNodeIsReported) {
  {
    RawDb raw(tmp_.path());
    SmtNode orphan = SmtNode::Leaf(KeyPath(Str("ghost")), ValueHash(Str("boo")));
    Hash256 h = orphan.Hash();
    auto e = orphan.Encode();
    raw.Put("state.smt", std::string(h.begin(), h.end()), std::string(e.begin(), e.end()));
  }
  auto store = OpenOrDie(tmp_.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->VerifyIntegrity().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace cess::chain::state
