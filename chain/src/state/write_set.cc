// WriteSet and Overlay: staged writes and reads through them.
#include "cess/chain/state/write_set.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace cess::chain::state {

bool BytesLess::operator()(ByteSpan a, ByteSpan b) const {
  size_t n = std::min(a.size(), b.size());
  int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  return c != 0 ? c < 0 : a.size() < b.size();
}

bool HasPrefix(ByteSpan key, ByteSpan prefix) {
  return key.size() >= prefix.size() &&
         (prefix.empty() || std::memcmp(key.data(), prefix.data(), prefix.size()) == 0);
}

void WriteSet::Put(ByteSpan key, ByteSpan value) {
  auto it = writes_.find(key);
  if (it == writes_.end()) {
    writes_.emplace(Bytes(key.begin(), key.end()), Bytes(value.begin(), value.end()));
  } else {
    it->second = Bytes(value.begin(), value.end());
  }
}

void WriteSet::Delete(ByteSpan key) {
  auto it = writes_.find(key);
  if (it == writes_.end()) {
    writes_.emplace(Bytes(key.begin(), key.end()), std::nullopt);
  } else {
    it->second = std::nullopt;
  }
}

const std::optional<Bytes>* WriteSet::Find(ByteSpan key) const {
  auto it = writes_.find(key);
  return it == writes_.end() ? nullptr : &it->second;
}

void WriteSet::Merge(const WriteSet& later) {
  for (const auto& [key, value] : later.writes_) writes_.insert_or_assign(key, value);
}

void WriteSet::Merge(WriteSet&& later) {
  if (writes_.empty()) {
    writes_ = std::move(later.writes_);
  } else {
    for (auto& [key, value] : later.writes_) writes_.insert_or_assign(key, std::move(value));
  }
  later.writes_.clear();
}

Result<std::optional<Bytes>> Overlay::Get(ByteSpan key) const {
  if (const std::optional<Bytes>* w = writes_.Find(key)) return *w;
  return base_.Get(key);
}

Status Overlay::ScanPrefix(ByteSpan prefix, const ScanFn& fn) const {
  const WriteSet::Map& w = writes_.entries();
  auto it = w.lower_bound(prefix);
  auto in_range = [&] { return it != w.end() && HasPrefix(it->first, prefix); };
  bool stopped = false;
  BytesLess less;
  Status s = base_.ScanPrefix(prefix, [&](ByteSpan key, ByteSpan value) {
    // Overlay keys before this base key.
    for (; in_range() && less(it->first, key); ++it) {
      if (it->second && !fn(it->first, *it->second)) {
        stopped = true;
        return false;
      }
    }
    bool keep_going = true;
    if (in_range() && !less(key, it->first)) {  // the overlay writes this very key
      if (it->second) keep_going = fn(it->first, *it->second);
      ++it;
    } else {
      keep_going = fn(key, value);
    }
    stopped = !keep_going;
    return keep_going;
  });
  CESS_RETURN_IF_ERROR(s);
  if (stopped) return Status::Ok();
  for (; in_range(); ++it) {
    if (it->second && !fn(it->first, *it->second)) break;
  }
  return Status::Ok();
}

}  // namespace cess::chain::state
