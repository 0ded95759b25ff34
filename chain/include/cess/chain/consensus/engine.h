// The consensus engine (issue 4 §4, DESIGN.md §8): slots and block authoring, block import, fork
// choice, GRANDPA-style finality, equivocation reporting, R²S VRF submission and sync. It talks to
// the runtime only through Application (application.h) and to peers only through Network
// (network.h); messages are consensus/message.h.
//
// ---------------------------------------------------------------------------------------------
// The protocol, exactly.
//
// Slots. slot = (now_ms − genesis_time_ms) / profile.slot_ms; epoch = slot / slots_per_epoch;
// era = epoch / epochs_per_era. The author of slot s on top of parent P is
// Authorities(P, era(s)).AuthorOf(s) (elected[s mod N]). An author builds at most one block per
// slot, on its best head, only when s > head.slot: ProveVrf over EpochRandomness(P, epoch) →
// PrepareProposal (the pool's priority order; smaller limits while the head is not final, see
// EngineConfig::shrink_blocks_while_unfinalized) → FinalizeBlock → Seal → broadcast. A slot whose
// author is offline stays empty (missed slots are skipped). A node that sees a peer more than two
// blocks ahead of its best head does not author (it is syncing).
//
// Import. A block is accepted when its seal and transactions root check (Block::CheckIntegrity),
// its parent is known, height = parent + 1, slot > parent slot and slot <= current slot + 1, epoch
// and era follow from the slot, its author is Authorities(parent, era).AuthorOf(slot), its VRF
// proof verifies under that authority's VRF key over EpochRandomness(parent, epoch), and
// ProcessProposal executes it to the header's roots. A block with an unknown parent is kept as an
// orphan (bounded, for orphan_ttl_ms) and blocks are requested from the sender.
//
// Fork choice. The best head is the highest block descending from the anchor, ties to the lower
// hash. The anchor is the last finalized block, or, when it descends from it and is known, the
// estimate: the prevote-GHOST of the latest round that had one (GRANDPA's rule "the best chain
// containing the estimate"), so authors extend the chain the voters are converging on.
//
// Finality (GRANDPA-style, one voter set per era). Voter set s = the authorities of era s
// (Authorities(F, s).ToVoterSet(), set_id = s) where F is the last finalized block and s = F.era;
// threshold t = n − ⌊(n−1)/3⌋. Rounds r = 0, 1, 2, ... of set s:
//   prevote    When its prevote target is above F, a voter prevotes it: the best head, restricted
//              (era rule) to its highest ancestor B whose parent's era is <= s; if the voter is
//              locked on L and that target does not descend from L, it prevotes the best descendant
//              of L instead (L itself when L is not known).
//   GHOST      g(r) = the highest block (ties: lower hash) with >= t prevotes of round r naming it
//              or a descendant of it.
//   precommit  Once g(r) exists and is above F, and either all n prevotes are in or prevote_wait_ms
//              passed since t prevotes were in, a voter precommits g(r) and updates its lock:
//              lock := (g(r), r) unless g(r) is a strict ancestor of the current lock (then the lock
//              stays). A lock at or below F is dropped.
//   final      A block with >= t precommits of one round naming it exactly is final; its
//              Justification is those precommits. Finalizing commits it and its unfinalized
//              ancestors to the application in height order (one WriteBatch each, with aux column
//              families "blocks" height→block, "block_hash" hash→height, "justifications"
//              height→justification; heights are 8-byte big-endian), and is gossiped as a commit.
//   rounds     A round ends when it finalized a block or after round_timeout_ms; the next round
//              starts at once. A voter that sees valid votes of a later round r' from at least
//              n − t + 1 voters (so at least one honest) jumps to r'; a commit of round r moves it to
//              r + 1 at least.
// Safety: each voter signs at most one prevote and one precommit per (set, round); its safety state
// (set, round, the votes it cast, its lock) is written atomically to safety_state_path before a vote
// leaves, so a restarted validator resumes without double voting. With at most ⌊(n−1)/3⌋ faulty
// voters two conflicting blocks are never both final: a precommit needs t prevotes; t precommits
// for L lock at least t − f >= f + 1 honest voters on L (or descendants), who prevote only
// descendants of their lock afterwards, so no later round gathers t prevotes for a block
// conflicting with L.
// Set changes: set s may finalize at most up to the first block of an era above s (the era rule);
// once a block of era e > s is final, set s ends and set e begins at round 0 with no lock. A
// syncing node therefore verifies each justification with the set its previous finalized block
// selects.
//
// Equivocation. Two different signed votes of one voter with the same kind, round and set, or two
// different sealed headers of one author for the same slot, are evidence: the engine gossips it
// and, on a validator, submits staking.report_equivocation (args = the evidence's encoding) as a
// transaction signed by its own account, once per offence (OffenceKey).
// R²S. Once per era each validator submits r2s.submit_vrf(era ‖ ECVRF proof over
// r2s::EraVrfInput(era seed, era)), the era seed read from the state of its best head
// (r2s::ReadEraSeed), with the nonce of its account there (balances::ReadAccount) past its own
// pending transactions.
//
// Sync. Every status_interval_ms a node broadcasts its status. A peer with a higher finalized or
// best height is asked for blocks from committed + 1 (or best + 1 when only the best is behind),
// kSyncBatch at a time; responses carry final blocks with their justification (when they were
// finalized explicitly) and then the responder's best chain. Blocks are imported as above and
// justifications verified against the current voter set and applied, in order, so a late or
// restarted node catches up from genesis.
//
// Robustness. Every message is decoded strictly; malformed or invalid ones are counted per kind
// in Stats and dropped. Nothing a peer sends can crash or abort the engine.
// ---------------------------------------------------------------------------------------------
//
// Transactions (intake). Clients submit one transaction or a batch (SubmitTransactions); peers
// gossip single transactions (kind 0) or batches (kind 8). Either way the engine hashes them, drops
// those already pooled (and, from peers, those it admitted or saw in a block recently:
// recent_tx_capacity, so relayed copies cost a hash and a lookup), and runs the application's
// CheckTx at a snapshot of the best head on a small thread pool OUTSIDE the engine's mutex (the
// signature checks dominate; the runtime's signature cache remembers each verified transaction, so
// a transaction is verified at most once per node). Then, under the mutex, each is admitted to the
// pool in batch order (one checked at a head that is no longer the best is checked again there:
// cheap, its signature is cached), and the admitted ones are gossiped as transactions messages of
// at most kMaxTransactionsPerBatch and gossip_batch_bytes: a client's to every peer, a peer's to
// every reachable peer but the sender. After a new best head the pool drops what the new chain
// includes at once and re-checks the rest on a later Tick (at most every pool_revalidate_interval_ms),
// again outside the mutex (removing the refused ones only while that head is still the best). When
// the best head switches to another fork, or finality prunes it, the abandoned blocks' transactions
// go back to the pool.
//
// Threading: every public method takes one internal mutex (transaction intake only for the short
// admission step); OnMessage may be called from any transport thread, Tick from a driver thread (a
// real node calls it every 20–50 ms with the system clock; tests call it with a virtual clock).
// Outputs go only through Network (non-blocking).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "cess/chain/application.h"
#include "cess/chain/block.h"
#include "cess/chain/consensus/block_tree.h"
#include "cess/chain/consensus/message.h"
#include "cess/chain/consensus/network.h"
#include "cess/chain/consensus/round_votes.h"
#include "cess/chain/consensus/tx_pool.h"
#include "cess/chain/consensus/voter_safety.h"
#include "cess/chain/evidence.h"
#include "cess/chain/state/write_set.h"
#include "cess/core/ecvrf.h"
#include "cess/core/ed25519.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain::runtime {
class WorkerPool;
}  // namespace cess::chain::runtime

