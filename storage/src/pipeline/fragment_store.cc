#include "cess/storage/fragment_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "cess/core/codec.h"
#include "cess/core/file_util.h"
#include "cess/core/hash.h"
#include "cess/core/log.h"

namespace cess::storage {
namespace {

const log::Logger kLog("fragment-store");

constexpr std::string_view kTagsSuffix = ".tags";
constexpr std::string_view kTempMarker = ".tmp.";

rocksdb::Slice ToSlice(ByteSpan b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
ByteSpan ToSpan(const rocksdb::Slice& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  std::string msg = "fragment index: " + std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsNoSpace()) return Status::ResourceExhausted(std::move(msg));
  return Status::IoError(std::move(msg));
}

Status Errno(std::string_view what, const std::string& path) {
  const int err = errno;
  std::string msg = std::string(what) + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  if (err == ENOSPC || err == EDQUOT) return Status::ResourceExhausted(std::move(msg));
  return Status::IoError(std::move(msg));
}

// The index value: u64 size, bool has_tags, vector of FIDs (sorted).
Bytes EncodeEntry(const FragmentInfo& info) {
  codec::Writer w;
  w.PutU64(info.size);
  w.PutBool(info.has_tags);
  w.PutVector(info.fids, [](codec::Writer& wr, const Hash256& h) { wr.PutFixed(h); });
  return w.Take();
}

Result<FragmentInfo> DecodeEntry(const Hash256& hash, ByteSpan value) {
  codec::Reader r(value);
  FragmentInfo info;
  info.hash = hash;
  CESS_ASSIGN_OR_RETURN(info.size, r.ReadU64());
  CESS_ASSIGN_OR_RETURN(info.has_tags, r.ReadBool());
  CESS_ASSIGN_OR_RETURN(info.fids,
                        r.ReadVector<Hash256>([](codec::Reader& rd) { return rd.ReadArray<32>(); }, 32));
  CESS_RETURN_IF_ERROR(r.Finish());
  return info;
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open folder", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot fsync folder", dir);
  return Status::Ok();
}

// fdatasync of the file at `path` (through a fresh descriptor: it flushes the file, not the fd).
Status SyncFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  const int rc = ::fdatasync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot fsync", path);
  return Status::Ok();
}

// Creates `dir` when absent; returns true when it was created.
Result<bool> MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return true;
  if (errno == EEXIST) return false;
  return Errno("cannot create folder", dir);
}

// Reads [offset, offset + length) of the file at `path`; length = UINT64_MAX reads to the end.
// `want_size`, when set, must equal the file size (Corruption otherwise).
Result<Bytes> ReadPart(const std::string& path, uint64_t offset, uint64_t length,
                       std::optional<uint64_t> want_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Errno("cannot stat", path);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (want_size && *want_size != size) {
    return Status::Corruption(path + " is " + std::to_string(size) + " bytes, index says " +
                              std::to_string(*want_size));
  }
  if (length == UINT64_MAX) length = size - std::min(offset, size);
  if (offset > size || length > size - offset) {
    return Status::OutOfRange("read of " + std::to_string(length) + " bytes at " + std::to_string(offset) +
                              " past the end of a " + std::to_string(size) + "-byte fragment");
  }
  Bytes out(length);
  uint64_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot read", path);
    }
    if (n == 0) return Status::IoError(path + " shrank while being read");
    got += static_cast<uint64_t>(n);
  }
  return out;
}

}  // namespace

class FragmentStore::Impl {
 public:
  std::string dir;
  std::string frag_dir;
  uint64_t capacity = 0;
  bool sync = true;
  std::unique_ptr<rocksdb::DB> db;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::set<Hash256> busy;  // hashes with an operation in progress; guarded by mu
  uint64_t used = 0;       // guarded by mu
  uint64_t reserved = 0;   // bytes of Puts in progress; guarded by mu
  uint64_t count = 0;      // guarded by mu

