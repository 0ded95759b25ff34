#include "cessd/node_service.h"

#include <string>
#include <utility>
#include <vector>

#include "cess/chain/receipt.h"
#include "cess/chain/runtime/balances.h"
#include "cess/chain/runtime/r2s.h"
#include "cess/chain/runtime/staking.h"
#include "cess/core/codec.h"

namespace cess::node {
namespace {

namespace consensus = chain::consensus;

grpc::Status ToGrpc(const cess::Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return grpc::Status::OK;
    case StatusCode::kInvalidArgument:
    case StatusCode::kCorruption: return {grpc::StatusCode::INVALID_ARGUMENT, s.message()};
    case StatusCode::kNotFound: return {grpc::StatusCode::NOT_FOUND, s.message()};
    case StatusCode::kUnavailable: return {grpc::StatusCode::UNAVAILABLE, s.message()};
    case StatusCode::kFailedPrecondition: return {grpc::StatusCode::FAILED_PRECONDITION, s.message()};
    default: return {grpc::StatusCode::INTERNAL, s.ToString()};
  }
}

void FillEngineStats(const consensus::Stats& s, google::protobuf::Map<std::string, uint64_t>* m) {
  (*m)["blocks_authored"] = s.blocks_authored;
  (*m)["blocks_imported"] = s.blocks_imported;
  (*m)["executed_above_unfinalized"] = s.executed_above_unfinalized;
  (*m)["blocks_shrunk"] = s.blocks_shrunk;
  (*m)["blocks_finalized"] = s.blocks_finalized;
  (*m)["orphans"] = s.orphans;
  (*m)["set_id"] = s.set_id;
  (*m)["round"] = s.round;
  (*m)["rounds"] = s.rounds;
  (*m)["votes_cast"] = s.votes_cast;
  (*m)["equivocations"] = s.equivocations;
  (*m)["reports_submitted"] = s.reports_submitted;
  (*m)["vrf_submitted"] = s.vrf_submitted;
  (*m)["sync_requests"] = s.sync_requests;
  (*m)["txs_admitted"] = s.txs_admitted;
  (*m)["txs_refused"] = s.txs_refused;
  (*m)["tx_batches_gossiped"] = s.tx_batches_gossiped;
  (*m)["pool_revalidations"] = s.pool_revalidations;
  (*m)["pool_revalidated_out"] = s.pool_revalidated_out;
  (*m)["author_us"] = s.author_us;
  (*m)["import_us"] = s.import_us;
  (*m)["commit_us"] = s.commit_us;
  (*m)["tx_check_us"] = s.tx_check_us;
  (*m)["tx_admit_us"] = s.tx_admit_us;
  (*m)["revalidate_us"] = s.revalidate_us;
  (*m)["pool_size"] = s.pool_size;
  (*m)["malformed"] = s.malformed;
  (*m)["received"] = s.total_received();
  (*m)["rejected"] = s.total_rejected();
}

const grpc::Status kStarting(grpc::StatusCode::UNAVAILABLE, "the node is starting");

void FillResult(const chain::TxCheck& check, const Hash256& hash, v1::SubmitTransactionResponse* reply) {
  reply->set_accepted(check.ok());
  reply->set_tx_hash(chain::HashToHex(hash));
  reply->set_code(static_cast<uint32_t>(check.code));
  reply->set_code_name(std::string(chain::ResultCodeName(check.code)));
  reply->set_module_error(check.module_error);
  reply->set_message(check.message);
}

Result<chain::Transaction> DecodeTx(const std::string& bytes) {
  return codec::Decode<chain::Transaction>(ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

}  // namespace

NodeService::NodeService(chain::Application& app, chain::BlockHeader genesis_header,
                         std::function<uint64_t()> clock_ms, std::string node_account)
    : app_(app),
      genesis_header_(std::move(genesis_header)),
      clock_ms_(std::move(clock_ms)),
      node_account_(std::move(node_account)) {}

grpc::Status NodeService::Status(grpc::ServerContext*, const v1::StatusRequest*, v1::StatusResponse* reply) {
  consensus::Engine* engine = engine_.load();
  if (engine == nullptr) return kStarting;
  const chain::Genesis& genesis = app_.genesis();
  const chain::Profile& profile = genesis.profile;
  const chain::BlockHeader best = engine->best_header();
  const chain::BlockHeader fin = engine->finalized_header();
  const Hash256 best_hash = best.Hash();
  reply->set_chain_id(genesis.chain_id);
  reply->set_genesis_hash(chain::HashToHex(genesis.Hash()));
  reply->set_node_account(node_account_);
  reply->set_profile(profile.name);
  reply->set_best_height(best.height);
  reply->set_best_hash(chain::HashToHex(best_hash));
  reply->set_best_slot(best.slot);
  reply->set_finalized_height(fin.height);
  reply->set_finalized_hash(chain::HashToHex(fin.Hash()));
  reply->set_finalized_state_root(chain::HashToHex(fin.state_root));
  reply->set_slot_ms(profile.slot_ms);
  reply->set_min_tx_fee(profile.min_tx_fee);
  reply->set_pool_size(engine->pool_size());

  // The clock's slot, and the era / epoch it falls in.
  const uint64_t now = clock_ms_();
  const uint64_t slot = now >= genesis.genesis_time_ms ? (now - genesis.genesis_time_ms) / profile.slot_ms : 0;
  const uint64_t epoch = slot / profile.slots_per_epoch;
  reply->set_slot(slot);
  reply->set_epoch(epoch);
  reply->set_era(epoch / profile.epochs_per_era);

  // The validators of the best block's era, with their election scores when recorded.
  auto authorities = app_.Authorities(best_hash, best.era);
  auto reader = app_.StateAt(best_hash);
  if (authorities.ok() && reader.ok()) {
    std::optional<chain::runtime::r2s::ElectionRecord> election;
    for (uint64_t era = authorities->era + 1; era-- > 0;) {  // the record that elected this set
      auto rec = chain::runtime::r2s::ReadElection(**reader, era);
      if (rec.ok() && rec->has_value()) {
        election = std::move(**rec);
        break;
      }
      if (era + 2 < authorities->era) break;
    }
    for (const chain::Authority& a : authorities->authorities) {
      v1::Validator* v = reply->add_validators();
      v->set_account(a.account.ToHex());
      if (election) {
        for (const auto& e : election->ranked) {
          if (e.account != a.account) continue;
          v->set_score(e.score);
          v->set_credit(e.credit);
          v->set_stake_score(e.stake_score);
          v->set_vrf_score(e.vrf_score);
          v->set_bonded(e.backed);
        }
      }
      if (v->bonded() == 0) {
        auto ledger = chain::runtime::staking::ReadLedger(**reader, a.account);
        if (ledger.ok() && ledger->has_value()) v->set_bonded((*ledger)->active);
      }
    }
  }

  FillEngineStats(engine->stats(), reply->mutable_engine_stats());
  if (const chain::p2p::GrpcNetwork* net = network_.load()) {
    reply->set_node_address(net->address());
    const auto peers = net->Peers();
    reply->set_peers(static_cast<uint32_t>(peers.size()));
    for (const auto& p : peers) reply->add_peer_addrs(p);
    const chain::p2p::GrpcNetworkStats ns = net->stats();
    auto& m = *reply->mutable_network_stats();
    m["received"] = ns.received;
    m["malformed"] = ns.malformed;
    m["rejected"] = ns.rejected;
    m["sent"] = ns.sent;
    m["send_failed"] = ns.send_failed;
    m["dropped"] = ns.dropped;
    m["failed_calls"] = ns.failed_calls;
    m["known_peers"] = ns.known_peers;
  }
  return grpc::Status::OK;
}

grpc::Status NodeService::SubmitTransaction(grpc::ServerContext*, const v1::SubmitTransactionRequest* request,
                                            v1::SubmitTransactionResponse* reply) {
  consensus::Engine* engine = engine_.load();
  if (engine == nullptr) return kStarting;
  auto tx = DecodeTx(request->transaction());
  if (!tx.ok()) return ToGrpc(tx.status().WithContext("transaction"));
  FillResult(engine->SubmitTransaction(*tx), tx->Hash(), reply);
  return grpc::Status::OK;
}

grpc::Status NodeService::SubmitTransactions(grpc::ServerContext*, const v1::SubmitTransactionsRequest* request,
                                             v1::SubmitTransactionsResponse* reply) {
  consensus::Engine* engine = engine_.load();
  if (engine == nullptr) return kStarting;
  const int n = request->transactions_size();
  if (n > kMaxSubmitBatch) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            std::to_string(n) + " transactions exceed the batch limit " + std::to_string(kMaxSubmitBatch)};
  }
  std::vector<chain::Transaction> txs;
  std::vector<int> index;  // position in the request of txs[k]
  txs.reserve(static_cast<size_t>(n));
  index.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    v1::SubmitTransactionResponse* r = reply->add_results();
    auto tx = DecodeTx(request->transactions(i));
    if (!tx.ok()) {
      r->set_code(static_cast<uint32_t>(chain::ResultCode::kBadArguments));
      r->set_code_name(std::string(chain::ResultCodeName(chain::ResultCode::kBadArguments)));
      r->set_message("the transaction does not decode: " + tx.status().ToString());
      continue;
    }
    txs.push_back(std::move(tx).value());
    index.push_back(i);
  }
  const std::vector<chain::TxCheck> checks = engine->SubmitTransactions(txs);
  uint32_t accepted = 0;
  for (size_t k = 0; k < txs.size(); ++k) {
    FillResult(checks[k], txs[k].Hash(), reply->mutable_results(index[k]));
    if (checks[k].ok()) ++accepted;
  }
  reply->set_accepted(accepted);
  return grpc::Status::OK;
}

