// The file_bank module's invariants (see FileBankModule::CheckInvariants in file_bank.h).
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/chain/runtime/storage.h"

namespace cess::chain::runtime::file_bank {
namespace {

uint32_t LeU32(ByteSpan v) {
  return static_cast<uint32_t>(v[0]) | static_cast<uint32_t>(v[1]) << 8 | static_cast<uint32_t>(v[2]) << 16 |
         static_cast<uint32_t>(v[3]) << 24;
}

}  // namespace

Status FileBankModule::CheckInvariants(const state::StateReader& reader) const {
  auto fail = [](const std::string& what) { return Status::Internal("file_bank: " + what); };
  const uint32_t per_segment = profile_.ec_data + profile_.ec_parity;
  std::map<AccountId, uint64_t> locked;
  std::map<AccountId, std::map<Hash256, uint32_t>> index;
  std::map<std::pair<AccountId, Hash256>, uint32_t> minerfile;
  std::map<AccountId, uint64_t> used;
  std::set<std::pair<AccountId, Hash256>> owned;
  std::set<std::pair<Hash256, Hash256>> lost;
  const Bytes file_prefix = KeyBuilder(kName, "file").Take();
  std::vector<std::pair<Hash256, FileInfo>> files;
  Status bad;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(file_prefix, [&](ByteSpan key, ByteSpan value) {
    Result<FileInfo> f = codec::Decode<FileInfo>(value);
    if (key.size() != file_prefix.size() + 32 || !f.ok()) {
      bad = fail("malformed file record");
      return false;
    }
    Hash256 fid;
    std::copy(key.begin() + static_cast<ptrdiff_t>(file_prefix.size()), key.end(), fid.begin());
    files.emplace_back(fid, std::move(f).value());
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  for (const auto& [fid, f] : files) {
    if (f.segments.empty() || f.owners.empty()) return fail("a file without segments or owners");
    CESS_ASSIGN_OR_RETURN(std::optional<Deal> deal, ReadDeal(reader, fid));
    if (deal.has_value() != (f.state == FileState::kPending)) return fail("deal and Pending state disagree");
    bool all_tagged = true, any_unavailable = false;
    for (const SegmentInfo& s : f.segments) {
      if (s.fragments.size() != per_segment) return fail("a segment with the wrong fragment count");
      for (const FragmentInfo& fr : s.fragments) {
        all_tagged = all_tagged && fr.tagged;
        any_unavailable = any_unavailable || !fr.available;
        if (fr.tagged && (!fr.available || fr.miner.IsZero())) return fail("a tagged fragment not held");
        if (fr.miner.IsZero()) {
          lost.insert({fid, fr.hash});
          continue;
        }
        minerfile[{fr.miner, fid}] += 1;
        if (fr.tagged) {
          index[fr.miner][fr.hash] += 1;
        } else {
          locked[fr.miner] += profile_.fragment_size;
        }
      }
    }
    if (f.state != FileState::kPending && (f.state == FileState::kActive) != all_tagged) {
      return fail("Active state disagrees with tags");
    }
    if (f.state == FileState::kCalculate && any_unavailable)
      return fail("a Calculate file with unavailable fragments");
    if ((f.state == FileState::kRecovery || f.state == FileState::kMissing) && !any_unavailable) {
      return fail("a Recovery / Missing file with every fragment available");
    }
    for (const OwnerInfo& o : f.owners) {
      used[o.account] += FileCharge(profile_, f.segments.size());
      owned.insert({o.account, fid});
    }
  }
  CESS_ASSIGN_OR_RETURN(std::vector<RestoralOrder> orders, ListRestoralOrders(reader));
  std::set<std::pair<Hash256, Hash256>> ordered;
  for (const RestoralOrder& o : orders) {
    if (!lost.contains({o.fid, o.fragment})) return fail("a restoral order without a lost fragment");
    ordered.insert({o.fid, o.fragment});
  }
  if (ordered != lost) return fail("a lost fragment without a restoral order");
  // Miners.
  CESS_ASSIGN_OR_RETURN(std::vector<sminer::MinerSummary> miners, sminer::ListMiners(reader));
  for (const sminer::MinerSummary& s : miners) {
    CESS_ASSIGN_OR_RETURN(std::optional<sminer::MinerInfo> m, sminer::ReadMiner(reader, s.id));
    if (m->locked != locked[s.id]) return fail("locked bytes of " + s.id.ToHex() + " differ from its files");
    CESS_ASSIGN_OR_RETURN(auto frags, sminer::ListMinerFragments(reader, s.id));
    std::map<Hash256, uint32_t> have(frags.begin(), frags.end());
    if (have != index[s.id]) return fail("fragment index of " + s.id.ToHex() + " differs from its files");
    locked.erase(s.id);
    index.erase(s.id);
  }
  for (const auto& [id, bytes] : locked) {
    if (bytes != 0) return fail("fragments held by an unknown miner");
  }
  for (const auto& [id, m] : index) {
    if (!m.empty()) return fail("tagged fragments held by an unknown miner");
  }
  // Minerfile, owned and quota indexes.
  const Bytes mf_prefix = KeyBuilder(kName, "minerfile").Take();
  size_t mf_count = 0;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(mf_prefix, [&](ByteSpan key, ByteSpan value) {
    if (key.size() != mf_prefix.size() + 64 || value.size() != 4) {
      bad = fail("malformed minerfile entry");
      return false;
    }
    AccountId m;
    Hash256 fid;
    auto at = key.begin() + static_cast<ptrdiff_t>(mf_prefix.size());
    std::copy(at, at + 32, m.bytes.begin());
    std::copy(at + 32, at + 64, fid.begin());
    auto it = minerfile.find({m, fid});
    if (it == minerfile.end() || it->second != LeU32(value)) {
      bad = fail("minerfile entry differs from the files");
      return false;
    }
    ++mf_count;
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  if (mf_count != minerfile.size()) return fail("a held fragment without a minerfile entry");
  const Bytes owned_prefix = KeyBuilder(kName, "owned").Take();
  size_t owned_count = 0;
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(owned_prefix, [&](ByteSpan key, ByteSpan) {
    AccountId o;
    Hash256 fid;
    if (key.size() != owned_prefix.size() + 64) {
      bad = fail("malformed owned key");
      return false;
    }
    auto at = key.begin() + static_cast<ptrdiff_t>(owned_prefix.size());
    std::copy(at, at + 32, o.bytes.begin());
    std::copy(at + 32, at + 64, fid.begin());
    if (!owned.contains({o, fid})) {
      bad = fail("an owned entry without the owner on the file");
      return false;
    }
    ++owned_count;
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  if (owned_count != owned.size()) return fail("an owner without an owned entry");
  const Bytes quota_prefix = KeyBuilder(kName, "quota").Take();
  CESS_RETURN_IF_ERROR(reader.ScanPrefix(quota_prefix, [&](ByteSpan key, ByteSpan value) {
    Result<Quota> q = codec::Decode<Quota>(value);
    if (key.size() != quota_prefix.size() + 32 || !q.ok()) {
      bad = fail("malformed quota");
      return false;
    }
    AccountId id;
    std::copy(key.begin() + static_cast<ptrdiff_t>(quota_prefix.size()), key.end(), id.bytes.begin());
    if (q->used > q->total || q->used != used[id]) {
      bad = fail("quota used of " + id.ToHex() + " differs from its files");
      return false;
    }
    used.erase(id);
    return true;
  }));
  CESS_RETURN_IF_ERROR(bad);
  for (const auto& [id, u] : used) {
    if (u != 0) return fail("an owner without a quota record");
  }
  return Status::Ok();
}

}  // namespace cess::chain::runtime::file_bank