  // Serializes operations on one hash for its lifetime.
  class HashLock {
   public:
    HashLock(Impl& impl, const Hash256& hash) : impl_(impl), hash_(hash) {
      std::unique_lock lock(impl_.mu);
      impl_.cv.wait(lock, [&] { return impl_.busy.count(hash_) == 0; });
      impl_.busy.insert(hash_);
    }
    ~HashLock() {
      {
        std::lock_guard lock(impl_.mu);
        impl_.busy.erase(hash_);
      }
      impl_.cv.notify_all();
    }
    HashLock(const HashLock&) = delete;
    HashLock& operator=(const HashLock&) = delete;

   private:
    Impl& impl_;
    Hash256 hash_;
  };

  std::string SubDir(const std::string& hex) const { return frag_dir + "/" + hex.substr(0, 2); }
  std::string FragmentPath(const Hash256& hash) const {
    const std::string hex = ToHex(hash);
    return SubDir(hex) + "/" + hex;
  }
  std::string TagsPath(const Hash256& hash) const { return FragmentPath(hash) + std::string(kTagsSuffix); }

  Result<std::optional<FragmentInfo>> ReadEntry(const Hash256& hash) const {
    std::string value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), ToSlice(hash), &value);
    if (s.IsNotFound()) return std::optional<FragmentInfo>();
    if (!s.ok()) return FromRocks(s, "get");
    Result<FragmentInfo> info = DecodeEntry(hash, AsBytes(value));
    if (!info.ok()) return info.status().WithContext("fragment index entry " + ToHex(hash));
    return std::optional<FragmentInfo>(std::move(info).value());
  }

  Status WriteEntry(const FragmentInfo& info) {
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    const Bytes value = EncodeEntry(info);
    rocksdb::Status s = db->Put(wo, ToSlice(info.hash), ToSlice(value));
    return s.ok() ? Status::Ok() : FromRocks(s, "put");
  }

  Status DeleteEntry(const Hash256& hash) {
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    rocksdb::Status s = db->Delete(wo, ToSlice(hash));
    return s.ok() ? Status::Ok() : FromRocks(s, "delete");
  }

  // Creates the fragment's sub-folder when needed, durably.
  Status EnsureSubDir(const Hash256& hash) {
    CESS_ASSIGN_OR_RETURN(bool created, MakeDir(SubDir(ToHex(hash))));
    if (created && sync) CESS_RETURN_IF_ERROR(FsyncDir(frag_dir));
    return Status::Ok();
  }

  // Writes `data` to a new temporary file next to `path` and returns its name; with
  // `start_writeback`, asks the kernel to start writing it to disk now (without waiting).
  Result<std::string> WriteTemp(const std::string& path, ByteSpan data, bool start_writeback) const {
    const std::string tmp = path + std::string(kTempMarker) + std::to_string(::getpid()) + "." +
                            std::to_string(temp_counter.fetch_add(1));
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Errno("cannot create", tmp);
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fd, data.data() + off, data.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Status st = Errno("cannot write", tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return st;
      }
      off += static_cast<size_t>(n);
    }
    if (start_writeback) ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);  // a hint; errors surface at fsync
    if (::close(fd) != 0) {
      Status st = Errno("cannot write", tmp);
      ::unlink(tmp.c_str());
      return st;
    }
    return tmp;
  }

  // Writes `data` to `path` through a temporary file and a rename, fsynced when `sync`.
  Status WriteFile(const std::string& path, ByteSpan data) const {
    if (sync) return WriteFileAtomic(path, data);
    CESS_ASSIGN_OR_RETURN(std::string tmp, WriteTemp(path, data, false));
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      Status st = Errno("cannot write", path);
      ::unlink(tmp.c_str());
      return st;
    }
    return Status::Ok();
  }
  mutable std::atomic<uint64_t> temp_counter{0};

  Status Recover();
};

