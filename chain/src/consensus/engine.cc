// Engine: construction, message dispatch, ticking, transactions and status.
#include "cess/chain/consensus/engine.h"

#include <algorithm>
#include <string>
#include <utility>

#include "cess/core/log.h"
#include "consensus/engine_util.h"
#include "runtime/worker_pool.h"

namespace cess::chain::consensus {

namespace {
const log::Logger kLog("consensus");
}  // namespace

uint64_t Stats::total_received() const {
  uint64_t n = 0;
  for (uint64_t v : received) n += v;
  return n;
}

uint64_t Stats::total_rejected() const {
  uint64_t n = 0;
  for (uint64_t v : rejected) n += v;
  return n;
}

Engine::Engine(EngineConfig config, Application& app, Network& network)
    : config_(std::move(config)),
      app_(app),
      net_(network),
      genesis_(app.genesis()),
      genesis_hash_(genesis_.Hash()),
      pool_(config_.tx_pool),
      verify_pool_(std::make_unique<runtime::WorkerPool>(std::max(1, config_.verify_threads))),
      recent_txs_(config_.recent_tx_capacity) {
  if (config_.account_key) me_ = AccountId::Of(*config_.account_key);
}

Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::Create(EngineConfig config, Application& app, Network& network) {
  if (config.validator && !config.account_key) {
    return Status::InvalidArgument("engine: a validator needs an account key");
  }
  if (config.validator && !crypto::ecvrf::PublicKeyFromSecret(config.vrf_secret_key).ok()) {
    return Status::InvalidArgument("engine: a validator needs a valid VRF secret key");
  }
  std::unique_ptr<Engine> engine(new Engine(std::move(config), app, network));
  CESS_RETURN_IF_ERROR(engine->Init());
  return engine;
}

Status Engine::Init() {
  std::lock_guard<std::mutex> lock(mu_);
  const BlockHeader committed = app_.committed_header();
  tree_.Reset(committed);
  best_hash_ = tree_.root_hash();
  stats_.finalized_height = committed.height;
  stats_.best_height = committed.height;
  CESS_RETURN_IF_ERROR(LoadVoterSet());
  if (!config_.safety_state_path.empty()) {
    CESS_ASSIGN_OR_RETURN(std::optional<VoterSafety> saved, LoadVoterSafety(config_.safety_state_path));
    if (saved && saved->set_id == safety_.set_id) {
      safety_ = *saved;
      stats_.round = safety_.round;
      kLog.Info("resuming set {} at round {}", safety_.set_id, safety_.round);
    } else if (saved && saved->set_id > safety_.set_id) {
      // The store is behind the votes this validator cast: keep the record so that nothing is
      // signed in those sets again (voting resumes once the node has synced past them).
      safety_ = *saved;
    }
  }
  return Status::Ok();
}

void Engine::OnMessage(const PeerId& from, ByteSpan message) {
  const std::optional<MessageKind> kind = PeekKind(message);
  if (kind == MessageKind::kTransaction || kind == MessageKind::kTransactions) {
    OnTransactionsMessage(from, message, *kind);  // checked outside the mutex
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (kind) ++stats_.received[static_cast<size_t>(*kind)];
  if (!health_.ok()) return;
  Result<Message> decoded = DecodeMessage(message);
  if (!decoded.ok()) {
    ++stats_.malformed;
    if (kind) ++stats_.rejected[static_cast<size_t>(*kind)];
    kLog.Debug("malformed message from {}: {}", from, decoded.status().ToString());
    return;
  }
  const MessageKind k = decoded->kind();
  Status s = Dispatch(from, std::move(decoded).value());
  if (!s.ok()) {
    ++stats_.rejected[static_cast<size_t>(k)];
    kLog.Debug("rejected {} from {}: {}", MessageKindName(k), from, s.ToString());
  }
}

Status Engine::Dispatch(const PeerId& from, Message&& message) {
  switch (message.kind()) {
    case MessageKind::kTransaction:
    case MessageKind::kTransactions:
      // OnMessage hands transactions to OnTransactionsMessage, never here.
      return Status::Internal("transactions are not dispatched under the engine mutex");
    case MessageKind::kBlockAnnounce: {
      CESS_ASSIGN_OR_RETURN(ImportOutcome outcome, ImportBlock(std::get<Block>(message.body), from, true));
      (void)outcome;
      return Status::Ok();
    }
    case MessageKind::kVote:
      return HandleVote(std::get<SignedVote>(message.body));
    case MessageKind::kCommit:
      return HandleCommit(std::get<Justification>(message.body), false);
    case MessageKind::kStatus:
      return HandleStatus(from, std::get<StatusMessage>(message.body));
    case MessageKind::kBlocksRequest:
      return HandleBlocksRequest(from, std::get<BlocksRequest>(message.body));
    case MessageKind::kBlocksResponse:
      return HandleBlocksResponse(from, std::get<BlocksResponse>(message.body));
    case MessageKind::kEvidence:
      return HandleEvidence(std::get<EquivocationEvidence>(message.body));
  }
  return Status::Corruption("unknown message kind");
}

void Engine::Tick(uint64_t now_ms) {
  bool revalidate = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    now_ms_ = std::max(now_ms_, now_ms);
    if (!health_.ok()) return;
    ExpireOrphans();
    if (sync_deadline_ms_ && now_ms_ >= *sync_deadline_ms_) sync_deadline_ms_.reset();
    MaybeAuthor();
    DriveFinality();
    if (!status_sent_ || now_ms_ >= last_status_ms_ + config_.status_interval_ms) BroadcastStatus();
    MaybeSubmitVrf();
    revalidate = revalidate_pending_ &&
                 (!last_revalidate_ms_ || now_ms_ >= *last_revalidate_ms_ + config_.pool_revalidate_interval_ms);
    if (revalidate) last_revalidate_ms_ = now_ms_;
  }
  if (revalidate) RevalidatePool();
}

Status Engine::HandleStatus(const PeerId& from, const StatusMessage& status) {
  if (status.genesis_hash != genesis_hash_) return Status::InvalidArgument("status of another chain");
  peers_[from] = status;
  peer_seen_ms_[from] = now_ms_;
  const BlockHeader& root = tree_.root();
  const BlockHeader* best = tree_.Header(best_hash_);
  if (status.finalized_height > root.height) {
    MaybeRequestBlocks(from, root.height + 1);
  } else if (status.best_height > best->height) {
    MaybeRequestBlocks(from, best->height + 1);
  }
  return Status::Ok();
}

void Engine::Send(const PeerId& to, const Message& m) { net_.Send(to, EncodeMessage(m)); }

void Engine::Broadcast(const Message& m) { net_.Broadcast(EncodeMessage(m)); }

void Engine::BroadcastStatus() {
  const BlockHeader* best = tree_.Header(best_hash_);
  StatusMessage s;
  s.genesis_hash = genesis_hash_;
  s.best_height = best->height;
  s.best_hash = best_hash_;
  s.finalized_height = tree_.root().height;
  s.finalized_hash = tree_.root_hash();
  Broadcast(Message{s});
  last_status_ms_ = now_ms_;
  status_sent_ = true;
}

std::optional<uint64_t> Engine::CurrentSlot() const {
  const uint64_t slot_ms = genesis_.profile.slot_ms;
  if (slot_ms == 0 || now_ms_ < genesis_.genesis_time_ms) return std::nullopt;
  return (now_ms_ - genesis_.genesis_time_ms) / slot_ms;
}

Stats Engine::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.pool_size = pool_.size();
  return s;
}

BlockHeader Engine::best_header() const {
  std::lock_guard<std::mutex> lock(mu_);
  return *tree_.Header(best_hash_);
}

BlockHeader Engine::finalized_header() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tree_.root();
}

Result<std::optional<Block>> Engine::FinalizedBlock(uint64_t height) const {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> bytes, app_.store().GetAux(kBlocksColumn, HeightKey(height)));
  if (!bytes) return std::optional<Block>();
  CESS_ASSIGN_OR_RETURN(Block b, codec::Decode<Block>(*bytes));
  return std::optional<Block>(std::move(b));
}

Result<std::optional<Justification>> Engine::JustificationAt(uint64_t height) const {
  CESS_ASSIGN_OR_RETURN(std::optional<Bytes> bytes,
                        app_.store().GetAux(kJustificationsColumn, HeightKey(height)));
  if (!bytes) return std::optional<Justification>();
  CESS_ASSIGN_OR_RETURN(Justification j, codec::Decode<Justification>(*bytes));
  return std::optional<Justification>(std::move(j));
}

Status Engine::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  return health_;
}

size_t Engine::pool_size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pool_.size();
}

}  // namespace cess::chain::consensus
