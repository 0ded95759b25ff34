#include "cessd/remote_state.h"

#include <string>

namespace cess::node {

Result<std::optional<Bytes>> RemoteStateReader::Get(ByteSpan key) const {
  CESS_ASSIGN_OR_RETURN(auto reply, client_.GetState({Bytes(key.begin(), key.end())}, finalized_));
  if (reply.values_size() != 1) return Status::Internal("GetState answered " + std::to_string(reply.values_size()) + " values for 1 key");
  const auto& v = reply.values(0);
  if (!v.found()) return std::optional<Bytes>();
  return std::optional<Bytes>(Bytes(v.value().begin(), v.value().end()));
}

Status RemoteStateReader::ScanPrefix(ByteSpan prefix, const chain::state::ScanFn& fn) const {
  Bytes after;
  while (true) {
    CESS_ASSIGN_OR_RETURN(auto reply, client_.ScanState(Bytes(prefix.begin(), prefix.end()), after, 1024, finalized_));
    for (const auto& e : reply.entries()) {
      if (!fn(AsBytes(e.key()), AsBytes(e.value()))) return Status::Ok();
    }
    if (!reply.more() || reply.entries_size() == 0) return Status::Ok();
    const std::string& last = reply.entries(reply.entries_size() - 1).key();
    after.assign(last.begin(), last.end());
  }
}

}  // namespace cess::node