// Recovery after a crash (see the header): the index is the truth for what was acknowledged.
Status FragmentStore::Impl::Recover() {
  // 1. Index entries whose file is missing or of the wrong size are dropped; tag flags without a
  //    tags file are cleared.
  rocksdb::WriteBatch batch;
  uint64_t dropped = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != 32)
        return Status::Corruption("fragment index: a key of " + std::to_string(it->key().size()) + " bytes");
      Hash256 hash{};
      std::memcpy(hash.data(), it->key().data(), 32);
      CESS_ASSIGN_OR_RETURN(FragmentInfo info, DecodeEntry(hash, ToSpan(it->value())));
      struct stat st {};
      if (::stat(FragmentPath(hash).c_str(), &st) != 0 || static_cast<uint64_t>(st.st_size) != info.size) {
        kLog.Warn("recovery: dropping index entry {} (file missing or wrong size)", ToHex(hash));
        batch.Delete(it->key());
        ++dropped;
        continue;
      }
      if (info.has_tags && ::stat(TagsPath(hash).c_str(), &st) != 0) {
        info.has_tags = false;
        const Bytes value = EncodeEntry(info);
        batch.Put(it->key(), ToSlice(value));
      }
      used += info.size;
      ++count;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "scan");
  }
  if (batch.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status s = db->Write(wo, &batch);
    if (!s.ok()) return FromRocks(s, "recovery write");
  }
  // 2. Temporary files and files the index does not know are deleted.
  DIR* top = ::opendir(frag_dir.c_str());
  if (top == nullptr) return Errno("cannot list", frag_dir);
  std::vector<std::string> subdirs;
  while (dirent* e = ::readdir(top)) {
    std::string name = e->d_name;
    if (name.size() == 2 && FromHex(name).ok()) subdirs.push_back(frag_dir + "/" + name);
  }
  ::closedir(top);
  uint64_t removed = 0;
  for (const std::string& sub : subdirs) {
    DIR* d = ::opendir(sub.c_str());
    if (d == nullptr) return Errno("cannot list", sub);
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
    ::closedir(d);
    for (const std::string& name : names) {
      if (name == "." || name == "..") continue;
      const std::string path = sub + "/" + name;
      bool remove = false;
      if (name.find(kTempMarker) != std::string::npos) {
        remove = true;
      } else {
        const bool is_tags = name.size() == 64 + kTagsSuffix.size() && name.ends_with(kTagsSuffix);
        if (name.size() != 64 && !is_tags) {
          kLog.Warn("recovery: leaving unknown file {}", path);
          continue;
        }
        Result<Hash256> hash = FromHexFixed<32>(std::string_view(name).substr(0, 64));
        if (!hash.ok()) {
          kLog.Warn("recovery: leaving unknown file {}", path);
          continue;
        }
        CESS_ASSIGN_OR_RETURN(std::optional<FragmentInfo> info, ReadEntry(*hash));
        remove = !info.has_value() || (is_tags && !info->has_tags);
      }
      if (remove) {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove", path);
        ++removed;
      }
    }
  }
  if (dropped > 0 || removed > 0) {
    kLog.Info("recovered {}: dropped {} index entries, removed {} stray files", dir, dropped, removed);
  }
  return Status::Ok();
}

FragmentStore::FragmentStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FragmentStore::~FragmentStore() {
  if (impl_ && impl_->db) impl_->db->Close().PermitUncheckedError();
}

Result<std::unique_ptr<FragmentStore>> FragmentStore::Open(const std::string& dir, uint64_t capacity_bytes,
                                                           const FragmentStoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->sync = options.sync;
  impl->dir = dir;
  impl->frag_dir = dir + "/fragments";
  impl->capacity = capacity_bytes;
  CESS_ASSIGN_OR_RETURN(bool created_root, MakeDir(dir));
  (void)created_root;
  CESS_ASSIGN_OR_RETURN(bool created_frag, MakeDir(impl->frag_dir));
  if (created_frag && impl->sync) CESS_RETURN_IF_ERROR(FsyncDir(dir));
  // All 256 sub-folders up front, so that a Put never pays for a mkdir and its folder fsync.
  bool created_sub = false;
  for (int i = 0; i < (options.precreate_folders ? 256 : 0); ++i) {
    const uint8_t b = static_cast<uint8_t>(i);
    CESS_ASSIGN_OR_RETURN(bool c, MakeDir(impl->frag_dir + "/" + ToHex(ByteSpan(&b, 1))));
    created_sub = created_sub || c;
  }
  if (created_sub && impl->sync) CESS_RETURN_IF_ERROR(FsyncDir(impl->frag_dir));
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.max_open_files = 64;
  db_options.keep_log_file_num = 2;
  db_options.write_buffer_size = size_t{4} << 20;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir + "/index", &raw);
  if (!s.ok()) return FromRocks(s, "open " + dir + "/index");
  impl->db.reset(raw);
  CESS_RETURN_IF_ERROR(impl->Recover());
  return std::unique_ptr<FragmentStore>(new FragmentStore(std::move(impl)));
}