namespace cess::chain::consensus {

// Column families of the engine's records in the state store (committed with each final block).
inline constexpr std::string_view kBlocksColumn = "blocks";                  // height (BE u64) -> Block
inline constexpr std::string_view kBlockHashColumn = "block_hash";           // hash -> height (BE u64)
inline constexpr std::string_view kJustificationsColumn = "justifications";  // height -> Justification
// tx hash -> TxLocation (height, index in the block, receipt): every finalized transaction.
inline constexpr std::string_view kReceiptsColumn = "receipts";
// Blocks asked for per sync request.
inline constexpr uint32_t kSyncBatch = 64;

struct EngineConfig {
  // The node's account key: seals blocks, signs votes and the engine's own transactions. Required
  // when validator is true.
  std::optional<crypto::Ed25519PrivateKey> account_key;
  // The node's ECVRF secret key (slot VRF, era VRF). Required when validator is true.
  crypto::ecvrf::SecretKey vrf_secret_key{};
  // Author blocks, vote, report equivocations and submit era VRFs. Default false (a full node).
  bool validator = false;
  // Where the voter safety state is persisted; empty keeps it in memory only (then a restart may
  // double vote: tests only). Default empty.
  std::string safety_state_path;

  // Timing, in ms of the injected clock. Defaults suit the devnet's 1 s slots.
  uint64_t prevote_wait_ms = 200;        // after t prevotes, wait this long for the rest
  uint64_t round_timeout_ms = 2000;      // a round that finalizes nothing ends after this
  uint64_t vote_rebroadcast_ms = 500;    // own votes of the current round are re-sent this often
  uint64_t status_interval_ms = 1000;    // status broadcast period
  uint64_t sync_timeout_ms = 2000;       // an unanswered blocks request is retried after this
  uint64_t orphan_ttl_ms = 10'000;       // orphans are dropped after this
  size_t max_orphans = 256;              // orphans kept at most

