// `cess ec encode` and `cess ec decode`: erasure-code a file into k+m fragment files and rebuild it
// from any k of them. Both stream the file in chunks, so memory stays bounded for any file size.
//
// Layout written by encode (DIR): fragments DIR/0 … DIR/<k+m-1> (fragment i is shard i: data
// shards first, in file order, the last data shard zero-padded; shard length = ceil(size / k)),
// and DIR/manifest.json, written last, so a manifest only exists next to complete fragments.
#include <algorithm>
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/hash.h"
#include "cess/core/file_util.h"
#include "cess/kernels/erasure.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/file_io.h"

namespace cess::cli {
namespace {

namespace erasure = kernels::erasure;
using json = nlohmann::json;

constexpr char kManifestFormat[] = "cess-ec/1";
constexpr size_t kMaxChunk = size_t{4} << 20;  // per shard per step

struct EncodeOptions {
  int k = 4;
  int m = 8;
  std::string in;
  std::string out;
  std::string backend = "auto";
  bool json = false;
};

struct DecodeOptions {
  std::string in;
  std::string out;
  std::string backend = "auto";
  bool repair = false;
  bool json = false;
};

std::string FragmentPath(const std::string& dir, int i) { return dir + "/" + std::to_string(i); }

std::string TempPath(const std::string& final_path) {
  std::random_device rd;
  return final_path + ".tmp." + std::to_string(rd());
}

// Removes the listed files on destruction unless Release()d: no half-written output survives a failure.
class TempFiles {
 public:
  void Add(std::string p) { paths_.push_back(std::move(p)); }
  void Release() { paths_.clear(); }
  ~TempFiles() {
    for (auto& p : paths_) ::unlink(p.c_str());
  }

