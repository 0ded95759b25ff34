// Partitioners: how a training set is split among federated clients, from IID to extreme non-IID.
// Named by string, deterministic for a seed (same labels, clients, spec and seed give the same
// split on every run and machine with the same standard library).
//
//   iid                     a random permutation cut into `clients` nearly equal parts.
//   dirichlet:<alpha>       per class, proportions over clients drawn from Dir(alpha) (alpha > 0;
//                           small alpha = skewed); each class's examples are shuffled and cut by
//                           those proportions. Redrawn (up to 100 times, seed advanced) until every
//                           client has at least one example.
//   gamma:<similarity>      similarity s in [0, 1]: a fraction s of the examples (floor(s·n), chosen
//                           at random) is split IID; the rest is sorted by label and cut into
//                           `clients` contiguous parts; client i gets one part of each (ByzFL's
//                           gamma_similarity_niid). s = 1 is iid, s = 0 is sorted-by-label. Part
//                           sizes: the IID parts are cut as numpy.array_split would, and each
//                           sorted part tops its client up to the array_split size of n, so every
//                           client gets at least one example and sizes differ by at most one.
//   shards[:<per_client>]   examples sorted by label (stable), cut into clients·per_client
//                           contiguous shards (default 2 per client), shards dealt to clients in
//                           a random order: extreme non-IID.
// ByzFL's names "dirichlet_niid" and "gamma_similarity_niid" are accepted as aliases.
//
// Sampling: one std::mt19937_64 seeded with `seed` (its output is fixed by the C++ standard);
// integers in [0, k) by rejection sampling, shuffles by Fisher-Yates over those, Dirichlet draws
// as normalized Gamma(alpha) draws (Marsaglia-Tsang, kept in log space for alpha < 1 so tiny
// alphas cannot underflow). No std::*_distribution or std::shuffle is used, so only libm's
// last-bit behaviour (dirichlet only) could make two platforms differ.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cess/core/result.h"

namespace cess::ailink::data {

// A parsed partition spec.
struct PartitionSpec {
  enum class Kind { kIid, kDirichlet, kGamma, kShards } kind = Kind::kIid;
  double alpha = 0.5;       // dirichlet
  double similarity = 0.5;  // gamma
  size_t shards_per_client = 2;
  // Canonical text, e.g. "dirichlet:0.5"; parses back to an equal spec.
  std::string ToString() const;
};

// Errors: InvalidArgument for an unknown name (listing the known ones), a missing or extra
// parameter, alpha <= 0 or not finite, similarity outside [0, 1], shards per client < 1.
Result<PartitionSpec> ParsePartitionSpec(std::string_view spec);

// Splits example indices 0..labels.size()-1 among `clients`. Each client's indices are sorted
// increasingly; together they are a partition of all indices (every index exactly once).
// Every client gets at least one example. Errors: InvalidArgument for clients == 0, fewer examples
// than clients, a label outside [0, num_classes), spec fields out of range, (dirichlet) no draw
// giving every client an example, or (shards) fewer examples than clients·per_client.
Result<std::vector<std::vector<size_t>>> Partition(std::span<const int32_t> labels, size_t num_classes,
                                                   size_t clients, const PartitionSpec& spec, uint64_t seed);

}  // namespace cess::ailink::data
