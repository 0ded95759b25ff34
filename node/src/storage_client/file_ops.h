// Storing and reading files on the network (issue 5 §1): the client side of the CESS file flow,
// shared by `cess storage`, the benchmark and the gateway.
//
// Put: encode the file (segments, optional AES-256-GCM, SHA-256, RS k+m, fragment hashes, FID) ->
// place the fragments on k+m distinct miners (random, weighted by free space, within the caller's
// regions) -> declare the upload on chain (file_bank.upload_declaration; the chain checks the FID,
// the counts, the miners, the regions and the quota) -> push every miner its fragments, all miners
// in parallel, over streaming gRPC -> optionally wait until the miners' transfer and tag reports
// make the file Active. Files up to 256 MiB are held in memory between encoding and pushing; larger
// ones are encoded twice (the second pass reuses the first's salt and nonces, so the fragments are
// the same) and streamed to the miners segment by segment, so memory stays at a few segments.
// Get: read the file's record from the chain -> fetch any k fragments of each segment in parallel,
// fastest first, every hash checked -> decode, check the segment hash, decrypt -> write the bytes
// (the whole file or a range) to a temporary file renamed into place only when complete.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/types.h"
#include "cess/core/result.h"
#include "cess/storage/manifest.h"
#include "cessd/node_client.h"
#include "cessd/tx_submitter.h"

namespace cess::node {

// phase ("encode", "push", "fetch"), done and total bytes.
using FileProgressFn = std::function<void(const std::string& phase, uint64_t done, uint64_t total)>;

struct PutOptions {
  std::vector<std::string> regions;  // empty: any region
  Bytes master_key;                  // empty: store in plain; else 32 bytes (never leaves this process)
  std::string name;                  // the file name recorded for the owner (default: the path's name)
  uint64_t placement_seed = 0;       // 0: random
  bool wait_active = true;
  uint32_t timeout_ms = 120000;      // for the declaration and for becoming Active
  FileProgressFn progress;
  // Files up to 256 MiB: push every fragment while the file is still being encoded, before the
  // declaration (the miners keep them pending until they see it), instead of after the
  // declaration. It overlaps encoding, pushing and the chain's finality when the miners are
  // remote; on one small machine that runs the miners too, the work competes for the same cores
  // and is slower (bench/RESULTS.md §6e). Default off.
  bool early_push = false;
};

struct PutResult {
  Hash256 fid{};
  uint64_t file_size = 0;
  uint32_t segments = 0;
  bool dedup = false;  // the FID existed: the caller was added as an owner, nothing pushed
  std::vector<chain::AccountId> miners;
  chain::runtime::file_bank::FileState state = chain::runtime::file_bank::FileState::kPending;
  // encode_s: encoding; declare_s: the declaration, submitted once encoded, until finalized;
  // push_s: until the last miner acknowledged its fragments durably, counted from the end of the
  // declaration, or with early_push from the end of encoding (the push then ran alongside the
  // encoding and the declaration); active_s: after that, until the file was Active (when waited
  // for). The data path (bytes encoded and durable on the miners) is encode_s + push_s, plus
  // declare_s without early_push.
  double encode_s = 0, declare_s = 0, push_s = 0, active_s = 0;
  bool early_push = false;    // fragments were pushed while encoding (before the declaration)
  uint32_t push_retries = 0;  // miners whose early push failed and were pushed after the declaration
};

// Stores the file at `path` (see above) for the signer of `tx`. Errors: NotFound / IoError for the
// file; FailedPrecondition for too few eligible miners, or the chain's refusal named
// "file_bank.upload_declaration: module_error <Error>" (nothing is then stored anywhere);
// Unavailable when a miner cannot take its fragments after retries; DeadlineExceeded when the file
// does not become Active in time.
Result<PutResult> PutFile(const NodeClient& node, TxSubmitter& tx, const std::string& path, const PutOptions& options);

// The same for bytes in memory (`name` required).
Result<PutResult> PutBytes(const NodeClient& node, TxSubmitter& tx, ByteSpan data, const PutOptions& options);

struct GetOptions {
  Bytes master_key;        // for encrypted files
  uint64_t offset = 0;     // byte range; length 0 = to the end
  uint64_t length = 0;
  FileProgressFn progress;
};

struct GetResult {
  uint64_t bytes = 0;
  uint32_t segments_read = 0;
  uint32_t failed_fetches = 0;  // fragments that could not be fetched or failed their hash
  double seconds = 0;
};

// Reads file `fid` (or the range) into `out_path` (written to out_path + ".part", fsynced and
// renamed: a failed read leaves no partial file). Errors: NotFound for an unknown FID;
// InvalidArgument for a missing key of an encrypted file; Unavailable when fewer than k
// fragments of a segment can be fetched; Corruption when the data fails its hashes or the key is
// wrong; IoError writing.
Result<GetResult> GetFile(const NodeClient& node, const Hash256& fid, const std::string& out_path,
                          const GetOptions& options);

// The same into memory.
Result<Bytes> GetBytes(const NodeClient& node, const Hash256& fid, const GetOptions& options,
                       GetResult* result = nullptr);

// The master key a signer's account key gives for file encryption: HKDF-SHA256(seed, salt
// "cess/storage-master/v1"). Deterministic, so the owner can always decrypt its files.
Result<Bytes> MasterKeyFromAccountKey(const crypto::Ed25519PrivateKey& key);

}  // namespace cess::node
