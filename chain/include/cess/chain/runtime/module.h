// The runtime module framework, in Substrate's pallet shape (DESIGN.md §8, style guide §17).
//
// A module:
//   - owns the state keys under "<name>/" (its storage items are listed in its header);
//   - declares its calls (CallDef: function name, fee weight, argument check), its numbered errors
//     and the names of its events;
//   - runs calls through Dispatch: validate -> mutate -> emit. A call that returns an error outcome
//     may have staged writes: the dispatcher runs every call in a child Overlay and discards it on
//     failure, so a failed call changes no state except the fee and the nonce;
//   - has hooks at genesis, at the start and at the end of every block;
//   - states its invariants in code (CheckInvariants), checked by tests after random call
//     sequences and optionally after every block.
// Modules are immutable after construction and safe to use from several threads at once; all state
// lives in the Overlay the Context names. No module reads the wall clock, unseeded randomness or
// floating point.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cess/chain/genesis.h"
#include "cess/chain/profile.h"
#include "cess/chain/receipt.h"
#include "cess/chain/state/write_set.h"
#include "cess/chain/types.h"
#include "cess/core/bytes.h"
#include "cess/core/codec.h"
#include "cess/core/ecvrf.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::chain::runtime {

// The block a hook or call runs in (the header fields the runtime reads, and the parent's).
struct BlockEnv {
  Hash256 parent_hash{};
  uint64_t height = 0;
  uint64_t slot = 0;
  uint64_t epoch = 0;
  uint64_t era = 0;
  AccountId author;  // zero for genesis
  crypto::ecvrf::Output vrf_output{};
  uint64_t parent_epoch = 0;  // equal to epoch / era at genesis
  uint64_t parent_era = 0;
  bool genesis = false;

  // True for the first block of its epoch / era (never at genesis).
  bool NewEpoch() const { return !genesis && epoch > parent_epoch; }
  bool NewEra() const { return !genesis && era > parent_era; }
};

// Per-block scratch values that are not state (reset for every block).
struct BlockScratch {
  uint64_t fees = 0;  // fees charged so far in this block, paid to the author at block end
};

// What a call or hook sees: the state to read and write, the block, the profile and an event sink.
// Not thread-safe; one per call or hook.
class Context {
 public:
  Context(state::Overlay& state, const BlockEnv& block, const Profile& profile, std::string_view chain_id,
          BlockScratch& scratch, std::vector<Event>& events)
      : state_(state), block_(block), profile_(profile), chain_id_(chain_id), scratch_(scratch), events_(events) {}

  state::Overlay& state() { return state_; }
  const BlockEnv& block() const { return block_; }
  const Profile& profile() const { return profile_; }
  std::string_view chain_id() const { return chain_id_; }
  BlockScratch& scratch() { return scratch_; }

  // Records an event. REQUIRES: valid names (Event::Validate).
  void Emit(std::string_view module, std::string_view name, Bytes data) {
    events_.push_back(Event{std::string(module), std::string(name), std::move(data)});
  }
  std::vector<Event>& events() { return events_; }

  // A context over `child` that shares the block, profile and scratch and emits into `events`.
  Context WithState(state::Overlay& child, std::vector<Event>& events) const {
    return Context(child, block_, profile_, chain_id_, scratch_, events);
  }

 private:
  state::Overlay& state_;
  const BlockEnv& block_;
  const Profile& profile_;
  std::string_view chain_id_;
  BlockScratch& scratch_;
  std::vector<Event>& events_;
};

// A declared call of a module.
struct CallDef {
  std::string_view name;
  // The call's minimum fee is weight × profile.min_tx_fee.
  uint32_t weight = 1;
  // Decodes `args` as the call's arguments without touching state. Errors: Corruption (or
  // InvalidArgument) when they do not decode; such a transaction gets kBadArguments.
  Status (*check_args)(ByteSpan args) = nullptr;
};

// The usual CallDef::check_args: the arguments decode as T (codec::Decode<T>).
template <typename T>
Status DecodesAs(ByteSpan args) {
  return codec::Decode<T>(args).status();
}

// A declared module error: its stable number (1, 2, ...) and name.
struct ErrorDef {
  uint32_t number = 0;
  std::string_view name;
};

// The outcome of a call the module ran. Anything other than kOk discards the call's writes.
struct CallResult {
  ResultCode code = ResultCode::kOk;
  uint32_t module_error = 0;

  static CallResult Ok() { return {}; }
  template <typename E>
  static CallResult Error(E e) {
    return {ResultCode::kModuleError, static_cast<uint32_t>(e)};
  }
  static CallResult BadArguments() { return {ResultCode::kBadArguments, 0}; }
  static CallResult BadOrigin() { return {ResultCode::kBadOrigin, 0}; }
  bool ok() const { return code == ResultCode::kOk; }
};

class Module {
 public:
  virtual ~Module() = default;

  // The module's name: its calls' and events' module name and its state key prefix ("<name>/").
  virtual std::string_view name() const = 0;
  // The calls, in a stable order (the index Dispatch receives).
  virtual std::span<const CallDef> calls() const = 0;
  // The numbered errors a call may return (CallResult::Error).
  virtual std::span<const ErrorDef> errors() const = 0;
  // The names of the events the module emits.
  virtual std::span<const std::string_view> events() const = 0;

  // Runs call `index` of calls() for `origin` (the signer, who already paid the fee) with `args`.
  // Returns the call's outcome; a non-ok outcome's writes are discarded by the caller. Errors (a
  // Status) only for storage failures or broken state: the node must stop.
  // REQUIRES: index < calls().size().
  virtual Result<CallResult> Dispatch(Context& ctx, const AccountId& origin, size_t index, ByteSpan args) const = 0;

  // Writes the module's genesis state. Errors: InvalidArgument on a genesis the module cannot
  // accept; storage errors.
  virtual Status InitGenesis(Context& ctx, const Genesis& genesis) const {
    (void)ctx;
    (void)genesis;
    return Status::Ok();
  }
  // Runs before the block's transactions / after them. Errors: storage errors or broken state only.
  virtual Status OnBlockStart(Context& ctx) const {
    (void)ctx;
    return Status::Ok();
  }
  virtual Status OnBlockEnd(Context& ctx) const {
    (void)ctx;
    return Status::Ok();
  }

  // Checks the module's invariants on a whole state (between blocks). O(module state). Errors:
  // Internal naming the first invariant broken; storage errors.
  virtual Status CheckInvariants(const state::StateReader& reader) const = 0;

  // The index of call `function` in calls(), or -1.
  int FindCall(std::string_view function) const;
  // The name of module error `number`, or "unknown".
  std::string_view ErrorName(uint32_t number) const;
};

}  // namespace cess::chain::runtime
