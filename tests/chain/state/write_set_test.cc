// WriteSet and Overlay: last write wins, merges, reads through, prefix scans merged in key order.
#include "cess/chain/state/write_set.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "state_test_util.h"

namespace cess::chain::state {
namespace {

using testing::Model;
using testing::Str;

// A committed state held in a map.
class MapReader final : public StateReader {
 public:
  Result<std::optional<Bytes>> Get(ByteSpan key) const override {
    auto it = data.find(Bytes(key.begin(), key.end()));
    if (it == data.end()) return std::optional<Bytes>();
    return std::optional<Bytes>(it->second);
  }
  Status ScanPrefix(ByteSpan prefix, const ScanFn& fn) const override {
    for (auto it = data.lower_bound(Bytes(prefix.begin(), prefix.end())); it != data.end(); ++it) {
      if (!HasPrefix(it->first, prefix)) break;
      if (!fn(it->first, it->second)) break;
    }
    return Status::Ok();
  }
  Model data;
};

std::vector<std::pair<Bytes, Bytes>> Scan(const StateReader& r, ByteSpan prefix, size_t limit = SIZE_MAX) {
  std::vector<std::pair<Bytes, Bytes>> out;
  Status s = r.ScanPrefix(prefix, [&](ByteSpan k, ByteSpan v) {
    out.emplace_back(Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end()));
    return out.size() < limit;
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

std::vector<std::pair<Bytes, Bytes>> ModelScan(const Model& m, ByteSpan prefix, size_t limit = SIZE_MAX) {
  std::vector<std::pair<Bytes, Bytes>> out;
  for (const auto& [k, v] : m) {
    if (HasPrefix(k, prefix) && out.size() < limit) out.emplace_back(k, v);
  }
  return out;
}

TEST(BytesLessTest, OrdersBytewiseUnsignedWithPrefixesFirst) {
  BytesLess less;
  EXPECT_TRUE(less(Str("a"), Str("ab")));
  EXPECT_FALSE(less(Str("ab"), Str("a")));
  EXPECT_TRUE(less(Bytes{0x7f}, Bytes{0x80}));  // unsigned
  EXPECT_TRUE(less(Bytes{}, Bytes{0x00}));
  EXPECT_FALSE(less(Str("x"), Str("x")));
  EXPECT_TRUE(HasPrefix(Str("abc"), Str("ab")));
  EXPECT_TRUE(HasPrefix(Str("abc"), Bytes{}));
  EXPECT_FALSE(HasPrefix(Str("a"), Str("ab")));
}

TEST(WriteSetTest, LastWriteWinsAndMergeAppliesLaterWrites) {
  WriteSet w;
  w.Put(Str("a"), Str("1"));
  w.Delete(Str("a"));
  w.Put(Str("b"), Str("2"));
  w.Put(Str("b"), Str("3"));
  w.Delete(Str("c"));
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(*w.Find(Str("a")), std::nullopt);
  EXPECT_EQ(*w.Find(Str("b")), Str("3"));
  EXPECT_EQ(w.Find(Str("z")), nullptr);

  WriteSet later;
  later.Put(Str("a"), Str("4"));
  later.Delete(Str("b"));
  WriteSet copy = w;
  w.Merge(later);
  EXPECT_EQ(*w.Find(Str("a")), Str("4"));
  EXPECT_EQ(*w.Find(Str("b")), std::nullopt);
  EXPECT_EQ(*w.Find(Str("c")), std::nullopt);
  copy.Merge(std::move(later));
  EXPECT_EQ(copy, w);
  w.Clear();
  EXPECT_TRUE(w.empty());
}

TEST(OverlayTest, ReadsThroughToTheBaseAndDeletesHideIt) {
  MapReader base;
  base.data[Str("a")] = Str("base-a");
  base.data[Str("b")] = Str("base-b");
  Overlay o(base);
  o.Put(Str("a"), Str("new-a"));
  o.Delete(Str("b"));
  o.Put(Str("c"), Str("new-c"));
  EXPECT_EQ(*o.Get(Str("a")), Str("new-a"));
  EXPECT_EQ(*o.Get(Str("b")), std::nullopt);
  EXPECT_EQ(*o.Get(Str("c")), Str("new-c"));
  EXPECT_EQ(*o.Get(Str("d")), std::nullopt);
  // A transaction overlay on top: discarded, then applied.
  Overlay tx = o.Child();
  tx.Put(Str("b"), Str("tx-b"));
  EXPECT_EQ(*tx.Get(Str("b")), Str("tx-b"));
  tx.Discard();
  EXPECT_EQ(*tx.Get(Str("b")), std::nullopt);
  tx.Put(Str("d"), Str("tx-d"));
  o.Apply(tx.writes());
  EXPECT_EQ(*o.Get(Str("d")), Str("tx-d"));
  WriteSet taken = o.TakeWrites();
  EXPECT_EQ(taken.size(), 4u);
  EXPECT_EQ(*o.Get(Str("a")), Str("base-a"));
}

TEST(OverlayTest, PrefixScanMergesOverlayAndBaseInKeyOrder) {
  MapReader base;
  for (const char* k : {"acct/1", "acct/3", "acct/5", "acct/7", "bal/1", "acct"}) base.data[Str(k)] = Str(k);
  Overlay o(base);
  o.Put(Str("acct/0"), Str("o0"));  // before every base key
  o.Put(Str("acct/3"), Str("o3"));  // replaces a base key
  o.Delete(Str("acct/5"));          // hides a base key
  o.Put(Str("acct/6"), Str("o6"));  // between base keys
  o.Put(Str("acct/9"), Str("o9"));  // after every base key
  o.Delete(Str("acct/8"));          // deletes an absent key
  o.Put(Str("bal/2"), Str("o-bal"));
  auto got = Scan(o, Str("acct/"));
  std::vector<std::pair<Bytes, Bytes>> want = {{Str("acct/0"), Str("o0")}, {Str("acct/1"), Str("acct/1")},
                                               {Str("acct/3"), Str("o3")}, {Str("acct/6"), Str("o6")},
                                               {Str("acct/7"), Str("acct/7")}, {Str("acct/9"), Str("o9")}};
  EXPECT_EQ(got, want);
  // Early stop, at an overlay key, at a base key and in the tail.
  for (size_t limit = 1; limit <= want.size(); ++limit) {
    EXPECT_EQ(Scan(o, Str("acct/"), limit), std::vector(want.begin(), want.begin() + limit));
  }
  EXPECT_EQ(Scan(o, Bytes{}).size(), 9u);  // acct, 6 acct/ keys, bal/1, bal/2
}

TEST(OverlayTest, RandomStackedOverlaysMatchAModel) {
  std::mt19937_64 rng(17);
  for (int round = 0; round < 50; ++round) {
    MapReader base;
    Model model;
    auto key = [&] {
      static const char* kPrefixes[] = {"a/", "b/", "a/x", "", "c"};
      return Str(std::string(kPrefixes[rng() % 5]) + std::to_string(rng() % 30));
    };
    for (int i = 0; i < 40; ++i) {
      Bytes k = key(), v = testing::RandomBytes(rng, 4);
      base.data[k] = v;
      model[k] = v;
    }
    Overlay block(base);
    Overlay tx = block.Child();
    for (int i = 0; i < 60; ++i) {
      Overlay& target = rng() % 2 ? block : tx;
      Bytes k = key();
      if (rng() % 3 == 0) {
        target.Delete(k);
      } else {
        target.Put(k, testing::RandomBytes(rng, 4));
      }
    }
    // The model is base, then block's writes, then tx's writes.
    for (const WriteSet* ws : {&block.writes(), &tx.writes()}) {
      for (const auto& [k, v] : ws->entries()) {
        if (v) {
          model[k] = *v;
        } else {
          model.erase(k);
        }
      }
    }
    for (const char* prefix : {"", "a/", "a/x", "b/", "c", "zz"}) {
      size_t limit = 1 + rng() % 20;
      EXPECT_EQ(Scan(tx, Str(prefix)), ModelScan(model, Str(prefix))) << "prefix " << prefix;
      EXPECT_EQ(Scan(tx, Str(prefix), limit), ModelScan(model, Str(prefix), limit));
    }
    for (int i = 0; i < 30; ++i) {
      Bytes k = key();
      auto it = model.find(k);
      EXPECT_EQ(*tx.Get(k), it == model.end() ? std::nullopt : std::optional<Bytes>(it->second));
    }
  }
}

}  // namespace
}  // namespace cess::chain::state
