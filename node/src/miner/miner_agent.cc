#include "miner/miner_agent.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "cess/chain/runtime/audit.h"
#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/runtime/sminer.h"
#include "cess/chain/runtime/tee.h"
#include "cess/core/log.h"
#include "cess/storage/proofs/podr2.h"
#include "storage_client/chain_view.h"

namespace cess::node {
namespace {

namespace file_bank = chain::runtime::file_bank;
namespace sminer = chain::runtime::sminer;
namespace audit = chain::runtime::audit;
namespace tee = chain::runtime::tee;
namespace podr2 = proofs::podr2;

const log::Logger kLog("miner");

// How often (in ticks) the agent re-reads every file it holds, not only those with news.
constexpr uint64_t kFullScanEvery = 10;

}  // namespace

MinerAgent::MinerAgent(MinerAgentConfig config, const chain::Profile& profile, std::string chain_id,
                       const NodeClient& node, TxSubmitter& tx, const enclave::EnclaveClient& enclave,
                       storage::FragmentStore& store)
    : config_(std::move(config)),
      profile_(profile),
      chain_id_(std::move(chain_id)),
      node_(node),
      tx_(tx),
      enclave_(enclave),
      store_(store) {
  storage::RetrieverOptions ro;
  ro.threads = 4;
  auto r = storage::Retriever::Create(LayoutOf(profile_), ro);
  if (r.ok()) retriever_ = std::move(r).value();
}

void MinerAgent::NoteFragmentStored(const Hash256& fid) {
  std::lock_guard lock(mu_);
  stored_fids_.insert(fid);
}

void MinerAgent::NoteCorrupt(const Hash256& fragment) {
  std::lock_guard lock(mu_);
  corrupt_.insert(fragment);
}

MinerAgentStats MinerAgent::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void MinerAgent::Fail(const std::string& what, const Status& s) {
  kLog.Warn("{}: {}", what, s.ToString());
  std::lock_guard lock(mu_);
  stats_.last_error = what + ": " + s.ToString();
}

void MinerAgent::TickDuties() {
  ++ticks_;
  RemoteStateReader reader(node_);
  if (Status s = EnsureRegistered(reader); !s.ok()) {
    Fail("registration", s);
    return;
  }
  if (!registered_.load()) return;
  if (Status s = CollectPending(reader); !s.ok()) Fail("pending fragments", s);
  if (Status s = ReportTransfers(reader); !s.ok()) Fail("transfer reports", s);
  if (Status s = ReportTags(reader); !s.ok()) Fail("tag reports", s);
  if (Status s = TakeRestoral(reader); !s.ok()) Fail("restoral", s);
}

void MinerAgent::TickAudit() {
  if (!registered_.load()) return;
  RemoteStateReader reader(node_);
  if (Status s = AnswerChallenge(reader); !s.ok()) Fail("challenge", s);
  bool scrub = false;
  {
    std::lock_guard lock(mu_);
    scrub = !corrupt_.empty();
  }
  if (scrub) {
    if (Status s = Scrub(); !s.ok()) Fail("scrub", s);
  }
}

Status MinerAgent::EnsureRegistered(const chain::state::StateReader& reader) {
  CESS_ASSIGN_OR_RETURN(auto info, sminer::ReadMiner(reader, account()));
  if (info) {
    {
      std::lock_guard lock(mu_);
      stats_.chain_state = std::string(sminer::MinerStateName(info->state));
    }
    if (!registered_.load()) {
      registered_.store(true);
      kLog.Info("registered as miner {} ({}, region {})", account().ToHex(), stats_.chain_state, info->region);
    }
    if (info->endpoint != config_.endpoint &&
        (info->state == sminer::MinerState::kPositive || info->state == sminer::MinerState::kFrozen)) {
      CESS_RETURN_IF_ERROR(tx_.SubmitAndWait(sminer::UpdateEndpointCall(config_.endpoint)).status());
    }
    return Status::Ok();
  }
  registered_.store(false);
  sminer::RegisterArgs args;
  args.region = config_.region;
  args.endpoint = config_.endpoint;
  args.capacity = config_.capacity;
  args.collateral = std::max(config_.collateral, sminer::MinCollateral(profile_, config_.capacity));
  kLog.Info("registering: region {}, capacity {}, collateral {}", args.region, args.capacity, args.collateral);
  CESS_RETURN_IF_ERROR(tx_.SubmitAndWait(sminer::RegisterCall(args)).status());
  registered_.store(true);
  return Status::Ok();
}

Result<std::optional<std::set<Hash256>>> MinerAgent::AssignedHere(const chain::state::StateReader& reader,
                                                                   const Hash256& fid) {
  std::vector<chain::AccountId> deal_miners;
  {
    auto deal = file_bank::ReadDeal(reader, fid);
    if (!deal.ok()) return deal.status();
    if (deal->has_value()) deal_miners = (*deal)->miners;
  }
  CESS_ASSIGN_OR_RETURN(auto file, file_bank::ReadFile(reader, fid));
  if (!file) return std::optional<std::set<Hash256>>();
  std::set<Hash256> mine;
  // A deal position, or a position this miner holds (e.g. claimed for restoral).
  for (const file_bank::SegmentInfo& s : file->segments) {
    for (size_t j = 0; j < s.fragments.size(); ++j) {
      if (s.fragments[j].miner == account() || (j < deal_miners.size() && deal_miners[j] == account())) {
        mine.insert(s.fragments[j].hash);
      }
    }
  }
  return std::optional<std::set<Hash256>>(std::move(mine));
}

Status MinerAgent::CheckAssigned(const Hash256& fid, const Hash256& hash) {
  {
    std::lock_guard lock(mu_);
    auto it = assigned_.find(fid);
    if (it != assigned_.end() && it->second.count(hash) != 0) return Status::Ok();
  }
  // Read the file's deal and record once; an upload then pushes all its fragments without
  // another chain read.
  RemoteStateReader reader(node_);
  CESS_ASSIGN_OR_RETURN(auto mine, AssignedHere(reader, fid));
  if (!mine) return Status::FailedPrecondition("no file " + chain::HashToHex(fid) + " is declared on chain");
  const bool ok = mine->count(hash) != 0;
  {
    std::lock_guard lock(mu_);
    if (assigned_.size() >= 1024) assigned_.clear();  // a bound, not an LRU: re-reads are cheap
    assigned_[fid] = std::move(*mine);
  }
  if (ok) return Status::Ok();
  return Status::FailedPrecondition("fragment " + chain::HashToHex(hash) + " of file " + chain::HashToHex(fid) +
                                    " is not assigned to this miner");
}

Result<std::optional<std::set<Hash256>>> MinerAgent::Assignment(const Hash256& fid) {
  RemoteStateReader reader(node_);
  return AssignedHere(reader, fid);
}

uint64_t MinerAgent::PendingBytes() const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& [fid, p] : pending_) n += p.hashes.size();
  return n * profile_.fragment_size;
}

