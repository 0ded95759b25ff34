#include "state_views.h"

#include <utility>

namespace cess::chain::runtime {
namespace {

// A sorted list of (key, value) pairs as a StateReader (the base of a merged scan).
class SortedEntries final : public state::StateReader {
 public:
  explicit SortedEntries(std::vector<std::pair<Bytes, Bytes>> entries) : entries_(std::move(entries)) {}
  Result<std::optional<Bytes>> Get(ByteSpan) const override {
    return Status::Internal("SortedEntries: Get is not supported");
  }
  Status ScanPrefix(ByteSpan prefix, const state::ScanFn& fn) const override {
    for (const auto& [k, v] : entries_) {
      if (state::HasPrefix(k, prefix) && !fn(k, v)) break;
    }
    return Status::Ok();
  }

 private:
  std::vector<std::pair<Bytes, Bytes>> entries_;
};

// Adds the writes of `layer` under `prefix` to `merged` where `merged` has none for the key yet
// (so earlier calls win).
void AddUnder(const state::WriteSet& layer, ByteSpan prefix, state::WriteSet& merged) {
  const auto& m = layer.entries();
  for (auto it = m.lower_bound(prefix); it != m.end() && state::HasPrefix(it->first, prefix); ++it) {
    if (merged.Find(it->first) != nullptr) continue;
    if (it->second) {
      merged.Put(it->first, *it->second);
    } else {
      merged.Delete(it->first);
    }
  }
}

}  // namespace

Result<std::optional<Bytes>> CommittedView::Get(ByteSpan key) const {
  std::shared_lock lock(sync_->mu);
  for (const CommitPoint* p = point_.get(); p->next != nullptr; p = p->next.get()) {
    if (const std::optional<Bytes>* w = p->undo->Find(key)) return *w;
  }
  return sync_->store.Get(key);
}

Status CommittedView::ScanPrefix(ByteSpan prefix, const state::ScanFn& fn) const {
  state::WriteSet merged;
  std::vector<std::pair<Bytes, Bytes>> stored;
  {
    std::shared_lock lock(sync_->mu);
    for (const CommitPoint* p = point_.get(); p->next != nullptr; p = p->next.get()) AddUnder(*p->undo, prefix, merged);
    CESS_RETURN_IF_ERROR(sync_->store.ScanPrefix(prefix, [&](ByteSpan k, ByteSpan v) {
      stored.emplace_back(Bytes(k.begin(), k.end()), Bytes(v.begin(), v.end()));
      return true;
    }));
  }
  SortedEntries base(std::move(stored));
  state::Overlay overlay(base);
  overlay.Apply(merged);
  return overlay.ScanPrefix(prefix, fn);
}

Result<std::optional<Bytes>> LayeredView::Get(ByteSpan key) const {
  for (const auto& layer : layers_) {
    if (const std::optional<Bytes>* w = layer->Find(key)) return *w;
  }
  return base_->Get(key);
}

Status LayeredView::ScanPrefix(ByteSpan prefix, const state::ScanFn& fn) const {
  state::WriteSet merged;
  for (const auto& layer : layers_) AddUnder(*layer, prefix, merged);
  state::Overlay overlay(*base_);
  overlay.Apply(merged);
  return overlay.ScanPrefix(prefix, fn);
}

}  // namespace cess::chain::runtime
