#include "storage_client/chain_view.h"

#include <map>

#include "cess/chain/runtime/sminer.h"
#include "cess/core/codec.h"

namespace cess::node {

namespace file_bank = chain::runtime::file_bank;
namespace sminer = chain::runtime::sminer;

storage::Layout LayoutOf(const chain::Profile& profile) {
  storage::Layout l;
  l.segment_size = profile.segment_size;
  l.fragment_size = profile.fragment_size;
  l.data_shards = profile.ec_data;
  l.parity_shards = profile.ec_parity;
  return l;
}

Result<storage::FileManifest> ManifestOf(const chain::Profile& profile, const Hash256& fid,
                                         const file_bank::FileInfo& file) {
  storage::FileManifest m;
  m.fid = fid;
  m.file_size = file.size;
  m.layout = LayoutOf(profile);
  m.encrypted = !file.cipher_info.empty();
  if (m.encrypted) {
    auto cipher = codec::Decode<storage::CipherInfo>(file.cipher_info);
    if (!cipher.ok()) return cipher.status().WithContext("the file's cipher info");
    m.cipher = std::move(cipher).value();
  }
  m.segments.reserve(file.segments.size());
  for (const file_bank::SegmentInfo& s : file.segments) {
    storage::SegmentInfo si;
    si.hash = s.hash;
    for (const file_bank::FragmentInfo& f : s.fragments) si.fragment_hashes.push_back(f.hash);
    m.segments.push_back(std::move(si));
  }
  CESS_RETURN_IF_ERROR(m.Validate());
  return m;
}

Result<std::vector<std::vector<storage::FragmentLocation>>> LocationsOf(const chain::state::StateReader& reader,
                                                                       const file_bank::FileInfo& file) {
  std::map<chain::AccountId, std::string> endpoints;
  std::vector<std::vector<storage::FragmentLocation>> out(file.segments.size());
  for (size_t s = 0; s < file.segments.size(); ++s) {
    const auto& frags = file.segments[s].fragments;
    for (size_t j = 0; j < frags.size(); ++j) {
      const file_bank::FragmentInfo& f = frags[j];
      if (!f.available || f.miner == chain::AccountId()) continue;
      auto it = endpoints.find(f.miner);
      if (it == endpoints.end()) {
        CESS_ASSIGN_OR_RETURN(auto info, sminer::ReadMiner(reader, f.miner));
        it = endpoints.emplace(f.miner, info ? info->endpoint : std::string()).first;
      }
      if (it->second.empty()) continue;
      storage::FragmentLocation loc;
      loc.index = static_cast<uint32_t>(j);
      loc.hash = f.hash;
      loc.miner = f.miner.bytes;
      loc.endpoint = it->second;
      out[s].push_back(std::move(loc));
    }
  }
  return out;
}

}  // namespace cess::node