const std::string& FragmentStore::dir() const { return impl_->dir; }

Status FragmentStore::Put(const Hash256& fid, const Hash256& hash, ByteSpan bytes) {
  std::unique_ptr<FragmentBatch> batch = BeginBatch();
  CESS_RETURN_IF_ERROR(batch->Add(hash, bytes));
  return batch->Commit(fid).status();
}

std::unique_ptr<FragmentBatch> FragmentStore::BeginBatch() {
  return std::unique_ptr<FragmentBatch>(new FragmentBatch(*impl_));
}

struct FragmentBatch::Entry {
  Hash256 hash{};
  uint64_t size = 0;
  std::string temp;   // the temporary file holding the bytes until Commit
  std::string final;  // set once renamed into place by Commit
};

FragmentBatch::FragmentBatch(FragmentStore::Impl& store) : store_(store) {}

FragmentBatch::~FragmentBatch() { Abort(); }

size_t FragmentBatch::size() const { return entries_.size(); }

std::vector<Hash256> FragmentBatch::hashes() const {
  std::vector<Hash256> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(e.hash);
  return out;
}

void FragmentBatch::Abort() {
  for (Entry& e : entries_) {
    if (!e.temp.empty()) ::unlink(e.temp.c_str());
    if (!e.final.empty()) ::unlink(e.final.c_str());
    e.temp.clear();
    e.final.clear();
  }
  if (reserved_ > 0) {
    std::lock_guard lock(store_.mu);
    store_.reserved -= reserved_;
    reserved_ = 0;
  }
  done_ = true;
}

Status FragmentBatch::Add(const Hash256& hash, ByteSpan bytes) {
  if (done_) return Status::FailedPrecondition("fragment batch already committed");
  if (crypto::Sha256(bytes) != hash) {
    return Status::InvalidArgument("fragment bytes do not hash to " + ToHex(hash));
  }
  for (const Entry& e : entries_) {
    if (e.hash == hash) return Status::Ok();
  }
  FragmentStore::Impl& im = store_;
  const uint64_t size = bytes.size();
  // Already stored: Commit only adds the reference, which needs no room and no bytes.
  CESS_ASSIGN_OR_RETURN(std::optional<FragmentInfo> existing, im.ReadEntry(hash));
  if (existing.has_value()) {
    entries_.push_back(Entry{hash, size, {}, {}});
    return Status::Ok();
  }
  {
    std::lock_guard lock(im.mu);
    if (im.used + im.reserved > im.capacity || size > im.capacity - im.used - im.reserved) {
      return Status::ResourceExhausted("fragment store full: " + std::to_string(im.used) + " of " +
                                       std::to_string(im.capacity) + " bytes used, " + std::to_string(size) +
                                       " more requested");
    }
    im.reserved += size;
  }
  reserved_ += size;
  auto unreserve = [&] {
    std::lock_guard lock(im.mu);
    im.reserved -= size;
    reserved_ -= size;
  };
  if (Status s = im.EnsureSubDir(hash); !s.ok()) {
    unreserve();
    return s;
  }
  Result<std::string> temp = im.WriteTemp(im.FragmentPath(hash), bytes, /*start_writeback=*/im.sync);
  if (!temp.ok()) {
    unreserve();
    return temp.status();
  }
  entries_.push_back(Entry{hash, size, std::move(temp).value(), {}});
  return Status::Ok();
}

