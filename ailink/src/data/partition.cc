// Partitioners. All randomness comes from one std::mt19937_64 seeded with the caller's seed, whose
// output sequence the C++ standard fixes; every draw from it goes through the small samplers
// below (not std::uniform_*_distribution / std::shuffle / std::gamma_distribution, whose
// algorithms differ between standard libraries), so a split depends only on the inputs.
#include "cess/ailink/data/partition.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <numeric>
#include <random>
#include <string>
#include <system_error>
#include <utility>

namespace cess::ailink::data {
namespace {

using Rng = std::mt19937_64;
using Parts = std::vector<std::vector<size_t>>;

std::string NumberText(double v);

// Uniform integer in [0, n) by rejection (no modulo bias). REQUIRES: n >= 1.
uint64_t UniformBelow(Rng& rng, uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // accept x < limit
  for (;;) {
    const uint64_t x = rng();
    if (x < limit) return x % n;
  }
}

// Uniform double in the open interval (0, 1): 53 random bits, offset by half a step.
double UniformOpen(Rng& rng) { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; }

// Standard normal by Box-Muller (one output per two uniforms).
double Normal(Rng& rng) {
  const double u1 = UniformOpen(rng);
  const double u2 = UniformOpen(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// log of a Gamma(shape, 1) draw, shape > 0: Marsaglia-Tsang (2000) for shape >= 1; for shape < 1,
// Gamma(shape) = Gamma(shape + 1) * U^(1/shape), kept in log space so tiny shapes do not underflow.
double LogGamma(Rng& rng, double shape) {
  if (shape < 1.0) return LogGamma(rng, shape + 1.0) + std::log(UniformOpen(rng)) / shape;
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0, v = 0;
    do {
      x = Normal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = UniformOpen(rng);
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return std::log(d * v);
  }
}

// A Dir(alpha, ..., alpha) draw over k categories, normalized from gamma draws (log-sum-exp).
std::vector<double> Dirichlet(Rng& rng, double alpha, size_t k) {
  std::vector<double> logs(k);
  for (double& l : logs) l = LogGamma(rng, alpha);
  const double top = *std::max_element(logs.begin(), logs.end());
  double sum = 0;
  for (double& l : logs) sum += (l = std::exp(l - top));
  for (double& l : logs) l /= sum;
  return logs;
}

// Fisher-Yates shuffle with UniformBelow.
void Shuffle(Rng& rng, std::vector<size_t>& v) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[UniformBelow(rng, i)]);
}

// Sizes of `n` items cut into `k` nearly equal parts, larger ones first (numpy.array_split).
std::vector<size_t> EvenSizes(size_t n, size_t k) {
  std::vector<size_t> sizes(k, n / k);
  for (size_t i = 0; i < n % k; ++i) ++sizes[i];
  return sizes;
}

// Appends consecutive runs of `items` of the given sizes to the parts.
void Deal(const std::vector<size_t>& items, const std::vector<size_t>& sizes, Parts& parts) {
  size_t at = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    parts[i].insert(parts[i].end(), items.begin() + static_cast<std::ptrdiff_t>(at),
                    items.begin() + static_cast<std::ptrdiff_t>(at + sizes[i]));
    at += sizes[i];
  }
}

// `indices` sorted by (label, index).
std::vector<size_t> SortByLabel(std::vector<size_t> indices, std::span<const int32_t> labels) {
  std::sort(indices.begin(), indices.end(),
            [&](size_t a, size_t b) { return labels[a] != labels[b] ? labels[a] < labels[b] : a < b; });
  return indices;
}

std::vector<size_t> Iota(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), size_t{0});
  return v;
}

Parts PartitionIid(size_t n, size_t clients, Rng& rng) {
  std::vector<size_t> perm = Iota(n);
  Shuffle(rng, perm);
  Parts parts(clients);
  Deal(perm, EvenSizes(n, clients), parts);
  return parts;
}

