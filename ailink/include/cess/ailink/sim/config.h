// The configuration of a federated-learning simulation job (`cess fl simulate`), from flags or a
// YAML / JSON file. Torch-free: parsing and checking happen before any training starts.
//
// Keys (file keys use '_' or '-' interchangeably; flags use '-'):
//   dataset            fashion-mnist | fashion-mnist:<dir> | idx:... | csv:<train>,<test>
//   train_subset       use the first N training examples (0 = all)      default 0
//   test_subset        evaluate on the first N test examples (0 = all)  default 0
//   partition          iid | dirichlet:<a> | gamma:<s> | shards[:<k>]   default dirichlet:0.5
//   model              mlp[:h,...] | cnn-small | cnn-mnist | torchscript:<path>   default cnn-small
//   clients (n)        number of clients                                default 12
//   byzantine (f)      Byzantine clients (the last f ids) and the rules' budget   default 2
//   attack             none | signflip | labelflip | gaussian[:sigma=..] | alie[:z=..] | ipm[:eps=..]
//                      | mimic[:idx=..] | inf | minmax[:dev=..]         default gaussian:sigma=100
//   rules              list of rule specs run side by side on the same seeds
//                      default [mean, guard|mean] (mean and the default robust rule)
//   rounds             default 100
//   clients_per_round  0 = all                                          default 0
//   local_steps        mini-batches per round (ignored when local_epochs > 0)   default 1
//   local_epochs       default 0
//   lr, momentum, weight_decay   client SGD                        defaults 0.05, 0.9, 0
//   persistent_momentum          client-side momentum across rounds     default true
//   batch              default 32
//   eval_every         default 10
//   seed               default 1
//   device             cpu | cuda | cuda:<i> | auto                     default cpu
//   threads            training threads (0 = one per core)              default 0
//   backend            aggregation backend auto | ref | cpu | cuda      default auto
//   max_update_norm    reject updates with a larger L2 norm (0 = off)   default 0
//   server_lr          default 1
//   out                output directory for the CSV, JSON and PNG (empty = none)
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cess/core/result.h"

namespace cess::ailink::sim {

struct SimulationConfig {
  std::string dataset = "fashion-mnist";
  size_t train_subset = 0;
  size_t test_subset = 0;
  std::string partition = "dirichlet:0.5";
  std::string model = "cnn-small";
  size_t clients = 12;
  size_t byzantine = 2;
  std::string attack = "gaussian:sigma=100";
  std::vector<std::string> rules = {"mean", "guard|mean"};
  size_t rounds = 100;
  size_t clients_per_round = 0;
  size_t local_steps = 1;
  size_t local_epochs = 0;
  double lr = 0.05;
  double momentum = 0.9;
  double weight_decay = 0.0;
  bool persistent_momentum = true;
  size_t batch = 32;
  size_t eval_every = 10;
  uint64_t seed = 1;
  std::string device = "cpu";
  size_t threads = 0;
  std::string backend = "auto";
  double max_update_norm = 0.0;
  double server_lr = 1.0;
  std::string out;

  // Checks every field without loading anything: each spec string parses (rules, attack,
  // partition, backend), counts are in range (clients >= 1, byzantine < clients, rounds >= 1,
  // batch >= 1, local steps or epochs >= 1, clients_per_round <= clients, rules non-empty and
  // distinct), numbers are finite (lr > 0, momentum in [0, 1), weight_decay >= 0, server_lr > 0).
  // Errors: InvalidArgument naming the key and the problem.
  Status Validate() const;

  // Every field as JSON (the same keys as the file format, '_' spelling).
  nlohmann::json ToJson() const;
};

// Splits a comma-separated list of rule specs. A comma also separates a rule's parameters
// ("gm:nu=0.1,iters=3"), so a piece that is a parameter — `key=value` with no ':' or '|' before
// the '=', or a bare number — is joined to the rule before it:
//   "mean,gm:nu=0.1,iters=3,cwtm" -> {"mean", "gm:nu=0.1,iters=3", "cwtm"}.
// Errors: InvalidArgument for an empty piece or a list that starts with a parameter.
Result<std::vector<std::string>> SplitRuleList(std::string_view text);

// Applies the keys of a JSON object to `config` (the file format above; `rules` may be a list or
// a comma-separated string). Errors: InvalidArgument naming an unknown key or a value of the
// wrong type or sign.
Status ApplyConfigJson(const nlohmann::json& object, SimulationConfig& config);

// Reads a YAML (.yaml / .yml) or JSON (.json, or any other name whose content starts with '{')
// file and applies it over `config`. Errors: NotFound / IoError for the file, InvalidArgument
// with the parser's line and column for a syntax error, and those of ApplyConfigJson.
Status LoadConfigFile(const std::string& path, SimulationConfig& config);

}  // namespace cess::ailink::sim