Result<std::vector<bool>> FragmentBatch::Commit(const Hash256& fid) {
  if (done_) return Status::FailedPrecondition("fragment batch already committed");
  FragmentStore::Impl& im = store_;
  // Guards, destroyed in reverse order: a failed commit removes its files while it still holds
  // the hash locks, so that no concurrent Put of the same hash can have its file removed.
  std::vector<Hash256> hashes;
  bool locked = false;
  struct Unlock {
    FragmentStore::Impl& im;
    const std::vector<Hash256>& hashes;
    const bool& locked;
    ~Unlock() {
      if (!locked) return;
      {
        std::lock_guard lock(im.mu);
        for (const Hash256& h : hashes) im.busy.erase(h);
      }
      im.cv.notify_all();
    }
  } unlock{im, hashes, locked};
  struct AbortOnError {
    FragmentBatch* batch;
    ~AbortOnError() {
      if (batch != nullptr) batch->Abort();
    }
  } abort_on_error{this};
  // 1. The bytes reach the disk (write-back started at Add, so most of it is already done).
  if (im.sync) {
    for (const Entry& e : entries_) {
      if (!e.temp.empty()) CESS_RETURN_IF_ERROR(SyncFile(e.temp));
    }
  }
  // 2. Every hash of the batch is locked at once (no lock order, so no deadlock with other batches).
  hashes.reserve(entries_.size());
  for (const Entry& e : entries_) hashes.push_back(e.hash);
  {
    std::unique_lock lock(im.mu);
    im.cv.wait(lock, [&] {
      return std::none_of(hashes.begin(), hashes.end(), [&](const Hash256& h) { return im.busy.count(h) > 0; });
    });
    im.busy.insert(hashes.begin(), hashes.end());
    locked = true;
  }
  // 3. New fragments are renamed into place; known ones only gain the reference.
  rocksdb::WriteBatch index;
  std::vector<bool> existed(entries_.size(), false);
  std::set<std::string> folders;
  uint64_t added_bytes = 0;
  uint64_t added_count = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    Entry& e = entries_[i];
    CESS_ASSIGN_OR_RETURN(std::optional<FragmentInfo> info, im.ReadEntry(e.hash));
    if (info.has_value()) {
      existed[i] = true;
      auto pos = std::lower_bound(info->fids.begin(), info->fids.end(), fid);
      if (pos != info->fids.end() && *pos == fid) continue;
      info->fids.insert(pos, fid);
      const Bytes value = EncodeEntry(*info);
      index.Put(ToSlice(e.hash), ToSlice(value));
      continue;
    }
    if (e.temp.empty()) {  // known at Add without bytes, deleted since
      return Status::Unavailable("fragment " + ToHex(e.hash) + " was deleted while the batch was open; send it again");
    }
    const std::string path = im.FragmentPath(e.hash);
    if (::rename(e.temp.c_str(), path.c_str()) != 0) return Errno("cannot rename into", path);
    e.temp.clear();
    e.final = path;
    folders.insert(im.SubDir(ToHex(e.hash)));
    FragmentInfo fresh;
    fresh.hash = e.hash;
    fresh.size = e.size;
    fresh.fids = {fid};
    const Bytes value = EncodeEntry(fresh);
    index.Put(ToSlice(e.hash), ToSlice(value));
    added_bytes += e.size;
    ++added_count;
  }
  // 4. The renames are durable, then one synced index write acknowledges the whole batch.
  if (im.sync) {
    for (const std::string& f : folders) CESS_RETURN_IF_ERROR(FsyncDir(f));
  }
  if (index.Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = im.sync;
    rocksdb::Status s = im.db->Write(wo, &index);
    if (!s.ok()) return FromRocks(s, "batch write");
  }
  // Committed: the renamed files now belong to the store; temporary files of known fragments go.
  for (Entry& e : entries_) {
    if (!e.temp.empty()) ::unlink(e.temp.c_str());
    e.temp.clear();
    e.final.clear();
  }
  {
    std::lock_guard lock(im.mu);
    im.reserved -= reserved_;
    im.used += added_bytes;
    im.count += added_count;
    reserved_ = 0;
  }
  done_ = true;
  abort_on_error.batch = nullptr;
  return existed;
}