void MinerAgent::NotePending(const Hash256& fid, const std::vector<Hash256>& hashes) {
  std::lock_guard lock(mu_);
  Pending& p = pending_[fid];
  if (p.hashes.empty()) p.since = std::chrono::steady_clock::now();
  p.hashes.insert(hashes.begin(), hashes.end());
}

Status MinerAgent::CollectPending(const chain::state::StateReader& reader) {
  if (!pending_scanned_) {
    // Fragments of files not declared on chain (a restart while pending, or a push whose
    // declaration never came) get a fresh window.
    CESS_ASSIGN_OR_RETURN(auto list, store_.List());
    std::map<Hash256, std::vector<Hash256>> by_fid;
    for (const storage::FragmentInfo& info : list) {
      for (const Hash256& fid : info.fids) by_fid[fid].push_back(info.hash);
    }
    for (const auto& [fid, hashes] : by_fid) {
      CESS_ASSIGN_OR_RETURN(auto file, file_bank::ReadFile(reader, fid));
      if (!file) NotePending(fid, hashes);
    }
    pending_scanned_ = true;
  }
  std::map<Hash256, Pending> pending;
  {
    std::lock_guard lock(mu_);
    pending = pending_;
  }
  const auto now = std::chrono::steady_clock::now();
  const auto window = std::chrono::seconds(config_.pending_window_s);
  Status first_error;
  for (const auto& [fid, p] : pending) {
    CESS_ASSIGN_OR_RETURN(auto mine, AssignedHere(reader, fid));
    if (!mine && now - p.since < window) continue;  // still waiting for the declaration
    std::set<Hash256> drop;
    for (const Hash256& h : p.hashes) {
      if (!mine || mine->count(h) == 0) drop.insert(h);
    }
    for (const Hash256& h : drop) {
      Status s = store_.Delete(fid, h);
      if (!s.ok() && s.code() != StatusCode::kNotFound && first_error.ok()) first_error = s;
    }
    if (!drop.empty()) {
      kLog.Info("dropped {} pending fragments of file {} ({})", drop.size(), chain::HashToHex(fid),
                mine ? "not assigned here" : "never declared");
    }
    std::lock_guard lock(mu_);
    auto it = pending_.find(fid);
    if (it != pending_.end()) {
      for (const Hash256& h : p.hashes) it->second.hashes.erase(h);
      if (it->second.hashes.empty()) pending_.erase(it);
    }
    if (mine) stored_fids_.insert(fid);  // declared: its transfer report is due
  }
  return first_error;
}