grpc::Status NodeService::GetAccount(grpc::ServerContext*, const v1::GetAccountRequest* request,
                                     v1::GetAccountResponse* reply) {
  auto id = chain::AccountId::FromHex(request->account());
  if (!id.ok()) return ToGrpc(id.status().WithContext("account"));
  consensus::Engine* engine = engine_.load();
  if (engine == nullptr) return kStarting;
  const chain::BlockHeader at = request->finalized() ? engine->finalized_header() : engine->best_header();
  const Hash256 at_hash = at.Hash();
  auto reader = app_.StateAt(at_hash);
  if (!reader.ok()) return ToGrpc(reader.status());
  auto info = chain::runtime::balances::ReadAccount(**reader, *id);
  if (!info.ok()) return ToGrpc(info.status());
  auto ledger = chain::runtime::staking::ReadLedger(**reader, *id);
  if (!ledger.ok()) return ToGrpc(ledger.status());
  reply->set_account(id->ToHex());
  reply->set_free(info->free);
  reply->set_nonce(info->nonce);
  reply->set_at_height(at.height);
  reply->set_at_hash(chain::HashToHex(at_hash));
  uint64_t unlocking = 0;
  if (ledger->has_value()) {
    reply->set_bonded((*ledger)->active);
    for (const auto& chunk : (*ledger)->unlocking) {
      v1::Unlocking* u = reply->add_unlocking_chunks();
      u->set_amount(chunk.amount);
      u->set_unlock_era(chunk.era);
      unlocking += chunk.amount;
    }
  }
  reply->set_unlocking(unlocking);
  return grpc::Status::OK;
}

