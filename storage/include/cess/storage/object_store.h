// The object store other modules use (DESIGN.md §2): put bytes, get them back by FID. node/
// implements it over gRPC against a gateway and miners; AI-LINK stores datasets, updates and
// models through it. Encryption happens on the caller's side of this interface: the master key is
// passed per call and never stored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess::storage {

struct ObjectPutOptions {
  // Regions (LBSS) the fragments may be placed in; empty = any. Default empty.
  std::vector<std::string> regions;
  // Empty: store in plain; otherwise a 32-byte master key to encrypt with. Default empty.
  ByteSpan master_key;
  // A file name recorded with the owner on chain (3..63 bytes, or empty). Default empty.
  std::string name;
};

struct ObjectGetOptions {
  // The 32-byte master key of an encrypted object; empty for a plain one. Default empty.
  ByteSpan master_key;
};

// Implementations are thread-safe.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores `data` and returns its FID once the file is stored (declared on chain and every
  // fragment acknowledged). Errors: InvalidArgument (bad key, unknown region);
  // FailedPrecondition (too few eligible miners); ResourceExhausted (quota); Unavailable.
  virtual Result<Hash256> Put(ByteSpan data, const ObjectPutOptions& options) = 0;

  // The whole object. Errors: NotFound for an unknown FID; Corruption when verification or
  // decryption fails (e.g. a wrong key); Unavailable when too few fragments can be fetched.
  virtual Result<Bytes> Get(const Hash256& fid, const ObjectGetOptions& options) = 0;

  // Bytes [offset, offset + length) of the object, the end clamped to its size. Errors: as Get;
  // OutOfRange when offset exceeds the size.
  virtual Result<Bytes> GetRange(const Hash256& fid, uint64_t offset, uint64_t length,
                                 const ObjectGetOptions& options) = 0;
};

}  // namespace cess::storage
