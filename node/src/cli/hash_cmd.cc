// `cess hash fid FILE`: the CESS file ID (DESIGN.md §4) and every segment hash, streaming the file
// one segment at a time.
#include <algorithm>
#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cess/kernels/hash.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/file_io.h"

namespace cess::cli {
namespace {

namespace hash = kernels::hash;
using json = nlohmann::json;

struct FidOptions {
  std::string file;
  uint64_t segment_size = uint64_t{32} << 20;
  std::string backend = "auto";
  bool json = false;
};

Status RunFid(const FidOptions& o) {
  if (o.segment_size == 0) return Status::InvalidArgument("--segment-size must be > 0");
  if (o.segment_size > (uint64_t{1} << 32)) return Status::InvalidArgument("--segment-size must be ≤ 4 GiB");
  CESS_ASSIGN_OR_RETURN(kernels::Backend backend, kernels::ParseBackend(o.backend));
  hash::HasherOptions hopts;
  hopts.backend = backend;
  CESS_ASSIGN_OR_RETURN(auto hasher, hash::Hasher::Create(hopts));
  CESS_ASSIGN_OR_RETURN(File in, File::OpenRead(o.file));
  CESS_ASSIGN_OR_RETURN(uint64_t size, in.Size());

  const size_t seg = static_cast<size_t>(o.segment_size);
  Bytes buf(seg);
  std::vector<Hash256> segments;
  Progress progress("hash", size);
  uint64_t off = 0;
  do {  // an empty file is one all-zero segment
    CESS_ASSIGN_OR_RETURN(size_t got, in.ReadAt(off, buf));
    std::fill(buf.begin() + static_cast<std::ptrdiff_t>(got), buf.end(), uint8_t{0});
    Hash256 h{};
    ByteSpan one(buf);
    CESS_RETURN_IF_ERROR(hasher->Sha256Batch(std::span<const ByteSpan>(&one, 1), std::span<Hash256>(&h, 1)));
    segments.push_back(h);
    progress.Add(got);
    off += seg;
  } while (off < size);
  progress.Done();
  CESS_ASSIGN_OR_RETURN(Hash256 fid, hash::CessMerkleRoot(segments));

  if (o.json) {
    json segs = json::array();
    for (const auto& h : segments) segs.push_back(ToHex(h));
    PrintJson({{"fid", ToHex(fid)}, {"file_size", size}, {"segment_size", o.segment_size}, {"segments", segs}});
  } else {
    std::printf("fid %s\n", ToHex(fid).c_str());
    for (size_t i = 0; i < segments.size(); ++i) std::printf("segment %zu %s\n", i, ToHex(segments[i]).c_str());
  }
  return Status::Ok();
}

}  // namespace

void AddHashCommands(CLI::App& app) {
  auto* h = app.add_subcommand("hash", "Hashes and file IDs");
  h->require_subcommand(1);
  auto o = std::make_shared<FidOptions>();
  auto* fid = h->add_subcommand("fid", "Print the CESS FID of FILE and its segment hashes (hex)");
  fid->add_option("file", o->file, "Input file")->required();
  fid->add_option("--segment-size", o->segment_size, "Segment size in bytes (last segment zero-padded)")
      ->capture_default_str();
  fid->add_option("--backend", o->backend, "auto|ref|cpu|cuda")->capture_default_str();
  fid->add_flag("--json", o->json, "Print the result as JSON");
  fid->callback([o] { RunOrExit([&] { return RunFid(*o); }); });
}

}  // namespace cess::cli
