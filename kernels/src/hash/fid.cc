// Sha256(), CessMerkleRoot, ComputeFid and FidBuilder (DESIGN.md §4).
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "cess/kernels/hash.h"
#include "hash/sha256_ref.h"
#ifdef CESS_KERNELS_HAVE_CPU
#include "hash/sha256_cpu.h"
#endif

namespace cess::kernels::hash {
namespace {

// Segments above this size are buffered one at a time by FidBuilder, smaller ones two at a time.
constexpr size_t kFidPairBufferMaxSegment = size_t{64} << 20;

Status CheckSegmentSize(size_t segment_size) {
  if (segment_size == 0) return Status::InvalidArgument("FID segment size must be positive");
  return Status::Ok();
}

}  // namespace

Hash256 Sha256(ByteSpan data) {
#ifdef CESS_KERNELS_HAVE_CPU
  Hash256 out;
  if (internal::CpuSha256({}, data, &out).ok()) return out;
#endif
  return internal::Sha256RefDigest(data);
}

Result<Hash256> CessMerkleRoot(std::span<const Hash256> leaves) {
  if (leaves.empty()) return Status::InvalidArgument("CessMerkleRoot of no leaves");
  std::vector<Hash256> level(leaves.begin(), leaves.end());
  std::vector<Hash256> next;
  // At least one round, so a single leaf h gives SHA-256(h ‖ h).
  do {
    next.resize((level.size() + 1) / 2);
    for (size_t i = 0; i < next.size(); ++i) {
      const Hash256& left = level[2 * i];
      const Hash256& right = 2 * i + 1 < level.size() ? level[2 * i + 1] : left;  // odd: paired with itself
      uint8_t pair[64];
      std::memcpy(pair, left.data(), 32);
      std::memcpy(pair + 32, right.data(), 32);
      next[i] = Sha256(ByteSpan(pair, sizeof(pair)));
    }
    level.swap(next);
  } while (level.size() > 1);
  return level[0];
}

Result<Fid> ComputeFid(Hasher& hasher, ByteSpan file, size_t segment_size) {
  CESS_RETURN_IF_ERROR(CheckSegmentSize(segment_size));
  const size_t full = file.size() / segment_size;
  const size_t rest = file.size() % segment_size;
  Fid fid;
  fid.file_size = file.size();
  // Whole segments are hashed in place; the short last one (or the all-zero segment of an empty
  // file) from a zero-padded copy.
  std::vector<ByteSpan> segments;
  segments.reserve(full + 1);
  for (size_t i = 0; i < full; ++i) segments.push_back(file.subspan(i * segment_size, segment_size));
  Bytes padded;
  if (rest != 0 || full == 0) {
    padded.assign(segment_size, 0);
    if (rest != 0) std::memcpy(padded.data(), file.data() + full * segment_size, rest);
    segments.push_back(padded);
  }
  fid.segment_hashes.resize(segments.size());
  CESS_RETURN_IF_ERROR(hasher.Sha256Batch(segments, fid.segment_hashes));
  CESS_ASSIGN_OR_RETURN(fid.fid, CessMerkleRoot(fid.segment_hashes));
  return fid;
}

// ---- FidBuilder -----------------------------------------------------------------------------

FidBuilder::FidBuilder(Hasher* hasher, size_t segment_size)
    : hasher_(hasher),
      segment_size_(segment_size),
      buffer_segments_(segment_size <= kFidPairBufferMaxSegment ? 2 : 1) {}

Result<FidBuilder> FidBuilder::Create(Hasher& hasher, size_t segment_size) {
  CESS_RETURN_IF_ERROR(CheckSegmentSize(segment_size));
  return FidBuilder(&hasher, segment_size);
}

Status FidBuilder::HashSegments(ByteSpan data, size_t segments) {
  std::vector<ByteSpan> spans(segments);
  for (size_t i = 0; i < segments; ++i) spans[i] = data.subspan(i * segment_size_, segment_size_);
  const size_t first = segment_hashes_.size();
  segment_hashes_.resize(first + segments);
  Status status = hasher_->Sha256Batch(spans, std::span<Hash256>(segment_hashes_).subspan(first));
  if (!status.ok()) error_ = status.WithContext("FidBuilder");
  return error_;
}

Status FidBuilder::Update(ByteSpan data) {
  if (finished_) return Status::FailedPrecondition("FidBuilder::Update after Finish");
  CESS_RETURN_IF_ERROR(error_);
  total_ += data.size();
  while (!data.empty()) {
    if (buffered_ == 0 && data.size() >= segment_size_) {
      // Whole segments straight from the caller's bytes, no copy.
      const size_t segments = data.size() / segment_size_;
      CESS_RETURN_IF_ERROR(HashSegments(data, segments));
      data = data.subspan(segments * segment_size_);
      continue;
    }
    if (buffer_.empty()) buffer_.resize(buffer_segments_ * segment_size_);
    const size_t take = std::min(data.size(), buffer_.size() - buffered_);
    std::memcpy(buffer_.data() + buffered_, data.data(), take);
    buffered_ += take;
    data = data.subspan(take);
    if (buffered_ == buffer_.size()) {
      buffered_ = 0;
      CESS_RETURN_IF_ERROR(HashSegments(buffer_, buffer_segments_));
    }
  }
  return Status::Ok();
}

Result<Fid> FidBuilder::Finish() {
  if (finished_) return Status::FailedPrecondition("FidBuilder::Finish called twice");
  CESS_RETURN_IF_ERROR(error_);
  finished_ = true;
  if (buffered_ > 0 || segment_hashes_.empty()) {
    // The buffered tail, zero-padded to whole segments (an empty file: one all-zero segment).
    const size_t segments = std::max<size_t>(1, (buffered_ + segment_size_ - 1) / segment_size_);
    if (buffer_.size() < segments * segment_size_) buffer_.resize(segments * segment_size_);
    std::fill(buffer_.begin() + static_cast<std::ptrdiff_t>(buffered_),
              buffer_.begin() + static_cast<std::ptrdiff_t>(segments * segment_size_), uint8_t{0});
    CESS_RETURN_IF_ERROR(HashSegments(buffer_, segments));
    buffered_ = 0;
  }
  Fid fid;
  CESS_ASSIGN_OR_RETURN(fid.fid, CessMerkleRoot(segment_hashes_));
  fid.segment_hashes = std::move(segment_hashes_);
  fid.file_size = total_;
  buffer_ = Bytes();
  return fid;
}

}  // namespace cess::kernels::hash
