#include "cess/storage/segment_codec.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "cess/kernels/erasure.h"
#include "cess/kernels/hash.h"

namespace cess::storage {

namespace {

std::string Idx(uint32_t i) { return std::to_string(i); }

}  // namespace

SegmentCodec::SegmentCodec(const Layout& layout, std::unique_ptr<kernels::erasure::Codec> codec,
                           std::unique_ptr<kernels::hash::Hasher> hasher)
    : layout_(layout), codec_(std::move(codec)), hasher_(std::move(hasher)) {}

SegmentCodec::~SegmentCodec() = default;

Result<std::unique_ptr<SegmentCodec>> SegmentCodec::Create(const Layout& layout, kernels::Backend backend) {
  CESS_RETURN_IF_ERROR(layout.Validate());
  kernels::erasure::CodecOptions copts;
  copts.backend = backend;
  CESS_ASSIGN_OR_RETURN(auto codec,
                        kernels::erasure::Codec::Create(static_cast<int>(layout.data_shards),
                                                        static_cast<int>(layout.parity_shards), copts));
  kernels::hash::HasherOptions hopts;
  hopts.backend = backend;
  CESS_ASSIGN_OR_RETURN(auto hasher, kernels::hash::Hasher::Create(hopts));
  return std::unique_ptr<SegmentCodec>(new SegmentCodec(layout, std::move(codec), std::move(hasher)));
}

Status SegmentCodec::HashAll(std::span<const ByteSpan> inputs, std::span<Hash256> out) const {
  return hasher_->Sha256Batch(inputs, out);
}

Result<EncodedSegment> SegmentCodec::Encode(ByteSpan segment) const {
  if (segment.size() != layout_.segment_size) {
    return Status::InvalidArgument("segment is " + std::to_string(segment.size()) + " bytes, layout wants " +
                                   std::to_string(layout_.segment_size));
  }
  const size_t k = layout_.data_shards;
  const size_t m = layout_.parity_shards;
  const size_t f = layout_.fragment_size;
  EncodedSegment out;
  out.parity.resize(m * f);
  out.fragments.reserve(k + m);
  std::vector<MutableByteSpan> parity;
  parity.reserve(m);
  for (size_t j = 0; j < k; ++j) out.fragments.push_back(segment.subspan(j * f, f));
  for (size_t j = 0; j < m; ++j) {
    parity.emplace_back(out.parity.data() + j * f, f);
    out.fragments.emplace_back(out.parity.data() + j * f, f);
  }
  CESS_RETURN_IF_ERROR(codec_->Encode(std::span<const ByteSpan>(out.fragments.data(), k), parity));
  // One batch: the segment, then every fragment, so the hasher can spread the work over threads.
  std::vector<ByteSpan> inputs;
  inputs.reserve(k + m + 1);
  inputs.push_back(segment);
  inputs.insert(inputs.end(), out.fragments.begin(), out.fragments.end());
  std::vector<Hash256> hashes(inputs.size());
  CESS_RETURN_IF_ERROR(hasher_->Sha256Batch(inputs, hashes));
  out.info.hash = hashes[0];
  out.info.fragment_hashes.assign(hashes.begin() + 1, hashes.end());
  return out;
}

Result<Bytes> SegmentCodec::Restore(const SegmentInfo& info, std::span<const IndexedFragment> fragments,
                                    int target, bool verify_fragments) const {
  const uint32_t k = layout_.data_shards;
  const uint32_t n = layout_.fragment_count();
  const size_t f = layout_.fragment_size;
  if (info.fragment_hashes.size() != n) {
    return Status::InvalidArgument("segment info has " + std::to_string(info.fragment_hashes.size()) +
                                   " fragment hashes, layout wants " + std::to_string(n));
  }
  std::vector<const IndexedFragment*> given(n, nullptr);
  for (const IndexedFragment& fr : fragments) {
    if (fr.index >= n) return Status::InvalidArgument("fragment index " + Idx(fr.index) + " out of range");
    if (given[fr.index] != nullptr)
      return Status::InvalidArgument("fragment " + Idx(fr.index) + " given twice");
    if (fr.bytes.size() != f) {
      return Status::InvalidArgument("fragment " + Idx(fr.index) + " is " + std::to_string(fr.bytes.size()) +
                                     " bytes, want " + std::to_string(f));
    }
    given[fr.index] = &fr;
  }
  // The k lowest indices given, other than the target: data first, so the common case needs no RS.
  std::vector<uint32_t> chosen;
  for (uint32_t i = 0; i < n && chosen.size() < k; ++i) {
    if (given[i] != nullptr && static_cast<int>(i) != target) chosen.push_back(i);
  }
  if (chosen.size() < k) {
    return Status::InvalidArgument("need " + std::to_string(k) + " fragments to decode, got " +
                                   std::to_string(chosen.size()));
  }
  if (verify_fragments) {
    std::vector<ByteSpan> inputs;
    for (uint32_t i : chosen) inputs.push_back(given[i]->bytes);
    std::vector<Hash256> hashes(inputs.size());
    CESS_RETURN_IF_ERROR(hasher_->Sha256Batch(inputs, hashes));
    for (size_t c = 0; c < chosen.size(); ++c) {
      if (hashes[c] != info.fragment_hashes[chosen[c]]) {
        return Status::Corruption("fragment " + Idx(chosen[c]) + " fails its hash");
      }
    }
  }
  const bool data_only = target < 0 && chosen.back() == k - 1;
  Bytes shards((data_only ? k : n) * f);
  for (uint32_t i : chosen) std::memcpy(shards.data() + i * f, given[i]->bytes.data(), f);
  if (data_only) return shards;
  std::vector<MutableByteSpan> spans;
  spans.reserve(n);
  for (uint32_t i = 0; i < n; ++i) spans.emplace_back(shards.data() + i * f, f);
  std::vector<int> erased;
  for (uint32_t i = 0; i < n; ++i) {
    if (!std::binary_search(chosen.begin(), chosen.end(), i)) erased.push_back(static_cast<int>(i));
  }
  CESS_RETURN_IF_ERROR(codec_->Reconstruct(spans, erased));
  return shards;
}

Result<Bytes> SegmentCodec::Decode(const SegmentInfo& info, std::span<const IndexedFragment> fragments,
                                   bool verify_fragments) const {
  CESS_ASSIGN_OR_RETURN(Bytes shards, Restore(info, fragments, -1, verify_fragments));
  shards.resize(layout_.segment_size);
  Hash256 h{};
  ByteSpan seg(shards);
  CESS_RETURN_IF_ERROR(hasher_->Sha256Batch(std::span<const ByteSpan>(&seg, 1), std::span<Hash256>(&h, 1)));
  if (h != info.hash) return Status::Corruption("segment fails its hash after decoding");
  return shards;
}

Result<Bytes> SegmentCodec::RebuildFragment(const SegmentInfo& info, uint32_t target,
                                            std::span<const IndexedFragment> fragments) const {
  const uint32_t n = layout_.fragment_count();
  if (target >= n) return Status::InvalidArgument("fragment index " + Idx(target) + " out of range");
  CESS_ASSIGN_OR_RETURN(Bytes shards, Restore(info, fragments, static_cast<int>(target), true));
  const size_t f = layout_.fragment_size;
  std::array<ByteSpan, 2> inputs = {ByteSpan(shards.data(), layout_.segment_size),
                                    ByteSpan(shards.data() + target * f, f)};
  std::array<Hash256, 2> hashes{};
  CESS_RETURN_IF_ERROR(hasher_->Sha256Batch(inputs, hashes));
  if (hashes[0] != info.hash) return Status::Corruption("segment fails its hash after decoding");
  if (hashes[1] != info.fragment_hashes[target]) {
    return Status::Corruption("rebuilt fragment " + Idx(target) + " fails its hash");
  }
  return Bytes(inputs[1].begin(), inputs[1].end());
}

}  // namespace cess::storage