Result<Bytes> FragmentStore::Get(const Hash256& hash, bool verify) const {
  Result<Bytes> bytes = ReadPart(impl_->FragmentPath(hash), 0, UINT64_MAX, std::nullopt);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound)
      return Status::NotFound("fragment " + ToHex(hash) + " not stored");
    return bytes.status();
  }
  if (verify && crypto::Sha256(*bytes) != hash) {
    return Status::Corruption("fragment " + ToHex(hash) + " fails its hash on disk");
  }
  return bytes;
}

Result<Bytes> FragmentStore::ReadBlock(const Hash256& hash, uint64_t offset, uint64_t length) const {
  Result<Bytes> bytes = ReadPart(impl_->FragmentPath(hash), offset, length, std::nullopt);
  if (!bytes.ok() && bytes.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("fragment " + ToHex(hash) + " not stored");
  }
  return bytes;
}

Status FragmentStore::Delete(const Hash256& fid, const Hash256& hash) {
  Impl& im = *impl_;
  Impl::HashLock hash_lock(im, hash);
  CESS_ASSIGN_OR_RETURN(std::optional<FragmentInfo> info, im.ReadEntry(hash));
  if (!info.has_value()) return Status::NotFound("fragment " + ToHex(hash) + " not stored");
  auto pos = std::lower_bound(info->fids.begin(), info->fids.end(), fid);
  if (pos == info->fids.end() || *pos != fid) {
    return Status::NotFound("fragment " + ToHex(hash) + " is not referenced by file " + ToHex(fid));
  }
  info->fids.erase(pos);
  if (!info->fids.empty()) return im.WriteEntry(*info);
  // The index entry goes first: a crash after it leaves only a stray file, which Open removes.
  CESS_RETURN_IF_ERROR(im.DeleteEntry(hash));
  {
    std::lock_guard lock(im.mu);
    im.used -= info->size;
    --im.count;
  }
  const std::string path = im.FragmentPath(hash);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove", path);
  const std::string tags = im.TagsPath(hash);
  if (::unlink(tags.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove", tags);
  return Status::Ok();
}

Status FragmentStore::PutTags(const Hash256& hash, ByteSpan tags) {
  Impl& im = *impl_;
  Impl::HashLock hash_lock(im, hash);
  CESS_ASSIGN_OR_RETURN(std::optional<FragmentInfo> info, im.ReadEntry(hash));
  if (!info.has_value()) return Status::NotFound("fragment " + ToHex(hash) + " not stored");
  CESS_RETURN_IF_ERROR(im.WriteFile(im.TagsPath(hash), tags));
  if (info->has_tags) return Status::Ok();
  info->has_tags = true;
  return im.WriteEntry(*info);
}

Result<Bytes> FragmentStore::GetTags(const Hash256& hash) const {
  CESS_ASSIGN_OR_RETURN(std::optional<FragmentInfo> info, impl_->ReadEntry(hash));
  if (!info.has_value()) return Status::NotFound("fragment " + ToHex(hash) + " not stored");
  if (!info->has_tags) return Status::NotFound("fragment " + ToHex(hash) + " has no tags");
  return ReadPart(impl_->TagsPath(hash), 0, UINT64_MAX, std::nullopt);
}

Result<FragmentInfo> FragmentStore::Info(const Hash256& hash) const {
  CESS_ASSIGN_OR_RETURN(std::optional<FragmentInfo> info, impl_->ReadEntry(hash));
  if (!info.has_value()) return Status::NotFound("fragment " + ToHex(hash) + " not stored");
  return std::move(*info);
}

Result<std::vector<FragmentInfo>> FragmentStore::List() const {
  std::vector<FragmentInfo> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 32) return Status::Corruption("fragment index: a key of wrong size");
    Hash256 hash{};
    std::memcpy(hash.data(), it->key().data(), 32);
    CESS_ASSIGN_OR_RETURN(FragmentInfo info, DecodeEntry(hash, ToSpan(it->value())));
    out.push_back(std::move(info));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan");
  return out;
}

FragmentStoreStats FragmentStore::Stats() const {
  std::lock_guard lock(impl_->mu);
  return FragmentStoreStats{impl_->used, impl_->capacity, impl_->count};
}

}  // namespace cess::storage