  TxPoolOptions tx_pool;
  // Block limits for authoring. Defaults 10,000 transactions, 8 MiB.
  size_t max_block_transactions = 10'000;
  size_t max_block_bytes = size_t{8} << 20;
  // Author blocks of at most limit / 2^k (k = unfinalized ancestors, at most 3) while the parent
  // is not final: such blocks cost more to execute and commit (their state root covers the
  // unfinalized ancestors' writes and is computed again at commit), so this is meant to let
  // finality catch up under overload. Default false: its benefit could not be measured on the
  // shared 2-core machine (see bench/chain/devnet_bench.sh).
  bool shrink_blocks_while_unfinalized = false;
  // The pool is re-checked after a new best head at most this often (ms of the injected clock):
  // under overload it holds many blocks' worth, and PrepareProposal skips what is no longer valid
  // anyway. Default 2000.
  uint64_t pool_revalidate_interval_ms = 2000;
  // The fee the engine offers on its own transactions (equivocation reports, VRF submissions).
  uint64_t own_tx_fee = 10'000;
  // Re-broadcast transactions, blocks, votes and evidence the first time they are accepted
  // (gossip over a partial mesh). Default true.
  bool relay = true;
  // Threads checking transactions outside the mutex (the calling thread included). Default 2.
  int verify_threads = 2;
  // The most encoded transaction bytes gossiped in one transactions message. Default 1 MiB.
  size_t gossip_batch_bytes = size_t{1} << 20;
  // Hashes of recently admitted or included transactions remembered, so that gossiped duplicates
  // are dropped unchecked. Default 131072 (a minute at 2,000 tx/s).
  size_t recent_tx_capacity = size_t{1} << 17;
};

// Counters; a snapshot is returned by Engine::stats().
struct Stats {
  std::array<uint64_t, kNumMessageKinds> received{};  // per MessageKind
  std::array<uint64_t, kNumMessageKinds> rejected{};  // malformed or invalid, per MessageKind
  uint64_t malformed = 0;          // undecodable messages (unknown kind included)
  uint64_t blocks_authored = 0;
  uint64_t blocks_imported = 0;    // executed and added to the tree (own blocks excluded)
  uint64_t executed_above_unfinalized = 0;  // blocks authored or imported whose parent was not final
  uint64_t blocks_shrunk = 0;      // authored with smaller limits because finality lagged
  uint64_t orphans = 0;            // blocks kept because their parent was unknown
  uint64_t best_height = 0;
  uint64_t finalized_height = 0;
  uint64_t set_id = 0;
  uint64_t round = 0;              // current round of the set
  uint64_t rounds = 0;             // rounds started in all
  uint64_t votes_cast = 0;
  uint64_t blocks_finalized = 0;
  uint64_t equivocations = 0;      // distinct offences detected or received
  uint64_t reports_submitted = 0;  // staking.report_equivocation transactions made
  uint64_t vrf_submitted = 0;      // r2s.submit_vrf transactions made
  uint64_t sync_requests = 0;
  uint64_t txs_admitted = 0;
  uint64_t txs_refused = 0;        // refused by the admission check or the pool (duplicates excluded)
  uint64_t tx_batches_gossiped = 0;  // transactions messages broadcast
  uint64_t pool_revalidations = 0;   // deferred re-checks of the pool run
  uint64_t pool_revalidated_out = 0;  // transactions they dropped
  uint64_t pool_size = 0;
  // Wall time spent, in µs (metrics; under the mutex unless said otherwise): authoring blocks
  // (PrepareProposal + FinalizeBlock), importing blocks (ProcessProposal), committing final blocks,
  // checking transactions outside the mutex, admitting them to the pool, and re-checking the pool
  // (outside the mutex).
  uint64_t author_us = 0;
  uint64_t import_us = 0;
  uint64_t commit_us = 0;
  uint64_t tx_check_us = 0;
  uint64_t tx_admit_us = 0;
  uint64_t revalidate_us = 0;