 private:
  std::vector<std::string> paths_;
};

Status RunEncode(const EncodeOptions& o) {
  CESS_ASSIGN_OR_RETURN(kernels::Backend backend, kernels::ParseBackend(o.backend));
  erasure::CodecOptions copts;
  copts.backend = backend;
  CESS_ASSIGN_OR_RETURN(auto codec, erasure::Codec::Create(o.k, o.m, copts));
  CESS_ASSIGN_OR_RETURN(File in, File::OpenRead(o.in));
  CESS_ASSIGN_OR_RETURN(uint64_t size, in.Size());
  CESS_RETURN_IF_ERROR(MakeDirs(o.out));

  const int n = o.k + o.m;
  const uint64_t shard_len = (size + static_cast<uint64_t>(o.k) - 1) / static_cast<uint64_t>(o.k);
  const size_t chunk = static_cast<size_t>(std::min<uint64_t>(shard_len, kMaxChunk));

  TempFiles temps;
  std::vector<File> outs;
  std::vector<std::string> tmp_paths;
  for (int i = 0; i < n; ++i) {
    tmp_paths.push_back(TempPath(FragmentPath(o.out, i)));
    temps.Add(tmp_paths.back());
    CESS_ASSIGN_OR_RETURN(File f, File::Create(tmp_paths.back()));
    outs.push_back(std::move(f));
  }
  std::vector<crypto::Sha256Hasher> hashers(static_cast<size_t>(n));

  Bytes buf(static_cast<size_t>(n) * chunk);
  Progress progress("encode", size);
  Stopwatch total;
  double kernel_seconds = 0;
  for (uint64_t off = 0; off < shard_len; off += chunk) {
    const size_t len = static_cast<size_t>(std::min<uint64_t>(chunk, shard_len - off));
    std::vector<ByteSpan> data;
    std::vector<MutableByteSpan> parity;
    for (int i = 0; i < n; ++i) {
      MutableByteSpan s(buf.data() + static_cast<size_t>(i) * chunk, len);
      if (i < o.k) {
        uint64_t pos = static_cast<uint64_t>(i) * shard_len + off;
        size_t want = pos >= size ? 0 : static_cast<size_t>(std::min<uint64_t>(len, size - pos));
        CESS_ASSIGN_OR_RETURN(size_t got, in.ReadAt(pos, s.first(want)));
        if (got != want) return Status::IoError("'" + o.in + "' shrank while being read");
        std::fill(s.begin() + static_cast<std::ptrdiff_t>(want), s.end(), uint8_t{0});
        progress.Add(want);
        data.emplace_back(s);
      } else {
        parity.push_back(s);
      }
    }
    Stopwatch kt;
    CESS_RETURN_IF_ERROR(codec->Encode(data, parity));
    kernel_seconds += kt.Seconds();
    for (int i = 0; i < n; ++i) {
      ByteSpan s(buf.data() + static_cast<size_t>(i) * chunk, len);
      hashers[static_cast<size_t>(i)].Update(s);
      CESS_RETURN_IF_ERROR(outs[static_cast<size_t>(i)].WriteAt(off, s));
    }
  }
  for (auto& f : outs) CESS_RETURN_IF_ERROR(f.SyncAndClose());

  json manifest = {{"format", kManifestFormat}, {"k", o.k},           {"m", o.m},
                   {"file_size", size},         {"shard_len", shard_len},
                   {"code", "rs-cauchy1/gf256-0x11d"}};
  json frags = json::array();
  for (int i = 0; i < n; ++i) {
    Hash256 h = hashers[static_cast<size_t>(i)].Finish();
    frags.push_back({{"index", i}, {"sha256", ToHex(h)}});
    CESS_RETURN_IF_ERROR(RenameDurably(tmp_paths[static_cast<size_t>(i)], FragmentPath(o.out, i)));
  }
  temps.Release();
  manifest["fragments"] = frags;
  std::string text = manifest.dump(2) + "\n";
  CESS_RETURN_IF_ERROR(WriteFileAtomic(o.out + "/manifest.json", AsBytes(text)));
  progress.Done();

  double secs = total.Seconds();
  if (o.json) {
    json r = manifest;
    r["backend"] = std::string(kernels::BackendName(codec->backend()));
    r["seconds"] = secs;
    r["kernel_seconds"] = kernel_seconds;
    r["kernel_gbps"] = kernel_seconds > 0 ? static_cast<double>(shard_len) * o.k / kernel_seconds / 1e9 : 0.0;
    PrintJson(r);
  } else {
    std::printf("encoded %s (%llu bytes) with RS %d+%d into %s: %d fragments of %llu bytes\n", o.in.c_str(),
                static_cast<unsigned long long>(size), o.k, o.m, o.out.c_str(), n,
                static_cast<unsigned long long>(shard_len));
    std::printf("backend %s, %.3f s total, coding %s\n", std::string(kernels::BackendName(codec->backend())).c_str(),
                secs, FormatRate(static_cast<double>(shard_len) * o.k, kernel_seconds).c_str());
  }
  return Status::Ok();
}

struct Manifest {
  int k = 0;
  int m = 0;
  uint64_t file_size = 0;
  uint64_t shard_len = 0;
  std::vector<Hash256> hashes;
};

Result<Manifest> LoadManifest(const std::string& dir) {
  const std::string path = dir + "/manifest.json";
  CESS_ASSIGN_OR_RETURN(Bytes raw, ReadFile(path));
  json j = json::parse(raw.begin(), raw.end(), nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& why) { return Status::Corruption("bad manifest '" + path + "': " + why); };
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (j.value("format", "") != kManifestFormat) return bad("format is not " + std::string(kManifestFormat));
  for (const char* key : {"k", "m", "file_size", "shard_len"}) {
    if (!j.contains(key) || !j[key].is_number_unsigned()) return bad(std::string("missing or invalid '") + key + "'");
  }
  Manifest m;
  uint64_t k = j["k"].get<uint64_t>(), mm = j["m"].get<uint64_t>();
  if (k < 1 || k > erasure::kMaxDataShards || mm < 1 || mm > erasure::kMaxParityShards) {
    return bad("k or m out of range");
  }
  m.k = static_cast<int>(k);
  m.m = static_cast<int>(mm);
  m.file_size = j["file_size"].get<uint64_t>();
  m.shard_len = j["shard_len"].get<uint64_t>();
  if (m.shard_len != (m.file_size + k - 1) / k) return bad("shard_len does not match file_size and k");
  const auto& frags = j["fragments"];
  if (!frags.is_array() || frags.size() != k + mm) return bad("expected k+m fragment entries");
  m.hashes.resize(k + mm);
  for (size_t i = 0; i < frags.size(); ++i) {
    const auto& f = frags[i];
    if (!f.is_object() || !f.contains("index") || !f["index"].is_number_unsigned() ||
        f["index"].get<uint64_t>() != i || !f.contains("sha256") || !f["sha256"].is_string()) {
      return bad("fragment entry " + std::to_string(i) + " malformed");
    }
    auto h = FromHexFixed<32>(f["sha256"].get<std::string>());
    if (!h.ok()) return bad("fragment " + std::to_string(i) + " hash: " + h.status().message());
    m.hashes[i] = *h;
  }
  return m;
}

// Hashes fragment `i` in full; returns "" when it is intact, or why it is not.
Result<std::string> CheckFragment(const std::string& path, const Manifest& m, int i) {
  auto f = File::OpenRead(path);
  if (!f.ok()) {
    if (f.status().code() == StatusCode::kNotFound) return std::string("missing");
    return f.status();
  }
  CESS_ASSIGN_OR_RETURN(uint64_t size, f->Size());
  if (size != m.shard_len) return "wrong size " + std::to_string(size);
  crypto::Sha256Hasher h;
  Bytes buf(std::min<uint64_t>(std::max<uint64_t>(m.shard_len, 1), kMaxChunk));
  for (uint64_t off = 0; off < size; off += buf.size()) {
    size_t len = static_cast<size_t>(std::min<uint64_t>(buf.size(), size - off));
    CESS_ASSIGN_OR_RETURN(size_t got, f->ReadAt(off, MutableByteSpan(buf.data(), len)));
    if (got != len) return std::string("short read");
    h.Update(ByteSpan(buf.data(), len));
  }
  if (h.Finish() != m.hashes[static_cast<size_t>(i)]) return std::string("hash mismatch");
  return std::string();
}

Status RunDecode(const DecodeOptions& o) {
  CESS_ASSIGN_OR_RETURN(kernels::Backend backend, kernels::ParseBackend(o.backend));
  CESS_ASSIGN_OR_RETURN(Manifest man, LoadManifest(o.in));
  const int n = man.k + man.m;
  erasure::CodecOptions copts;
  copts.backend = backend;
  CESS_ASSIGN_OR_RETURN(auto codec, erasure::Codec::Create(man.k, man.m, copts));

  // Pass 1: which fragments are intact.
  std::vector<int> good, erased;
  json problems = json::object();
  for (int i = 0; i < n; ++i) {
    CESS_ASSIGN_OR_RETURN(std::string why, CheckFragment(FragmentPath(o.in, i), man, i));
    if (why.empty()) {
      good.push_back(i);
    } else {
      erased.push_back(i);
      problems[std::to_string(i)] = why;
    }
  }
  if (static_cast<int>(good.size()) < man.k) {
    std::string detail;
    for (auto& [idx, why] : problems.items()) detail += " " + idx + ":" + why.get<std::string>();
    return Status::FailedPrecondition("only " + std::to_string(good.size()) + " intact fragments in '" + o.in +
                                      "', need " + std::to_string(man.k) + " (problems:" + detail + ")");
  }
  // Read only k survivors (data shards first, they need no decoding); treat the rest as erased.
  std::vector<int> use(good.begin(), good.begin() + man.k);
  std::vector<bool> used(static_cast<size_t>(n), false);
  for (int i : use) used[static_cast<size_t>(i)] = true;
  std::vector<int> rebuild;  // every shard not read
  for (int i = 0; i < n; ++i) {
    if (!used[static_cast<size_t>(i)]) rebuild.push_back(i);
  }
  std::vector<bool> bad(static_cast<size_t>(n), false);
  for (int i : erased) bad[static_cast<size_t>(i)] = true;

  std::vector<File> ins(static_cast<size_t>(n));
  for (int i : use) {
    CESS_ASSIGN_OR_RETURN(File f, File::OpenRead(FragmentPath(o.in, i)));
    ins[static_cast<size_t>(i)] = std::move(f);
  }
  TempFiles temps;
  const std::string out_tmp = TempPath(o.out);
  temps.Add(out_tmp);
  CESS_ASSIGN_OR_RETURN(File out, File::Create(out_tmp));
  std::vector<File> repairs(static_cast<size_t>(n));
  std::vector<std::string> repair_tmp(static_cast<size_t>(n));
  if (o.repair) {
    for (int i : erased) {
      repair_tmp[static_cast<size_t>(i)] = TempPath(FragmentPath(o.in, i));
      temps.Add(repair_tmp[static_cast<size_t>(i)]);
      CESS_ASSIGN_OR_RETURN(File f, File::Create(repair_tmp[static_cast<size_t>(i)]));
      repairs[static_cast<size_t>(i)] = std::move(f);
    }
  }
  // Every rebuilt data shard (and repaired shard) is hashed and checked against the manifest.
  std::vector<crypto::Sha256Hasher> hashers(static_cast<size_t>(n));

  const size_t chunk = static_cast<size_t>(std::min<uint64_t>(man.shard_len, kMaxChunk));
  Bytes buf(static_cast<size_t>(n) * chunk);
  Progress progress("decode", man.file_size);
  Stopwatch total;
  double kernel_seconds = 0;
  for (uint64_t off = 0; off < man.shard_len; off += chunk) {
    const size_t len = static_cast<size_t>(std::min<uint64_t>(chunk, man.shard_len - off));
    std::vector<MutableByteSpan> shards;
    for (int i = 0; i < n; ++i) shards.emplace_back(buf.data() + static_cast<size_t>(i) * chunk, len);
    for (int i : use) {
      CESS_ASSIGN_OR_RETURN(size_t got, ins[static_cast<size_t>(i)].ReadAt(off, shards[static_cast<size_t>(i)]));
      if (got != len) return Status::IoError("fragment " + std::to_string(i) + " shrank while being read");
    }
    Stopwatch kt;
    CESS_RETURN_IF_ERROR(codec->Reconstruct(shards, rebuild));
    kernel_seconds += kt.Seconds();
    for (int i = 0; i < n; ++i) {
      const auto& s = shards[static_cast<size_t>(i)];
      const bool rebuilt = !used[static_cast<size_t>(i)];
      if (rebuilt && (i < man.k || bad[static_cast<size_t>(i)])) hashers[static_cast<size_t>(i)].Update(s);
      if (i < man.k) {
        uint64_t pos = static_cast<uint64_t>(i) * man.shard_len + off;
        if (pos < man.file_size) {
          size_t keep = static_cast<size_t>(std::min<uint64_t>(len, man.file_size - pos));
          CESS_RETURN_IF_ERROR(out.WriteAt(pos, s.first(keep)));
          progress.Add(keep);
        }
      }
      if (o.repair && bad[static_cast<size_t>(i)]) {
        CESS_RETURN_IF_ERROR(repairs[static_cast<size_t>(i)].WriteAt(off, s));
      }
    }
  }
  for (int i = 0; i < n; ++i) {
    const bool rebuilt = !used[static_cast<size_t>(i)];
    if (rebuilt && (i < man.k || bad[static_cast<size_t>(i)]) &&
        hashers[static_cast<size_t>(i)].Finish() != man.hashes[static_cast<size_t>(i)]) {
      return Status::Corruption("rebuilt fragment " + std::to_string(i) +
                                " does not match its manifest hash (manifest and fragments disagree)");
    }
  }
  CESS_RETURN_IF_ERROR(out.SyncAndClose());
  CESS_RETURN_IF_ERROR(RenameDurably(out_tmp, o.out));
  if (o.repair) {
    for (int i : erased) {
      CESS_RETURN_IF_ERROR(repairs[static_cast<size_t>(i)].SyncAndClose());
      CESS_RETURN_IF_ERROR(RenameDurably(repair_tmp[static_cast<size_t>(i)], FragmentPath(o.in, i)));
    }
  }
  temps.Release();
  progress.Done();

  double secs = total.Seconds();
  if (o.json) {
    PrintJson({{"out", o.out},
               {"file_size", man.file_size},
               {"k", man.k},
               {"m", man.m},
               {"used", use},
               {"problems", problems},
               {"repaired", o.repair ? json(erased) : json::array()},
               {"backend", std::string(kernels::BackendName(codec->backend()))},
               {"seconds", secs},
               {"kernel_seconds", kernel_seconds}});
  } else {
    for (auto& [idx, why] : problems.items()) {
      std::fprintf(stderr, "fragment %s: %s%s\n", idx.c_str(), why.get<std::string>().c_str(),
                   o.repair ? " (repaired)" : "");
    }
    std::printf("decoded %s (%llu bytes) from fragments", o.out.c_str(),
                static_cast<unsigned long long>(man.file_size));
    for (int i : use) std::printf(" %d", i);
    std::printf("\nbackend %s, %.3f s total, coding %s\n", std::string(kernels::BackendName(codec->backend())).c_str(),
                secs, FormatRate(static_cast<double>(man.file_size), kernel_seconds).c_str());
  }
  return Status::Ok();
}

}  // namespace

void AddEcCommands(CLI::App& app) {
  auto* ec = app.add_subcommand("ec", "Reed-Solomon erasure coding of files");
  ec->require_subcommand(1);

  auto eo = std::make_shared<EncodeOptions>();
  auto* enc = ec->add_subcommand("encode", "Split FILE into k data + m parity fragments under DIR");
  enc->add_option("--k", eo->k, "Data shards (1..32)")->capture_default_str();
  enc->add_option("--m", eo->m, "Parity shards (1..16)")->capture_default_str();
  enc->add_option("--in", eo->in, "Input file")->required();
  enc->add_option("--out", eo->out, "Output directory")->required();
  enc->add_option("--backend", eo->backend, "auto|ref|cpu|cuda")->capture_default_str();
  enc->add_flag("--json", eo->json, "Print the result as JSON");
  enc->callback([eo] { RunOrExit([&] { return RunEncode(*eo); }); });

  auto dopt = std::make_shared<DecodeOptions>();
  auto* dec = ec->add_subcommand("decode", "Rebuild the file from any k intact fragments in DIR");
  dec->add_option("--in", dopt->in, "Fragment directory (with manifest.json)")->required();
  dec->add_option("--out", dopt->out, "Output file")->required();
  dec->add_option("--backend", dopt->backend, "auto|ref|cpu|cuda")->capture_default_str();
  dec->add_flag("--repair", dopt->repair, "Also rewrite missing or corrupt fragments in DIR");
  dec->add_flag("--json", dopt->json, "Print the result as JSON");
  dec->callback([dopt] { RunOrExit([&] { return RunDecode(*dopt); }); });
}

}  // namespace cess::cli
