#include "cess/storage/pipeline.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <string>

#include "cess/storage/fid.h"
#include "cess/storage/segment_cipher.h"

namespace cess::storage {
namespace {

// Reads exactly `want` bytes into out[0, want) and zero-fills the rest of `out`.
Status ReadSegment(const ReadFn& read, MutableByteSpan out, uint64_t want, uint64_t already,
                   uint64_t file_size) {
  uint64_t got = 0;
  while (got < want) {
    CESS_ASSIGN_OR_RETURN(size_t n, read(out.subspan(got, want - got)));
    if (n == 0) {
      return Status::IoError("file ended after " + std::to_string(already + got) + " bytes, expected " +
                             std::to_string(file_size));
    }
    if (n > want - got) return Status::Internal("reader returned more bytes than asked for");
    got += n;
  }
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(want), out.end(), uint8_t{0});
  return Status::Ok();
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Result<FileManifest> EncodeStream(uint64_t file_size, const ReadFn& read, const EncodeOptions& options) {
  const Layout& layout = options.layout;
  CESS_RETURN_IF_ERROR(layout.Validate());
  const bool encrypted = !options.master_key.empty();
  if (encrypted && options.master_key.size() != kMasterKeySize) {
    return Status::InvalidArgument("master key must be 32 bytes, got " +
                                   std::to_string(options.master_key.size()));
  }
  std::unique_ptr<SegmentCodec> owned;
  const SegmentCodec* codec = options.codec;
  if (codec == nullptr) {
    CESS_ASSIGN_OR_RETURN(owned, SegmentCodec::Create(layout, options.backend));
    codec = owned.get();
  } else if (!(codec->layout() == layout)) {
    return Status::InvalidArgument("codec was created for another layout");
  }
  const uint64_t plain = layout.PlainBytesPerSegment(encrypted);
  const uint64_t count = SegmentCount(file_size, plain);
  if (count > UINT32_MAX)
    return Status::InvalidArgument("file too large: " + std::to_string(count) + " segments");

  FileManifest manifest;
  manifest.file_size = file_size;
  manifest.layout = layout;
  manifest.encrypted = encrypted;
  manifest.segments.reserve(count);
  if (options.reuse_cipher != nullptr) {
    if (!encrypted) return Status::InvalidArgument("reuse_cipher given for a plain encoding");
    if (options.reuse_cipher->nonces.size() != count) {
      return Status::InvalidArgument("reuse_cipher has " +
                                     std::to_string(options.reuse_cipher->nonces.size()) + " nonces for " +
                                     std::to_string(count) + " segments");
    }
    manifest.cipher = *options.reuse_cipher;
  } else if (encrypted) {
    crypto::Rng& rng = options.rng != nullptr ? *options.rng : crypto::SystemRandom();
    CESS_RETURN_IF_ERROR(rng.Fill(manifest.cipher.salt));
    manifest.cipher.nonces.resize(count);
    for (Nonce& n : manifest.cipher.nonces) CESS_RETURN_IF_ERROR(rng.Fill(n));
  }

  // Two buffers: segment i is coded from one while segment i + 1 is read into the other.
  Bytes buffers[2] = {Bytes(plain), Bytes(count > 1 ? plain : 0)};
  auto want_of = [&](uint64_t i) {
    return std::min<uint64_t>(plain, file_size - std::min(file_size, i * plain));
  };
  auto read_into = [&](uint64_t i) {
    return ReadSegment(read, buffers[i % 2], want_of(i), i * plain, file_size);
  };
  CESS_RETURN_IF_ERROR(read_into(0));
  uint64_t done = 0;
  for (uint64_t i = 0; i < count; ++i) {
    std::future<Status> next;
    const bool has_next = i + 1 < count;
    if (has_next && options.prefetch) next = std::async(std::launch::async, read_into, i + 1);
    auto process = [&]() -> Status {
      const Bytes& buf = buffers[i % 2];
      Bytes sealed;
      ByteSpan stored(buf);
      if (encrypted) {
        CESS_ASSIGN_OR_RETURN(sealed, SealSegment(options.master_key, manifest.cipher.salt,
                                                  static_cast<uint32_t>(i), manifest.cipher.nonces[i], buf));
        stored = sealed;
      }
      CESS_ASSIGN_OR_RETURN(EncodedSegment enc, codec->Encode(stored));
      for (uint32_t j = 0; j < enc.fragments.size(); ++j) {
        if (options.sink) CESS_RETURN_IF_ERROR(options.sink(static_cast<uint32_t>(i), j, enc.fragments[j]));
        if (options.hashed_sink) {
          CESS_RETURN_IF_ERROR(options.hashed_sink(static_cast<uint32_t>(i), j, enc.info.fragment_hashes[j],
                                                   enc.fragments[j]));
        }
      }
      manifest.segments.push_back(std::move(enc.info));
      return Status::Ok();
    };
    Status s = process();
    Status rs = next.valid() ? next.get() : Status::Ok();
    CESS_RETURN_IF_ERROR(s);
    CESS_RETURN_IF_ERROR(rs);
    if (has_next && !options.prefetch) CESS_RETURN_IF_ERROR(read_into(i + 1));
    done += want_of(i);
    if (options.progress) options.progress(done, file_size);
  }
  // The reader must be at its end now: a longer file would silently lose its tail.
  uint8_t extra = 0;
  CESS_ASSIGN_OR_RETURN(size_t n, read(MutableByteSpan(&extra, 1)));
  if (n != 0)
    return Status::IoError("file is longer than the " + std::to_string(file_size) + " bytes declared");

  std::vector<Hash256> hashes;
  hashes.reserve(manifest.segments.size());
  for (const SegmentInfo& s : manifest.segments) hashes.push_back(s.hash);
  CESS_ASSIGN_OR_RETURN(manifest.fid, FileId(hashes));
  return manifest;
}

Result<FileManifest> EncodeFile(const std::string& path, const EncodeOptions& options) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    const std::string msg = "cannot open " + path + ": " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(msg) : Status::IoError(msg);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return Status::IoError("cannot stat " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
  ReadFn read = [&](MutableByteSpan out) -> Result<size_t> {
    for (;;) {
      ssize_t n = ::read(fd.get(), out.data(), out.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return Status::IoError("cannot read " + path + ": " + std::strerror(errno));
    }
  };
  return EncodeStream(static_cast<uint64_t>(st.st_size), read, options);
}

Result<FileManifest> EncodeBytes(ByteSpan data, const EncodeOptions& options) {
  size_t pos = 0;
  ReadFn read = [&](MutableByteSpan out) -> Result<size_t> {
    const size_t n = std::min(out.size(), data.size() - pos);
    if (n > 0) std::memcpy(out.data(), data.data() + pos, n);
    pos += n;
    return n;
  };
  return EncodeStream(data.size(), read, options);
}

uint64_t SegmentFileBytes(const FileManifest& manifest, uint32_t segment) {
  const uint64_t plain = manifest.PlainBytesPerSegment();
  const uint64_t start = uint64_t{segment} * plain;
  if (start >= manifest.file_size) return 0;
  return std::min(plain, manifest.file_size - start);
}

Result<Bytes> SegmentPlaintext(const FileManifest& manifest, uint32_t segment, ByteSpan stored,
                               ByteSpan master_key) {
  if (segment >= manifest.segments.size()) {
    return Status::InvalidArgument("segment " + std::to_string(segment) + " out of range");
  }
  if (stored.size() != manifest.layout.segment_size) {
    return Status::InvalidArgument("stored segment is " + std::to_string(stored.size()) + " bytes, want " +
                                   std::to_string(manifest.layout.segment_size));
  }
  const uint64_t keep = SegmentFileBytes(manifest, segment);
  if (!manifest.encrypted) return Bytes(stored.begin(), stored.begin() + static_cast<std::ptrdiff_t>(keep));
  if (master_key.size() != kMasterKeySize) {
    return Status::InvalidArgument("the file is encrypted: a 32-byte master key is needed");
  }
  if (segment >= manifest.cipher.nonces.size()) return Status::InvalidArgument("no nonce for segment");
  CESS_ASSIGN_OR_RETURN(Bytes plain, OpenSegment(master_key, manifest.cipher.salt, segment,
                                                 manifest.cipher.nonces[segment], stored));
  plain.resize(keep);
  return plain;
}

Result<Bytes> DecodeSegment(const SegmentCodec& codec, const FileManifest& manifest, uint32_t segment,
                            std::span<const IndexedFragment> fragments, ByteSpan master_key) {
  if (segment >= manifest.segments.size()) {
    return Status::InvalidArgument("segment " + std::to_string(segment) + " out of range");
  }
  if (!(codec.layout() == manifest.layout))
    return Status::InvalidArgument("codec was created for another layout");
  Result<Bytes> stored = codec.Decode(manifest.segments[segment], fragments);
  if (!stored.ok()) return stored.status().WithContext("segment " + std::to_string(segment));
  return SegmentPlaintext(manifest, segment, *stored, master_key);
}

Result<std::vector<SegmentSlice>> PlanRange(const FileManifest& manifest, uint64_t offset, uint64_t length) {
  if (offset > manifest.file_size) {
    return Status::OutOfRange("offset " + std::to_string(offset) + " is past the end of a " +
                              std::to_string(manifest.file_size) + "-byte file");
  }
  const uint64_t end = offset + std::min(length, manifest.file_size - offset);
  std::vector<SegmentSlice> out;
  const uint64_t plain = manifest.PlainBytesPerSegment();
  for (uint64_t pos = offset; pos < end;) {
    const uint64_t seg = pos / plain;
    const uint64_t in_seg = pos - seg * plain;
    const uint64_t n = std::min(plain - in_seg, end - pos);
    out.push_back(SegmentSlice{static_cast<uint32_t>(seg), in_seg, n});
    pos += n;
  }
  return out;
}

}  // namespace cess::storage