  uint64_t total_received() const;
  uint64_t total_rejected() const;
};

class Engine final : public MessageHandler {
 public:
  // An engine on `app` (REQUIRES: InitChain succeeded) sending through `network`; both must
  // outlive it. Loads the voter safety state. Errors: InvalidArgument when a validator lacks keys;
  // Corruption / IoError reading the safety state; errors of the application's queries.
  static Result<std::unique_ptr<Engine>> Create(EngineConfig config, Application& app, Network& network);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // MessageHandler: decodes and handles one message. Never blocks on the network; never crashes
  // on any input; malformed or invalid messages are counted in Stats and dropped.
  void OnMessage(const PeerId& from, ByteSpan message) override;

  // Advances the engine to time `now_ms` (ms since the Unix epoch, or virtual): authors in its
  // slot, drives finality rounds and timeouts, re-sends votes and status, retries sync, expires
  // orphans, submits the era VRF. A time earlier than a previous one is treated as the previous.
  void Tick(uint64_t now_ms);

  // Admits a transaction from a client: CheckTx at the best head, then the pool, then gossip.
  // Returns the check's outcome; a full pool gives kResourceLimit, a duplicate kOk, a nonce already
  // held by the pool at an equal or higher fee kBadNonce.
  TxCheck SubmitTransaction(const Transaction& tx);
  // Admits a batch from a client: as SubmitTransaction for each, in order, with the checks run in
  // parallel outside the engine's mutex and the admitted ones gossiped in batches. Returns one
  // outcome per transaction, in order.
  std::vector<TxCheck> SubmitTransactions(std::span<const Transaction> txs);

  // Snapshot of the counters.
  Stats stats() const;
  // The best head and the last finalized (committed) block.
  BlockHeader best_header() const;
  BlockHeader finalized_header() const;
  // The finalized block at `height` (1..finalized height) from the store; nullopt when absent.
  // Errors: IoError / Corruption from the store.
  Result<std::optional<Block>> FinalizedBlock(uint64_t height) const;
  // The justification stored for `height`, if that block was finalized explicitly.
  Result<std::optional<Justification>> JustificationAt(uint64_t height) const;
  // OK while the engine runs; the application's error once a Commit failed (the node must stop:
  // the engine then ignores messages and ticks).
  Status health() const;
  // Transactions in the pool.
  size_t pool_size() const;

 private:
  struct Orphan {
    Block block;
    uint64_t received_ms = 0;
  };
  enum class ImportOutcome { kImported, kKnown, kOrphan, kStale };

  Engine(EngineConfig config, Application& app, Network& network);
  Status Init();

  // Messages (engine.cc).
  Status Dispatch(const PeerId& from, Message&& message);
  Status HandleStatus(const PeerId& from, const StatusMessage& status);
  Status HandleEvidence(const EquivocationEvidence& evidence);
  void Send(const PeerId& to, const Message& m);
  void Broadcast(const Message& m);
  void BroadcastStatus();
  std::optional<uint64_t> CurrentSlot() const;

  // Transaction intake and pool upkeep (engine_intake.cc). Admit runs without the mutex held: it
  // takes it only around its snapshot and admission steps. `from` is null for client submissions;
  // for a peer's message of `kind`, an invalid transaction counts the message as rejected.
  std::vector<TxCheck> Admit(std::span<const Transaction> txs, const PeerId* from, MessageKind kind);
  void OnTransactionsMessage(const PeerId& from, ByteSpan message, MessageKind kind);
  // Gossips `txs` in batches: to every peer for a client's, to every reachable peer but `from` for
  // a peer's.
  void BroadcastTransactions(std::span<const Transaction* const> txs, const PeerId* from);
  // The transaction hashes of a block in the tree (cached).
  const std::vector<Hash256>& BlockTxHashes(const Block& block);
  // Re-checks the pool at the best head (outside the mutex); called by Tick without the mutex.
  void RevalidatePool();