Status MinerAgent::ReportTransfers(const chain::state::StateReader& reader) {
  std::set<Hash256> fids;
  {
    std::lock_guard lock(mu_);
    fids.swap(stored_fids_);
  }
  if (ticks_ % kFullScanEvery == 1) {
    CESS_ASSIGN_OR_RETURN(auto held, file_bank::ListMinerFiles(reader, account()));
    for (const auto& [fid, n] : held) fids.insert(fid);
  }
  std::set<Hash256> retry;
  Status first_error;
  for (const Hash256& fid : fids) {
    auto deal = file_bank::ReadDeal(reader, fid);
    if (!deal.ok()) return deal.status();
    if (!*deal) continue;  // no deal (done, or never declared)
    int index = -1;
    for (size_t j = 0; j < (*deal)->miners.size(); ++j) {
      if ((*deal)->miners[j] == account() && !(*deal)->reported[j]) index = static_cast<int>(j);
    }
    if (index < 0) continue;
    CESS_ASSIGN_OR_RETURN(auto file, file_bank::ReadFile(reader, fid));
    if (!file) continue;
    bool have_all = true;
    for (const file_bank::SegmentInfo& s : file->segments) {
      if (!store_.Info(s.fragments[static_cast<size_t>(index)].hash).ok()) {
        have_all = false;
        break;
      }
    }
    if (!have_all) {
      retry.insert(fid);
      continue;
    }
    auto out = tx_.SubmitAndWait(file_bank::TransferReportCall(fid, static_cast<uint32_t>(index)));
    if (!out.ok()) {
      if (first_error.ok()) first_error = out.status();
      retry.insert(fid);
      continue;
    }
    kLog.Info("transfer report for {} (fragment index {})", chain::HashToHex(fid), index);
    std::lock_guard lock(mu_);
    ++stats_.transfer_reports;
  }
  if (!retry.empty()) {
    std::lock_guard lock(mu_);
    stored_fids_.insert(retry.begin(), retry.end());
  }
  return first_error;
}

Status MinerAgent::ReportTags(const chain::state::StateReader& reader) {
  if (!have_tee_key_) {
    CESS_ASSIGN_OR_RETURN(auto info, enclave_.Info());
    tee_key_ = info.attestation_key;
    have_tee_key_ = true;
  }
  CESS_ASSIGN_OR_RETURN(auto held, file_bank::ListMinerFiles(reader, account()));
  Status first_error;
  for (const auto& [fid, count] : held) {
    CESS_ASSIGN_OR_RETURN(auto file, file_bank::ReadFile(reader, fid));
    if (!file || file->state == file_bank::FileState::kPending) continue;
    // Untagged positions of this miner, grouped by fragment index.
    std::map<uint32_t, std::vector<file_bank::TagEntry>> entries;
    for (size_t s = 0; s < file->segments.size(); ++s) {
      const auto& frags = file->segments[s].fragments;
      for (size_t j = 0; j < frags.size(); ++j) {
        const file_bank::FragmentInfo& f = frags[j];
        if (f.miner != account() || f.tagged) continue;
        auto bytes = store_.Get(f.hash, /*verify=*/true);
        if (!bytes.ok()) {
          if (bytes.status().code() == StatusCode::kCorruption) NoteCorrupt(f.hash);
          continue;  // not here yet (restoral in progress) or corrupt: nothing to tag
        }
        auto tags = enclave_.GenerateTags(chain_id_, account().bytes, fid, f.hash, profile_.podr2_blocks_per_fragment,
                                          *bytes);
        if (!tags.ok()) return tags.status().WithContext("enclave tags");
        Bytes blob;
        blob.reserve(tags->tags.size() * (tags->tags.empty() ? 0 : tags->tags[0].size()));
        for (const Bytes& t : tags->tags) blob.insert(blob.end(), t.begin(), t.end());
        CESS_RETURN_IF_ERROR(store_.PutTags(f.hash, blob));
        file_bank::TagEntry e;
        e.segment = static_cast<uint32_t>(s);
        e.tag_digest = tags->tag_digest;
        e.signature = tags->signature;
        entries[static_cast<uint32_t>(j)].push_back(e);
      }
    }
    for (auto& [index, list] : entries) {
      file_bank::CalculateArgs args;
      args.fid = fid;
      args.fragment_index = index;
      args.tee_key = tee_key_;
      args.tags = std::move(list);
      const size_t n = args.tags.size();
      auto out = tx_.SubmitAndWait(file_bank::CalculateReportCall(args), 2);
      if (!out.ok()) {
        if (first_error.ok()) first_error = out.status();
        continue;
      }
      kLog.Info("tags reported for {} (fragment index {}, {} segments)", chain::HashToHex(fid), index, n);
      std::lock_guard lock(mu_);
      stats_.tags_reported += n;
    }
  }
  return first_error;
}

