// Engine: GRANDPA-style finality (the rules are in engine.h).
#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>

#include "cess/chain/consensus/engine.h"
#include "cess/core/log.h"
#include "consensus/engine_util.h"

namespace cess::chain::consensus {

namespace {
const log::Logger kLog("consensus");
// Past rounds whose votes are kept (a late precommit may still complete one), and how far ahead a
// vote's round may be.
constexpr uint64_t kKeepRounds = 3;
constexpr uint64_t kMaxFutureRounds = 64;
}  // namespace

bool Engine::IsVoter() const {
  return config_.validator && me_ && voters_.Contains(*me_) && voters_.set_id >= min_vote_set_;
}

Status Engine::LoadVoterSet() {
  const BlockHeader& root = tree_.root();
  CESS_ASSIGN_OR_RETURN(AuthoritySet auths, app_.Authorities(tree_.root_hash(), root.era));
  VoterSet voters;
  voters.set_id = root.era;
  for (const Authority& a : auths.authorities) voters.voters.push_back(a.account);
  CESS_RETURN_IF_ERROR(voters.Validate());
  voters_ = std::move(voters);
  rounds_.clear();
  estimate_.reset();
  if (safety_.set_id != voters_.set_id) {
    if (safety_.set_id > voters_.set_id) min_vote_set_ = std::max(min_vote_set_, safety_.set_id + 1);
    safety_ = VoterSafety{};
    safety_.set_id = voters_.set_id;
  }
  stats_.set_id = voters_.set_id;
  stats_.round = safety_.round;
  round_start_ms_ = now_ms_;
  threshold_prevotes_ms_.reset();
  ++stats_.rounds;
  return Status::Ok();
}

void Engine::StartRound(uint64_t round) {
  if (round <= safety_.round) return;
  safety_.round = round;
  safety_.prevote.reset();
  safety_.precommit.reset();
  round_start_ms_ = now_ms_;
  threshold_prevotes_ms_.reset();
  ++stats_.rounds;
  stats_.round = round;
  while (!rounds_.empty() && rounds_.begin()->first + kKeepRounds < round) rounds_.erase(rounds_.begin());
}

std::optional<Hash256> Engine::Ghost(const RoundVotes& votes) const {
  const uint32_t threshold = voters_.Threshold();
  std::unordered_map<Hash256, uint32_t, Hash256Hasher> support;
  for (const auto& [voter, sv] : votes.votes(VoteKind::kPrevote)) {
    Hash256 cur = sv.vote.target_hash;
    if (!tree_.Contains(cur)) continue;
    while (true) {
      ++support[cur];
      if (cur == tree_.root_hash()) break;
      cur = tree_.Header(cur)->parent_hash;
    }
  }
  std::optional<Hash256> best;
  uint64_t best_height = 0;
  for (const auto& [hash, n] : support) {
    if (n < threshold) continue;
    const uint64_t h = tree_.Header(hash)->height;
    if (!best || h > best_height || (h == best_height && hash < *best)) {
      best = hash;
      best_height = h;
    }
  }
  return best;
}

std::optional<std::pair<Hash256, uint64_t>> Engine::PrevoteTarget() const {
  const BlockHeader& root = tree_.root();
  Hash256 base = best_hash_;
  if (safety_.lock && safety_.lock->height > root.height) {
    if (!tree_.Contains(safety_.lock->hash)) return std::make_pair(safety_.lock->hash, safety_.lock->height);
    if (!tree_.IsAncestor(safety_.lock->hash, base)) base = tree_.BestDescendant(safety_.lock->hash);
  }
  // The era rule: set s votes at most up to the first block of an era above s.
  while (base != tree_.root_hash()) {
    const BlockHeader* h = tree_.Header(base);
    const BlockHeader* parent = tree_.Header(h->parent_hash);
    if (parent->era <= voters_.set_id) break;
    base = h->parent_hash;
  }
  return std::make_pair(base, tree_.Header(base)->height);
}

Status Engine::CastVote(VoteKind kind, const Hash256& target, uint64_t height) {
  Vote v;
  v.kind = kind;
  v.round = safety_.round;
  v.set_id = voters_.set_id;
  v.target_hash = target;
  v.target_height = height;
  CESS_ASSIGN_OR_RETURN(SignedVote sv, SignedVote::Sign(v, *config_.account_key, genesis_.chain_id));
  VoterSafety next = safety_;
  if (kind == VoteKind::kPrevote) {
    next.prevote = sv;
  } else {
    next.precommit = sv;
    // The lock rule: keep the lock only when the new precommit is a strict ancestor of it.
    const bool keep = next.lock && next.lock->height > height &&
                      (!tree_.Contains(next.lock->hash) || tree_.IsAncestor(target, next.lock->hash));
    if (!keep) next.lock = VoteLock{target, height, safety_.round};
  }
  if (!config_.safety_state_path.empty()) {
    Status s = SaveVoterSafety(config_.safety_state_path, next);
    if (!s.ok()) return s.WithContext("persisting the voter safety state (vote not sent)");
  }
  safety_ = std::move(next);
  rounds_[safety_.round].Add(sv, nullptr);
  ++stats_.votes_cast;
  Broadcast(Message{sv});
  last_rebroadcast_ms_ = now_ms_;
  return Status::Ok();
}

void Engine::DriveFinality() {
  if (!health_.ok() || voters_.voters.empty()) return;
  CheckFinality();
  if (!health_.ok()) return;
  const BlockHeader& root = tree_.root();
  const uint64_t round = safety_.round;
  const uint32_t threshold = voters_.Threshold();
  RoundVotes& votes = rounds_[round];
  if (votes.count(VoteKind::kPrevote) >= threshold && !threshold_prevotes_ms_) threshold_prevotes_ms_ = now_ms_;
  if (IsVoter()) {
    if (safety_.lock && safety_.lock->height <= root.height) safety_.lock.reset();
    if (!safety_.prevote) {
      const auto target = PrevoteTarget();
      if (target && target->second > root.height) {
        Status s = CastVote(VoteKind::kPrevote, target->first, target->second);
        if (!s.ok()) kLog.Warn("prevote: {}", s.ToString());
      }
    }
    if (!safety_.precommit && threshold_prevotes_ms_ &&
        (votes.count(VoteKind::kPrevote) >= voters_.voters.size() ||
         now_ms_ >= *threshold_prevotes_ms_ + config_.prevote_wait_ms)) {
      const std::optional<Hash256> g = Ghost(votes);
      if (g && tree_.Header(*g)->height > root.height) {
        Status s = CastVote(VoteKind::kPrecommit, *g, tree_.Header(*g)->height);
        if (!s.ok()) kLog.Warn("precommit: {}", s.ToString());
      }
    }
    if (now_ms_ >= last_rebroadcast_ms_ + config_.vote_rebroadcast_ms) {
      if (safety_.prevote) Broadcast(Message{*safety_.prevote});
      if (safety_.precommit) Broadcast(Message{*safety_.precommit});
      last_rebroadcast_ms_ = now_ms_;
    }
  }
  // The estimate: the GHOST of the latest round that has one.
  for (auto it = rounds_.rbegin(); it != rounds_.rend(); ++it) {
    if (estimate_ && estimate_->second > it->first) break;
    const std::optional<Hash256> g = Ghost(it->second);
    if (g) {
      if (!estimate_ || estimate_->first != *g) {
        estimate_ = std::make_pair(*g, it->first);
        OnTreeChanged();
      }
      break;
    }
  }
  CheckFinality();
  if (health_.ok() && now_ms_ >= round_start_ms_ + config_.round_timeout_ms) StartRound(safety_.round + 1);
}

void Engine::CheckFinality() {
  const uint32_t threshold = voters_.Threshold();
  for (const auto& [round, votes] : rounds_) {
    std::map<Hash256, uint32_t> counts;
    for (const auto& [voter, sv] : votes.votes(VoteKind::kPrecommit)) ++counts[sv.vote.target_hash];
    for (const auto& [target, n] : counts) {
      if (n < threshold || !tree_.Contains(target) || target == tree_.root_hash()) continue;
      Justification j;
      j.round = round;
      j.set_id = voters_.set_id;
      j.target_hash = target;
      j.target_height = tree_.Header(target)->height;
      j.precommits = votes.PrecommitsFor(target);
      Status s = Finalize(target, j, true);
      if (!s.ok()) kLog.Error("finalizing {}: {}", j.target_height, s.ToString());
      return;  // rounds_ may have changed
    }
  }
}

Status Engine::Finalize(const Hash256& target, const Justification& justification, bool gossip) {
  std::vector<Block> path;
  for (const Block* b : tree_.PathFromRoot(target)) path.push_back(*b);
  if (path.empty()) return Status::NotFound("finalized block is not in the tree");
  // A best head off the finalized chain is about to be pruned: its transactions go back first.
  if (!tree_.IsAncestor(target, best_hash_)) ReturnOrphanedTransactions(best_hash_, target);
  const uint64_t old_set = voters_.set_id;
  for (const Block& b : path) {
    const Hash256 hash = b.Hash();
    std::vector<state::AuxWrite> aux;
    aux.push_back({std::string(kBlocksColumn), HeightKey(b.header.height), codec::Encode(b)});
    aux.push_back({std::string(kBlockHashColumn), Bytes(hash.begin(), hash.end()), HeightKey(b.header.height)});
    if (hash == target) {
      aux.push_back({std::string(kJustificationsColumn), HeightKey(b.header.height), codec::Encode(justification)});
    }
    // The receipt index: read before Commit prunes the executed block.
    if (auto receipts = app_.ReceiptsOf(hash); receipts.ok()) {
      for (size_t i = 0; i < receipts->size(); ++i) {
        const Receipt& rc = (*receipts)[i];
        TxLocation loc{b.header.height, static_cast<uint32_t>(i), rc};
        aux.push_back({std::string(kReceiptsColumn), Bytes(rc.tx_hash.begin(), rc.tx_hash.end()), codec::Encode(loc)});
      }
    } else if (!b.transactions.empty()) {
      kLog.Warn("block {}: no receipts to index: {}", b.header.height, receipts.status().ToString());
    }
    Status s = [&] {
      ScopedTimer timer(stats_.commit_us);
      return app_.Commit(hash, aux);
    }();
    if (!s.ok()) {
      health_ = s.WithContext("Commit of block " + std::to_string(b.header.height));
      kLog.Error("{}; the engine stops", health_.ToString());
      return health_;
    }
    tree_.SetRoot(hash);
    ++stats_.blocks_finalized;
  }
  const BlockHeader& root = tree_.root();
  stats_.finalized_height = root.height;
  kLog.Debug("finalized block {} (round {}, set {})", root.height, justification.round, justification.set_id);
  if (gossip) Broadcast(Message{justification});
  if (safety_.lock && safety_.lock->height <= root.height) safety_.lock.reset();
  if (root.era != old_set) {
    Status s = LoadVoterSet();
    if (!s.ok()) {
      health_ = s.WithContext("loading the voter set of era " + std::to_string(root.era));
      return health_;
    }
  } else {
    StartRound(std::max(safety_.round, justification.round + 1));
  }
  if (estimate_ && !tree_.Contains(estimate_->first)) estimate_.reset();
  OnTreeChanged();
  if (!tree_.Contains(best_hash_)) {
    best_hash_ = tree_.root_hash();
    OnTreeChanged();
  }
  return Status::Ok();
}

Status Engine::HandleVote(const SignedVote& sv) {
  const Vote& v = sv.vote;
  if (v.set_id != voters_.set_id) return Status::Ok();  // another set: stale, or ahead of us (sync)
  if (!voters_.Contains(v.voter)) return Status::InvalidArgument("vote by a non-voter");
  if (v.round + kKeepRounds < safety_.round || v.round > safety_.round + kMaxFutureRounds) return Status::Ok();
  RoundVotes& votes = rounds_[v.round];
  const auto& kept = votes.votes(v.kind);
  auto it = kept.find(v.voter);
  if (it != kept.end() && it->second == sv) return Status::Ok();
  CESS_RETURN_IF_ERROR(sv.Verify(genesis_.chain_id));
  std::optional<VoteEquivocation> evidence;
  const RoundVotes::AddResult added = votes.Add(sv, &evidence);
  if (added == RoundVotes::AddResult::kEquivocation) {
    OnEquivocation(EquivocationEvidence{*evidence}, true);
    return Status::Ok();
  }
  if (added != RoundVotes::AddResult::kNew) return Status::Ok();
  if (config_.relay) Broadcast(Message{sv});
  if (!tree_.Contains(v.target_hash) && v.target_height > tree_.root().height) {
    const std::optional<PeerId> peer = BestPeer();
    if (peer) MaybeRequestBlocks(*peer, tree_.root().height + 1);
  }
  if (v.round > safety_.round) {
    std::set<AccountId> seen;
    for (const auto& [voter, x] : votes.votes(VoteKind::kPrevote)) seen.insert(voter);
    for (const auto& [voter, x] : votes.votes(VoteKind::kPrecommit)) seen.insert(voter);
    if (seen.size() >= voters_.voters.size() - voters_.Threshold() + 1) StartRound(v.round);
  }
  DriveFinality();
  return Status::Ok();
}

Status Engine::HandleCommit(const Justification& j, bool from_sync) {
  if (j.target_height <= tree_.root().height) return Status::Ok();
  if (j.set_id != voters_.set_id) return Status::Ok();  // cannot be checked yet; sync sorts it out
  CESS_RETURN_IF_ERROR(j.Verify(genesis_.chain_id, voters_));
  if (!tree_.Contains(j.target_hash)) {
    const std::optional<PeerId> peer = BestPeer();
    if (peer) MaybeRequestBlocks(*peer, tree_.root().height + 1);
    return Status::Ok();
  }
  return Finalize(j.target_hash, j, config_.relay && !from_sync);
}

}  // namespace cess::chain::consensus