  // Blocks (engine_blocks.cc).
  Result<ImportOutcome> ImportBlock(const Block& block, const PeerId& from, bool relay);
  Status ValidateAndExecute(const Block& block);
  void ImportOrphansOf(const Hash256& parent, const PeerId& from);
  void ExpireOrphans();
  void MaybeAuthor();
  void OnTreeChanged();
  // When the best head moves from `old_best` to a block not descending from it, puts the
  // transactions of the abandoned blocks (those not on the new chain) back in the pool.
  void ReturnOrphanedTransactions(const Hash256& old_best, const Hash256& new_best);
  Hash256 ForkChoiceAnchor() const;
  void RecordHeader(const SealedHeader& sealed);

  // Finality (engine_finality.cc).
  Status LoadVoterSet();
  void StartRound(uint64_t round);
  void DriveFinality();
  Status HandleVote(const SignedVote& vote);
  Status HandleCommit(const Justification& justification, bool from_sync);
  std::optional<Hash256> Ghost(const RoundVotes& votes) const;
  std::optional<std::pair<Hash256, uint64_t>> PrevoteTarget() const;
  Status CastVote(VoteKind kind, const Hash256& target, uint64_t height);
  void CheckFinality();
  Status Finalize(const Hash256& target, const Justification& justification, bool gossip);
  bool IsVoter() const;

  // Own transactions: equivocation reports, VRF submission (engine_duties.cc).
  void OnEquivocation(const EquivocationEvidence& evidence, bool gossip);
  Status SubmitOwn(Call call);
  Result<uint64_t> OwnNonce();
  void MaybeSubmitVrf();

  // Sync (engine_sync.cc).
  void MaybeRequestBlocks(const PeerId& peer, uint64_t from_height);
  Status HandleBlocksRequest(const PeerId& from, const BlocksRequest& request);
  Status HandleBlocksResponse(const PeerId& from, const BlocksResponse& response);
  bool Syncing() const;

  const EngineConfig config_;
  Application& app_;
  Network& net_;
  const Genesis genesis_;
  const Hash256 genesis_hash_;
  std::optional<AccountId> me_;

  mutable std::mutex mu_;
  uint64_t now_ms_ = 0;
  Status health_;
  Stats stats_;
  BlockTree tree_;
  TxPool pool_;
  Hash256 best_hash_{};
  std::map<Hash256, Orphan> orphans_;
  std::map<std::pair<AccountId, uint64_t>, SealedHeader> seen_headers_;  // (author, slot)
  std::set<Hash256> offences_;
  std::optional<uint64_t> last_authored_slot_;
  std::optional<uint64_t> vrf_era_done_;
  std::unique_ptr<runtime::WorkerPool> verify_pool_;
  bool revalidate_pending_ = false;  // the best head changed since the pool was last re-checked
  std::optional<uint64_t> last_revalidate_ms_;
  std::unordered_map<Hash256, std::vector<Hash256>, Hash256Hasher> block_tx_hashes_;
  RecentTxSet recent_txs_;

  // Finality.
  VoterSet voters_;
  uint64_t round_start_ms_ = 0;
  std::optional<uint64_t> threshold_prevotes_ms_;  // when the current round first had t prevotes
  VoterSafety safety_;                             // set_id_, round, own votes, lock
  std::map<uint64_t, RoundVotes> rounds_;          // round -> votes, of the current set
  std::optional<std::pair<Hash256, uint64_t>> estimate_;  // (g(r), r) of the latest round with one
  uint64_t last_rebroadcast_ms_ = 0;
  uint64_t min_vote_set_ = 0;  // never vote in a set below this (a safety record of a later set)

  // Peers and sync.
  std::map<PeerId, StatusMessage> peers_;
  std::map<PeerId, uint64_t> peer_seen_ms_;
  std::optional<PeerId> BestPeer() const;
  uint64_t last_status_ms_ = 0;
  bool status_sent_ = false;
  std::optional<uint64_t> sync_deadline_ms_;
};

}  // namespace cess::chain::consensus
