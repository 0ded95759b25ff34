// A storage miner's duties on chain (issue 5 §2, §3, §7), run by the miner process every poll:
//   1. register with sminer (region, endpoint, capacity, collateral) when not registered;
//   2. transfer_report for each file whose fragments of its index it now holds;
//   3. PoDR² tags: for each of its untagged fragments, ask the enclave, keep the tags beside the
//      fragment, and send calculate_report with the enclave's signatures;
//   4. answer its audit challenge with a PoDR² proof over its whole fragment set; when the proof
//      does not verify locally (or a read finds a fragment that fails its hash), scrub: re-hash
//      every fragment and open a restoral order for any that no longer matches;
//   5. claim an open restoral order it may take, rebuild the fragment from k others, store it
//      and complete the order (its tags follow through step 3);
//   6. pending fragments (pushed early, before their file was declared): once the file is
//      declared, keep those the chain assigns here (step 2 reports them) and drop the others;
//      drop all of them when the file is still undeclared after the pending window. Fragments
//      of undeclared files found at start-up (a restart while pending) get a fresh window.
// Every step is idempotent and driven by chain state, so a restarted miner picks up where it was.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cess/chain/profile.h"
#include "cess/chain/types.h"
#include "cess/core/result.h"
#include "cess/enclave/client.h"
#include "cess/storage/fragment_store.h"
#include "cess/storage/retrieval.h"
#include "cessd/node_client.h"
#include "cessd/remote_state.h"
#include "cessd/tx_submitter.h"
#include "storage_client/miner_client.h"

namespace cess::node {

struct MinerAgentConfig {
  std::string region;
  std::string endpoint;  // advertised on chain
  uint64_t capacity = 0;
  uint64_t collateral = 0;  // 0: the chain's minimum
  // How long fragments pushed before their file's declaration are kept waiting for it.
  uint32_t pending_window_s = 600;
};

struct MinerAgentStats {
  std::string chain_state = "unregistered";
  uint64_t challenges_answered = 0;
  uint64_t tags_reported = 0;
  uint64_t transfer_reports = 0;
  uint64_t restorals_completed = 0;
  uint64_t corrupt_found = 0;
  std::string last_error;
};

class MinerAgent {
 public:
  // All references must outlive the agent.
  MinerAgent(MinerAgentConfig config, const chain::Profile& profile, std::string chain_id, const NodeClient& node,
             TxSubmitter& tx, const enclave::EnclaveClient& enclave, storage::FragmentStore& store);

  // One pass over duties 1, 2, 3 and 5 above. Errors are logged and kept in stats().last_error; a
  // failing duty does not stop the others. Not thread-safe against itself (one driver thread).
  void TickDuties();
  // Duty 4 (the challenge, which has a deadline) and the scrub, on its own thread so that long
  // report rounds never delay a proof. May run concurrently with TickDuties (one thread each).
  void TickAudit();

  // Called by the fragment service after a fragment of `fid` was stored: the next Tick looks at
  // the file's deal first. Thread-safe.
  void NoteFragmentStored(const Hash256& fid);
  // Called by the fragment service after an early push of fragments `hashes` for file `fid`,
  // which was not declared yet (duty 6). Thread-safe.
  void NotePending(const Hash256& fid, const std::vector<Hash256>& hashes);
  // Bytes of pending fragments (pushed early, file not declared yet). Thread-safe.
  uint64_t PendingBytes() const;
  // The fragment hashes of file `fid` that the chain assigns to this miner (a deal position or a
  // position it holds), read from the best state; nullopt when the file is not declared.
  // Errors: node errors.
  Result<std::optional<std::set<Hash256>>> Assignment(const Hash256& fid);
  // Called by the fragment service when a stored fragment failed its hash. Thread-safe.
  void NoteCorrupt(const Hash256& fragment);

  // Whether the chain names this miner for fragment `hash` of file `fid` (a deal or a restoral
  // it claimed). Reads the best state. Errors: FailedPrecondition when it does not; node errors.
  Status CheckAssigned(const Hash256& fid, const Hash256& hash);

  MinerAgentStats stats() const;
  const chain::AccountId& account() const { return tx_.account(); }

 private:
  Status EnsureRegistered(const chain::state::StateReader& reader);
  Status ReportTransfers(const chain::state::StateReader& reader);
  Status ReportTags(const chain::state::StateReader& reader);
  Status AnswerChallenge(const chain::state::StateReader& reader);
  Status Scrub();
  Status TakeRestoral(const chain::state::StateReader& reader);
  Status CollectPending(const chain::state::StateReader& reader);
  // The fragment hashes of file `fid` that the chain assigns to this miner (a deal position or a
  // position it holds); nullopt when the file is not declared.
  Result<std::optional<std::set<Hash256>>> AssignedHere(const chain::state::StateReader& reader, const Hash256& fid);
  void Fail(const std::string& what, const Status& s);

  MinerAgentConfig config_;
  const chain::Profile& profile_;
  std::string chain_id_;
  const NodeClient& node_;
  TxSubmitter& tx_;
  const enclave::EnclaveClient& enclave_;
  storage::FragmentStore& store_;
  std::unique_ptr<storage::Retriever> retriever_;
  GrpcFragmentFetcher fetcher_;
  Hash256 tee_key_{};
  bool have_tee_key_ = false;

  mutable std::mutex mu_;
  std::set<Hash256> stored_fids_;  // fids with new fragments since the last pass
  std::set<Hash256> corrupt_;      // fragments found corrupt by the service
  std::map<Hash256, std::set<Hash256>> assigned_;  // fid -> fragment hashes the chain assigns here
  struct Pending {
    std::chrono::steady_clock::time_point since;
    std::set<Hash256> hashes;
  };
  std::map<Hash256, Pending> pending_;  // fid -> fragments pushed before its declaration (duty 6)
  bool pending_scanned_ = false;        // the start-up scan for undeclared files ran (driver thread)
  MinerAgentStats stats_;
  std::atomic<bool> registered_{false};
  uint64_t answered_issued_at_ = UINT64_MAX;  // the challenge last answered (audit thread only)
  uint64_t ticks_ = 0;
};

}  // namespace cess::node
