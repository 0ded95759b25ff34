// The messages an enclave signs (see attestation.h for the exact layouts).
#include "cess/storage/proofs/attestation.h"

#include <cstring>
#include <initializer_list>

#include "cess/core/codec.h"

namespace cess::proofs {
namespace {

// Appends raw bytes. (Built by hand rather than with codec::Writer::PutFixed on an empty writer,
// which trips GCC 12's -Wstringop-overflow false positive at -O3.)
void Append(Bytes& out, ByteSpan data) {
  const size_t at = out.size();
  out.resize(at + data.size());
  if (!data.empty()) std::memcpy(out.data() + at, data.data(), data.size());
}

Bytes Message(std::string_view domain, std::string_view chain_id,
              std::initializer_list<const Hash256*> fields) {
  Bytes out;
  out.reserve(domain.size() + 4 + chain_id.size() + 32 * fields.size());
  Append(out, AsBytes(domain));
  codec::Writer w;
  w.PutString(chain_id);
  Append(out, w.data());
  for (const Hash256* f : fields) Append(out, *f);
  return out;
}

}  // namespace

Bytes TeeRegistrationMessage(std::string_view chain_id, const Hash256& controller,
                             const Hash256& attestation_key, const Hash256& podr2_key_fingerprint) {
  return Message("cess/tee-register/v1", chain_id, {&controller, &attestation_key, &podr2_key_fingerprint});
}

Bytes TagSignMessage(std::string_view chain_id, const Hash256& miner, const Hash256& fid,
                     const Hash256& fragment, const Hash256& tag_digest) {
  return Message("cess/tee-tags/v1", chain_id, {&miner, &fid, &fragment, &tag_digest});
}

}  // namespace cess::proofs