Status MinerAgent::AnswerChallenge(const chain::state::StateReader& reader) {
  CESS_ASSIGN_OR_RETURN(auto challenge, audit::ReadChallenge(reader, account()));
  if (!challenge || challenge->issued_at == answered_issued_at_) return Status::Ok();
  CESS_ASSIGN_OR_RETURN(auto key, tee::ReadNetworkPodr2Key(reader));
  if (!key) return Status::FailedPrecondition("no network PoDR² key on chain");
  CESS_ASSIGN_OR_RETURN(std::vector<Hash256> names, sminer::MinerFragmentNames(reader, account()));
  if (podr2::CoverageCommitment(names) != challenge->coverage) {
    kLog.Warn("the fragment set changed since challenge {}; proving over the current set", challenge->issued_at);
  }
  const uint64_t block_size = profile_.fragment_size / profile_.podr2_blocks_per_fragment;
  auto tag_cache = std::make_shared<std::map<Hash256, Bytes>>();
  std::vector<podr2::FragmentSource> sources;
  sources.reserve(names.size());
  for (const Hash256& name : names) {
    podr2::FragmentSource src;
    src.name = name;
    src.read_block = [this, name, block_size](uint32_t i) -> Result<Bytes> {
      return store_.ReadBlock(name, uint64_t{i} * block_size, block_size);
    };
    src.read_tag = [this, name, tag_cache](uint32_t i) -> Result<Bytes> {
      auto it = tag_cache->find(name);
      if (it == tag_cache->end()) {
        CESS_ASSIGN_OR_RETURN(Bytes blob, store_.GetTags(name));
        it = tag_cache->emplace(name, std::move(blob)).first;
      }
      // Tags are |N| bytes each, stored back to back.
      const size_t blocks = profile_.podr2_blocks_per_fragment;
      if (it->second.empty() || it->second.size() % blocks != 0) return Status::Corruption("malformed tag file");
      const size_t tag_size = it->second.size() / blocks;
      const size_t off = size_t{i} * tag_size;
      if (off + tag_size > it->second.size()) return Status::Corruption("short tag file");
      return Bytes(it->second.begin() + static_cast<std::ptrdiff_t>(off),
                   it->second.begin() + static_cast<std::ptrdiff_t>(off + tag_size));
    };
    sources.push_back(std::move(src));
  }
  auto proof = podr2::Prove(*key, challenge->challenge, sources);
  if (!proof.ok()) return proof.status().WithContext("proving " + std::to_string(names.size()) + " fragments");
  // The chain will verify it; checking here first costs one verification and says early (in the
  // log) when the data or tags no longer match. The proof goes out either way: the chain's verdict
  // is what counts.
  if (Status v = podr2::Verify(*key, challenge->challenge, names, *proof); !v.ok()) {
    kLog.Warn("challenge {}: the proof does not verify locally ({}); some fragment or tag is damaged",
              challenge->issued_at, v.ToString());
    NoteCorrupt(Hash256{});
  }
  auto out = tx_.SubmitAndWait(audit::SubmitProofCall(challenge->seed, names, *proof), 4);
  answered_issued_at_ = challenge->issued_at;
  if (!out.ok()) return out.status();
  kLog.Info("answered challenge {} over {} fragments", challenge->issued_at, names.size());
  {
    std::lock_guard lock(mu_);
    ++stats_.challenges_answered;
  }
  return Status::Ok();
}

