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
// PrepareProposal (the pool's priority order) → FinalizeBlock → Seal → broadcast. A slot whose
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
// Threading: every public method takes one internal mutex; OnMessage may be called from any
// transport thread, Tick from a driver thread (a real node calls it every 20–50 ms with the system
// clock; tests call it with a virtual clock). Outputs go only through Network (non-blocking).
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

namespace cess::chain::consensus {

// Column families of the engine's records in the state store (committed with each final block).
inline constexpr std::string_view kBlocksColumn = "blocks";                  // height (BE u64) -> Block
inline constexpr std::string_view kBlockHashColumn = "block_hash";           // hash -> height (BE u64)
inline constexpr std::string_view kJustificationsColumn = "justifications";  // height -> Justification
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
  // The fee the engine offers on its own transactions (equivocation reports, VRF submissions).
  uint64_t own_tx_fee = 10'000;
  // Re-broadcast transactions, blocks, votes and evidence the first time they are accepted
  // (gossip over a partial mesh). Default true.
  bool relay = true;
};

// Counters; a snapshot is returned by Engine::stats().
struct Stats {
  std::array<uint64_t, kNumMessageKinds> received{};  // per MessageKind
  std::array<uint64_t, kNumMessageKinds> rejected{};  // malformed or invalid, per MessageKind
  uint64_t malformed = 0;          // undecodable messages (unknown kind included)
  uint64_t blocks_authored = 0;
  uint64_t blocks_imported = 0;    // executed and added to the tree (own blocks excluded)
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
  uint64_t pool_size = 0;

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
  // Returns the check's outcome; a full pool gives kResourceLimit, a duplicate kOk.
  TxCheck SubmitTransaction(const Transaction& tx);

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
  Status HandleTransaction(const Transaction& tx, bool from_peer);
  Status HandleStatus(const PeerId& from, const StatusMessage& status);
  Status HandleEvidence(const EquivocationEvidence& evidence);
  void Send(const PeerId& to, const Message& m);
  void Broadcast(const Message& m);
  void BroadcastStatus();
  std::optional<uint64_t> CurrentSlot() const;

  // Blocks (engine_blocks.cc).
  Result<ImportOutcome> ImportBlock(const Block& block, const PeerId& from, bool relay);
  Status ValidateAndExecute(const Block& block);
  void ImportOrphansOf(const Hash256& parent, const PeerId& from);
  void ExpireOrphans();
  void MaybeAuthor();
  void OnTreeChanged();
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