grpc::Status NodeService::GetBlock(grpc::ServerContext*, const v1::GetBlockRequest* request,
                                   v1::GetBlockResponse* reply) {
  consensus::Engine* engine = engine_.load();
  if (engine == nullptr) return kStarting;
  const chain::BlockHeader fin = engine->finalized_header();
  if (request->height() > fin.height) {
    return {grpc::StatusCode::NOT_FOUND, "block " + std::to_string(request->height()) +
                                             " is not finalized (finalized height " +
                                             std::to_string(fin.height) + ")"};
  }
  chain::BlockHeader header;
  if (request->height() == 0) {
    header = genesis_header_;
  } else {
    auto block = engine->FinalizedBlock(request->height());
    if (!block.ok()) return ToGrpc(block.status());
    if (!block->has_value()) {
      return {grpc::StatusCode::NOT_FOUND, "block " + std::to_string(request->height()) + " is not stored"};
    }
    const chain::Block& b = **block;
    header = b.header;
    for (const auto& tx : b.transactions) reply->add_tx_hashes(chain::HashToHex(tx.Hash()));
    Bytes enc = codec::Encode(b);
    reply->set_encoded(enc.data(), enc.size());
    auto just = engine->JustificationAt(request->height());
    reply->set_has_justification(just.ok() && just->has_value());
  }
  reply->set_hash(chain::HashToHex(header.Hash()));
  reply->set_height(header.height);
  reply->set_parent_hash(chain::HashToHex(header.parent_hash));
  reply->set_slot(header.slot);
  reply->set_epoch(header.epoch);
  reply->set_era(header.era);
  reply->set_author(header.author.ToHex());
  reply->set_state_root(chain::HashToHex(header.state_root));
  reply->set_transactions_root(chain::HashToHex(header.transactions_root));
  reply->set_receipts_root(chain::HashToHex(header.receipts_root));
  return grpc::Status::OK;
}


namespace {
constexpr int kMaxStateKeys = 1024;
constexpr uint32_t kMaxScanLimit = 4096;
constexpr uint32_t kDefaultScanLimit = 1024;
}  // namespace