Status MinerAgent::Scrub() {
  {
    std::lock_guard lock(mu_);
    corrupt_.clear();
  }
  CESS_ASSIGN_OR_RETURN(auto list, store_.List());
  Status first_error;
  for (const storage::FragmentInfo& info : list) {
    auto bytes = store_.Get(info.hash, /*verify=*/true);
    if (bytes.ok() || bytes.status().code() != StatusCode::kCorruption) continue;
    kLog.Warn("fragment {} fails its hash: opening restoral orders", chain::HashToHex(info.hash));
    {
      std::lock_guard lock(mu_);
      ++stats_.corrupt_found;
    }
    for (const Hash256& fid : info.fids) {
      auto out = tx_.SubmitAndWait(file_bank::GenerateRestoralOrderCall(fid, info.hash));
      if (!out.ok() && first_error.ok()) first_error = out.status();
      if (Status s = store_.Delete(fid, info.hash); !s.ok() && first_error.ok()) first_error = s;
    }
  }
  return first_error;
}

Status MinerAgent::TakeRestoral(const chain::state::StateReader& reader) {
  if (!retriever_) return Status::Internal("no retriever for this layout");
  CESS_ASSIGN_OR_RETURN(auto orders, file_bank::ListRestoralOrders(reader));
  if (orders.empty()) return Status::Ok();
  CESS_ASSIGN_OR_RETURN(auto status, node_.Status());
  const uint64_t height = status.best_height();
  CESS_ASSIGN_OR_RETURN(auto held, file_bank::ListMinerFiles(reader, account()));
  std::set<Hash256> held_fids;
  for (const auto& [fid, n] : held) held_fids.insert(fid);
  CESS_ASSIGN_OR_RETURN(auto me, sminer::ReadMiner(reader, account()));
  if (!me || me->state != sminer::MinerState::kPositive) return Status::Ok();
  for (const file_bank::RestoralOrder& order : orders) {
    if (order.origin == account()) continue;
    const bool mine = order.claimer == account() && order.deadline >= height;
    const bool open = order.claimer == chain::AccountId() || order.deadline < height;
    if (!mine && !(open && held_fids.count(order.fid) == 0)) continue;
    if (me->free() < profile_.fragment_size) return Status::Ok();
    CESS_ASSIGN_OR_RETURN(auto file, file_bank::ReadFile(reader, order.fid));
    if (!file) continue;
    if (!mine) {
      auto claimed = tx_.SubmitAndWait(file_bank::ClaimRestoralOrderCall(order.fid, order.fragment));
      if (!claimed.ok()) return claimed.status().WithContext("claim");
      kLog.Info("claimed restoral of fragment {} of {}", chain::HashToHex(order.fragment), chain::HashToHex(order.fid));
    }
    CESS_ASSIGN_OR_RETURN(auto manifest, ManifestOf(profile_, order.fid, *file));
    CESS_ASSIGN_OR_RETURN(auto locations, LocationsOf(reader, *file));
    bool rebuilt = false;
    for (size_t s = 0; s < file->segments.size() && !rebuilt; ++s) {
      const auto& frags = file->segments[s].fragments;
      for (size_t j = 0; j < frags.size(); ++j) {
        if (frags[j].hash != order.fragment || frags[j].available) continue;
        // Already here (another file shares it, or an earlier attempt stored it): add the reference.
        auto local = store_.Get(order.fragment, /*verify=*/true);
        if (local.ok()) {
          CESS_RETURN_IF_ERROR(store_.Put(order.fid, order.fragment, *local));
        } else {
          std::vector<storage::FetchFailure> failures;
          auto bytes = retriever_->RebuildFragment(manifest.segments[s], static_cast<uint32_t>(s),
                                                   static_cast<uint32_t>(j), locations[s], fetcher_, &failures);
          if (!bytes.ok()) return bytes.status().WithContext("rebuilding");
          CESS_RETURN_IF_ERROR(store_.Put(order.fid, order.fragment, *bytes));
        }
        rebuilt = true;
        break;
      }
    }
    if (!rebuilt) continue;
    auto done = tx_.SubmitAndWait(file_bank::RestoralOrderCompleteCall(order.fid, order.fragment));
    if (!done.ok()) return done.status().WithContext("complete");
    kLog.Info("restored fragment {} of {}", chain::HashToHex(order.fragment), chain::HashToHex(order.fid));
    std::lock_guard lock(mu_);
    ++stats_.restorals_completed;
    return Status::Ok();  // one per tick
  }
  return Status::Ok();
}

}  // namespace cess::node