Result<Parts> PartitionDirichlet(std::span<const int32_t> labels, size_t num_classes, size_t clients,
                                 double alpha, Rng& rng) {
  std::vector<std::vector<size_t>> by_class(num_classes);
  for (size_t i = 0; i < labels.size(); ++i) by_class[static_cast<size_t>(labels[i])].push_back(i);
  constexpr int kAttempts = 100;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    Parts parts(clients);
    for (std::vector<size_t>& members : by_class) {
      if (members.empty()) continue;
      const std::vector<double> p = Dirichlet(rng, alpha, clients);
      std::vector<size_t> shuffled = members;
      Shuffle(rng, shuffled);
      // Client j gets shuffled[floor(P_{j-1} * m), floor(P_j * m)) with P the cumulative sum; the
      // last boundary is m exactly.
      const size_t m = shuffled.size();
      double cum = 0;
      size_t start = 0;
      for (size_t j = 0; j < clients; ++j) {
        cum += p[j];
        size_t end = j + 1 == clients ? m : std::min(m, static_cast<size_t>(cum * static_cast<double>(m)));
        end = std::max(end, start);
        parts[j].insert(parts[j].end(), shuffled.begin() + static_cast<std::ptrdiff_t>(start),
                        shuffled.begin() + static_cast<std::ptrdiff_t>(end));
        start = end;
      }
    }
    if (std::none_of(parts.begin(), parts.end(), [](const auto& part) { return part.empty(); })) return parts;
  }
  return Status::InvalidArgument("partition dirichlet:" + NumberText(alpha) + ": no draw in " +
                                 std::to_string(kAttempts) + " gave all " + std::to_string(clients) +
                                 " clients an example (" + std::to_string(labels.size()) +
                                 " examples); use a larger alpha or fewer clients");
}

Parts PartitionGamma(std::span<const int32_t> labels, size_t clients, double similarity, Rng& rng) {
  const size_t n = labels.size();
  const size_t m = std::min(n, static_cast<size_t>(static_cast<double>(n) * similarity));
  std::vector<size_t> perm = Iota(n);
  Shuffle(rng, perm);
  const std::vector<size_t> iid(perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(m));
  const std::vector<size_t> sorted =
      SortByLabel(std::vector<size_t>(perm.begin() + static_cast<std::ptrdiff_t>(m), perm.end()), labels);
  // Client i's IID part has the array_split size of m; its sorted part tops it up to the
  // array_split size of n, so every client gets at least one example (n >= clients).
  const std::vector<size_t> total = EvenSizes(n, clients);
  const std::vector<size_t> iid_sizes = EvenSizes(m, clients);
  std::vector<size_t> sorted_sizes(clients);
  for (size_t i = 0; i < clients; ++i) sorted_sizes[i] = total[i] - iid_sizes[i];
  Parts parts(clients);
  Deal(iid, iid_sizes, parts);
  Deal(sorted, sorted_sizes, parts);
  return parts;
}

Parts PartitionShards(std::span<const int32_t> labels, size_t clients, size_t per_client, Rng& rng) {
  const std::vector<size_t> sorted = SortByLabel(Iota(labels.size()), labels);
  const size_t num_shards = clients * per_client;
  const std::vector<size_t> sizes = EvenSizes(sorted.size(), num_shards);
  std::vector<size_t> starts(num_shards, 0);
  for (size_t s = 1; s < num_shards; ++s) starts[s] = starts[s - 1] + sizes[s - 1];
  std::vector<size_t> order = Iota(num_shards);
  Shuffle(rng, order);
  Parts parts(clients);
  for (size_t k = 0; k < num_shards; ++k) {
    const size_t shard = order[k];
    std::vector<size_t>& part = parts[k / per_client];
    part.insert(part.end(), sorted.begin() + static_cast<std::ptrdiff_t>(starts[shard]),
                sorted.begin() + static_cast<std::ptrdiff_t>(starts[shard] + sizes[shard]));
  }
  return parts;
}

