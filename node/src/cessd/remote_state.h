// Chain state read over the node API (GetState / ScanState), behind chain::state::StateReader, so
// the modules' read helpers (file_bank::ReadFile, sminer::ListMiners, ...) work in processes that do
// not hold the chain: the miner, the CLI, the gateway.
#pragma once

#include <cstdint>
#include <memory>

#include "cess/chain/state/write_set.h"
#include "cessd/node_client.h"

namespace cess::node {

class RemoteStateReader final : public chain::state::StateReader {
 public:
  // Reads through `client` (which must outlive the reader); `finalized` picks the finalized state
  // instead of the best block's. Each call reads the node's state at that moment: two calls may
  // see different blocks.
  RemoteStateReader(const NodeClient& client, bool finalized = false) : client_(client), finalized_(finalized) {}

  // StateReader. Errors: those of the node API (Unavailable, DeadlineExceeded, ...).
  Result<std::optional<Bytes>> Get(ByteSpan key) const override;
  // Pages through ScanState (1024 entries per call) until `fn` returns false or the prefix ends.
  Status ScanPrefix(ByteSpan prefix, const chain::state::ScanFn& fn) const override;

 private:
  const NodeClient& client_;
  bool finalized_;
};

}  // namespace cess::node