grpc::Status NodeService::GetState(grpc::ServerContext*, const v1::GetStateRequest* request,
                                   v1::GetStateResponse* reply) {
  if (request->keys_size() > kMaxStateKeys) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            std::to_string(request->keys_size()) + " keys exceed the limit " + std::to_string(kMaxStateKeys)};
  }
  consensus::Engine* engine = engine_.load();
  if (engine == nullptr) return kStarting;
  const chain::BlockHeader at = request->finalized() ? engine->finalized_header() : engine->best_header();
  const Hash256 at_hash = at.Hash();
  auto reader = app_.StateAt(at_hash);
  if (!reader.ok()) return ToGrpc(reader.status());
  for (const std::string& key : request->keys()) {
    auto value = (*reader)->Get(AsBytes(key));
    if (!value.ok()) return ToGrpc(value.status());
    v1::StateValue* v = reply->add_values();
    if (value->has_value()) {
      v->set_found(true);
      v->set_value(std::string((*value)->begin(), (*value)->end()));
    }
  }
  reply->set_at_height(at.height);
  reply->set_at_hash(chain::HashToHex(at_hash));
  return grpc::Status::OK;
}

grpc::Status NodeService::ScanState(grpc::ServerContext*, const v1::ScanStateRequest* request,
                                    v1::ScanStateResponse* reply) {
  const uint32_t limit = request->limit() == 0 ? kDefaultScanLimit : request->limit();
  if (limit > kMaxScanLimit) {
    return {grpc::StatusCode::INVALID_ARGUMENT,
            "limit " + std::to_string(limit) + " exceeds " + std::to_string(kMaxScanLimit)};
  }
  consensus::Engine* engine = engine_.load();
  if (engine == nullptr) return kStarting;
  const chain::BlockHeader at = request->finalized() ? engine->finalized_header() : engine->best_header();
  const Hash256 at_hash = at.Hash();
  auto reader = app_.StateAt(at_hash);
  if (!reader.ok()) return ToGrpc(reader.status());
  const std::string& after = request->start_after();
  uint32_t n = 0;
  cess::Status s = (*reader)->ScanPrefix(AsBytes(request->prefix()), [&](ByteSpan key, ByteSpan value) {
    const std::string k(key.begin(), key.end());
    if (!after.empty() && k <= after) return true;
    if (n == limit) {
      reply->set_more(true);
      return false;
    }
    v1::StateEntry* e = reply->add_entries();
    e->set_key(k);
    e->set_value(std::string(value.begin(), value.end()));
    ++n;
    return true;
  });
  if (!s.ok()) return ToGrpc(s);
  reply->set_at_height(at.height);
  reply->set_at_hash(chain::HashToHex(at_hash));
  return grpc::Status::OK;
}

grpc::Status NodeService::GetReceipt(grpc::ServerContext*, const v1::GetReceiptRequest* request,
                                     v1::GetReceiptResponse* reply) {
  auto hash = chain::HashFromHex(request->tx_hash());
  if (!hash.ok()) return ToGrpc(hash.status().WithContext("tx_hash"));
  if (engine_.load() == nullptr) return kStarting;
  auto raw = app_.store().GetAux(consensus::kReceiptsColumn, ByteSpan(hash->data(), hash->size()));
  if (!raw.ok()) return ToGrpc(raw.status());
  if (!raw->has_value()) {
    return {grpc::StatusCode::NOT_FOUND, "transaction " + request->tx_hash() + " is not in a finalized block"};
  }
  auto loc = codec::Decode<chain::TxLocation>(**raw);
  if (!loc.ok()) return ToGrpc(loc.status().WithContext("receipt index"));
  const chain::Receipt& rc = loc->receipt;
  reply->set_height(loc->height);
  reply->set_index(loc->index);
  reply->set_code(static_cast<uint32_t>(rc.code));
  reply->set_code_name(std::string(chain::ResultCodeName(rc.code)));
  reply->set_module_error(rc.module_error);
  reply->set_fee_charged(rc.fee_charged);
  const Bytes rc_bytes = codec::Encode(rc);
  reply->set_receipt(std::string(rc_bytes.begin(), rc_bytes.end()));
  // The called module, from the block (best effort: the receipt stands without it).
  Bytes hk(8);
  for (int i = 0; i < 8; ++i) hk[i] = static_cast<uint8_t>(loc->height >> (56 - 8 * i));
  if (auto block_raw = app_.store().GetAux(consensus::kBlocksColumn, hk); block_raw.ok() && block_raw->has_value()) {
    if (auto block = codec::Decode<chain::Block>(**block_raw);
        block.ok() && loc->index < block->transactions.size()) {
      const chain::Call& call = block->transactions[loc->index].call;
      reply->set_module(call.module);
      if (rc.code == chain::ResultCode::kModuleError) {
        const chain::runtime::Runtime* runtime = runtime_.load();
        const chain::runtime::Module* m = runtime == nullptr ? nullptr : runtime->FindModule(call.module);
        reply->set_module_error_name(m == nullptr ? "unknown" : std::string(m->ErrorName(rc.module_error)));
      }
    }
  }
  return grpc::Status::OK;
}

}  // namespace cess::node