// Shortest text that parses back to exactly `v`.
std::string NumberText(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

Result<double> ParseNumber(std::string_view text, std::string_view spec) {
  double v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Status::InvalidArgument("partition '" + std::string(spec) + "': '" + std::string(text) +
                                   "' is not a number");
  }
  return v;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string PartitionSpec::ToString() const {
  switch (kind) {
    case Kind::kIid:
      return "iid";
    case Kind::kDirichlet:
      return "dirichlet:" + NumberText(alpha);
    case Kind::kGamma:
      return "gamma:" + NumberText(similarity);
    case Kind::kShards:
      return "shards:" + std::to_string(shards_per_client);
  }
  return "unknown";
}

Result<PartitionSpec> ParsePartitionSpec(std::string_view spec) {
  const std::string_view text = TrimSpace(spec);
  const size_t colon = text.find(':');
  const std::string_view name = TrimSpace(text.substr(0, colon));
  const bool has_param = colon != std::string_view::npos;
  const std::string_view param = has_param ? TrimSpace(text.substr(colon + 1)) : std::string_view();
  const std::string quoted = "partition '" + std::string(spec) + "'";
  if (has_param && (param.find(',') != std::string_view::npos || param.find(':') != std::string_view::npos)) {
    return Status::InvalidArgument(quoted + ": takes at most one parameter");
  }
  if (has_param && param.empty()) return Status::InvalidArgument(quoted + ": empty parameter after ':'");

  PartitionSpec out;
  if (name == "iid") {
    if (has_param) return Status::InvalidArgument(quoted + ": iid takes no parameter");
    out.kind = PartitionSpec::Kind::kIid;
    return out;
  }
  if (name == "dirichlet" || name == "dirichlet_niid") {
    if (!has_param) return Status::InvalidArgument(quoted + ": dirichlet needs alpha, e.g. dirichlet:0.5");
    CESS_ASSIGN_OR_RETURN(out.alpha, ParseNumber(param, spec));
    if (!(out.alpha > 0) || !std::isfinite(out.alpha)) {
      return Status::InvalidArgument(quoted + ": alpha must be positive and finite");
    }
    out.kind = PartitionSpec::Kind::kDirichlet;
    return out;
  }
  if (name == "gamma" || name == "gamma_similarity_niid") {
    if (!has_param)
      return Status::InvalidArgument(quoted + ": gamma needs a similarity in [0, 1], e.g. gamma:0.5");
    CESS_ASSIGN_OR_RETURN(out.similarity, ParseNumber(param, spec));
    if (!(out.similarity >= 0 && out.similarity <= 1)) {
      return Status::InvalidArgument(quoted + ": similarity must be in [0, 1]");
    }
    out.kind = PartitionSpec::Kind::kGamma;
    return out;
  }
  if (name == "shards") {
    out.kind = PartitionSpec::Kind::kShards;
    if (!has_param) return out;
    uint64_t per = 0;
    const char* end = param.data() + param.size();
    const auto [ptr, ec] = std::from_chars(param.data(), end, per);
    if (ec != std::errc() || ptr != end) {
      return Status::InvalidArgument(quoted + ": shards per client '" + std::string(param) +
                                     "' is not an integer");
    }
    if (per < 1) return Status::InvalidArgument(quoted + ": shards per client must be >= 1");
    out.shards_per_client = per;
    return out;
  }
  return Status::InvalidArgument(
      quoted + ": unknown partition '" + std::string(name) +
      "'; known: iid, dirichlet:<alpha>, gamma:<similarity>, shards[:<per_client>]");
}

Result<std::vector<std::vector<size_t>>> Partition(std::span<const int32_t> labels, size_t num_classes,
                                                   size_t clients, const PartitionSpec& spec, uint64_t seed) {
  if (clients == 0) return Status::InvalidArgument("partition: clients is 0");
  if (labels.size() < clients) {
    return Status::InvalidArgument("partition: " + std::to_string(labels.size()) + " examples for " +
                                   std::to_string(clients) + " clients");
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || static_cast<size_t>(labels[i]) >= num_classes) {
      return Status::InvalidArgument("partition: label " + std::to_string(labels[i]) + " of example " +
                                     std::to_string(i) + " is outside [0, " + std::to_string(num_classes) +
                                     ")");
    }
  }
  Rng rng(seed);
  Parts parts;
  switch (spec.kind) {
    case PartitionSpec::Kind::kIid:
      parts = PartitionIid(labels.size(), clients, rng);
      break;
    case PartitionSpec::Kind::kDirichlet: {
      if (!(spec.alpha > 0) || !std::isfinite(spec.alpha)) {
        return Status::InvalidArgument("partition: dirichlet alpha must be positive and finite");
      }
      CESS_ASSIGN_OR_RETURN(parts, PartitionDirichlet(labels, num_classes, clients, spec.alpha, rng));
      break;
    }
    case PartitionSpec::Kind::kGamma:
      if (!(spec.similarity >= 0 && spec.similarity <= 1)) {
        return Status::InvalidArgument("partition: gamma similarity must be in [0, 1]");
      }
      parts = PartitionGamma(labels, clients, spec.similarity, rng);
      break;
    case PartitionSpec::Kind::kShards:
      if (spec.shards_per_client < 1)
        return Status::InvalidArgument("partition: shards per client must be >= 1");
      if (spec.shards_per_client > labels.size() / clients) {
        return Status::InvalidArgument(
            "partition: " + spec.ToString() + " needs at least " + std::to_string(clients) + " x " +
            std::to_string(spec.shards_per_client) + " examples, have " + std::to_string(labels.size()));
      }
      parts = PartitionShards(labels, clients, spec.shards_per_client, rng);
      break;
  }
  for (std::vector<size_t>& part : parts) std::sort(part.begin(), part.end());
  return parts;
}

}  // namespace cess::ailink::data
