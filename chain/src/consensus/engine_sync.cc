// Engine: block sync (requests, responses, serving blocks).
#include <string>
#include <utility>

#include "cess/chain/consensus/engine.h"
#include "cess/core/log.h"

namespace cess::chain::consensus {

namespace {
const log::Logger kLog("consensus");
// Encoded bytes one response carries at most (at least one block is always sent).
constexpr size_t kMaxResponseBytes = size_t{16} << 20;
}  // namespace

std::optional<PeerId> Engine::BestPeer() const {
  std::optional<PeerId> best;
  uint64_t height = 0;
  for (const auto& [peer, status] : peers_) {
    if (!best || status.best_height > height) {
      best = peer;
      height = status.best_height;
    }
  }
  return best;
}

bool Engine::Syncing() const {
  const uint64_t best = tree_.Header(best_hash_)->height;
  for (const auto& [peer, status] : peers_) {
    auto seen = peer_seen_ms_.find(peer);
    const bool fresh = seen != peer_seen_ms_.end() && now_ms_ <= seen->second + 3 * config_.status_interval_ms;
    if (fresh && status.best_height > best + 2) return true;
  }
  return false;
}

void Engine::MaybeRequestBlocks(const PeerId& peer, uint64_t from_height) {
  if (sync_deadline_ms_ && now_ms_ < *sync_deadline_ms_) return;
  Send(peer, Message{BlocksRequest{from_height, kSyncBatch}});
  sync_deadline_ms_ = now_ms_ + config_.sync_timeout_ms;
  ++stats_.sync_requests;
}

Status Engine::HandleBlocksRequest(const PeerId& from, const BlocksRequest& request) {
  BlocksResponse response;
  size_t bytes = 0;
  const uint64_t root_height = tree_.root().height;
  for (uint64_t h = std::max<uint64_t>(request.from_height, 1);
       response.blocks.size() < request.max_count; ++h) {
    SyncBlock sb;
    if (h <= root_height) {
      CESS_ASSIGN_OR_RETURN(std::optional<Block> block, FinalizedBlock(h));
      if (!block) break;
      sb.block = std::move(*block);
      CESS_ASSIGN_OR_RETURN(sb.justification, JustificationAt(h));
    } else {
      const std::optional<Hash256> at = tree_.AncestorAt(best_hash_, h);
      if (!at) break;
      sb.block = *tree_.Get(*at);
    }
    size_t size = kBlockHeaderBytes + 64 + 8;
    for (const Transaction& tx : sb.block.transactions) size += tx.EncodedSize();
    if (!response.blocks.empty() && bytes + size > kMaxResponseBytes) break;
    bytes += size;
    response.blocks.push_back(std::move(sb));
  }
  Send(from, Message{std::move(response)});
  return Status::Ok();
}

Status Engine::HandleBlocksResponse(const PeerId& from, const BlocksResponse& response) {
  sync_deadline_ms_.reset();
  uint64_t last = 0;
  for (const SyncBlock& sb : response.blocks) {
    const uint64_t h = sb.block.header.height;
    if (last != 0 && h != last + 1) return Status::InvalidArgument("blocks response out of order");
    last = h;
    if (h <= tree_.root().height) continue;
    CESS_ASSIGN_OR_RETURN(ImportOutcome outcome, ImportBlock(sb.block, from, false));
    if (outcome == ImportOutcome::kOrphan) break;
    if (sb.justification) {
      if (sb.justification->target_hash != sb.block.Hash()) {
        return Status::InvalidArgument("justification does not name its block");
      }
      CESS_RETURN_IF_ERROR(HandleCommit(*sb.justification, true));
      if (!health_.ok()) return Status::Ok();
    }
  }
  if (response.blocks.size() >= kSyncBatch && last != 0) MaybeRequestBlocks(from, last + 1);
  kLog.Trace("sync: {} blocks from {}", response.blocks.size(), from);
  return Status::Ok();
}

}  // namespace cess::chain::consensus
