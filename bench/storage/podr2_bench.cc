// PoDR² benchmark (issue 5 §9), single thread ("per core"):
//   1. tag generation MB/s: CESS's plain algorithm (u^m mod N with the full block as exponent,
//      then ^d mod N) vs ours (CRT, exponents reduced mod p−1 / q−1), 2048-bit key, for the cess
//      block size (1 MiB fragment = 128 blocks of 8 KiB) and the devnet size (256 KiB = 64 blocks
//      of 4 KiB). The plain path runs on the first --plain-blocks blocks (its cost per block is
//      uniform); ours on the whole fragment. The goal is ours ≥ 10× plain.
//   2. proof generation, Verify (aggregated, u^μ from a per-key fixed-base table; its first call
//      builds the table and is shown apart) and VerifyPlain (term by term) per challenge in the
//      cess profile: 47 indices, 20-byte coefficients, 8 KiB blocks, for 12, 100 and 1000
//      fragments held in memory (only the challenged blocks and their tags are materialized; the
//      1000-fragment case repeats the 100 distinct fragments 10 times, which costs the prover and
//      both verifiers exactly what 1000 distinct fragments would, and still verifies).
//
//   cess_podr2_bench [--plain-blocks N] [--reps N] [--fragments 12,100,1000] [--quick]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cess/storage/proofs/podr2.h"

namespace cess::proofs::podr2 {
namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
double MedianSeconds(int reps, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto start = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

template <typename T>
T Check(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

Bytes Random(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

struct Options {
  uint32_t plain_blocks = 8;
  int reps = 3;
  std::vector<int> fragments = {12, 100, 1000};
};

void BenchTags(const SecretKey& sk, const char* profile, size_t fragment_bytes, uint32_t blocks,
               const Options& opt, std::mt19937_64& rng) {
  const Bytes fragment = Random(rng, fragment_bytes);
  Hash256 name{};
  for (auto& x : name) x = static_cast<uint8_t>(rng());
  const size_t block = fragment_bytes / blocks;
  std::vector<Bytes> ours;
  const double t_ours =
      MedianSeconds(opt.reps, [&] { ours = Check(GenerateTags(sk, name, fragment, blocks), "tags"); });
  const uint32_t pb = std::min(opt.plain_blocks, blocks);
  std::vector<Bytes> plain;
  const double t_plain = MedianSeconds(1, [&] {
    plain = Check(GenerateTagsPlain(sk, sk.public_key().u, name, ByteSpan(fragment).first(pb * block), pb),
                  "plain");
  });
  for (uint32_t i = 0; i < pb; ++i) {
    if (plain[i] != ours[i]) {
      std::fprintf(stderr, "MISMATCH: plain and CRT tags differ at block %u\n", i);
      std::exit(1);
    }
  }
  const double mb = static_cast<double>(fragment_bytes) / (1 << 20);
  const double mbps_ours = mb / t_ours;
  const double mbps_plain = static_cast<double>(pb * block) / (1 << 20) / t_plain;
  std::printf(
      "tags %-6s %4zu KiB fragment, %4u blocks of %4zu B: plain %8.3f MB/s (%6.1f ms/block, %u blocks) | "
      "ours %7.3f MB/s (%5.2f ms/block) | ours/plain %5.1fx\n",
      profile, fragment_bytes >> 10, blocks, block, mbps_plain, 1e3 * t_plain / pb, pb, mbps_ours,
      1e3 * t_ours / blocks, mbps_ours / mbps_plain);
}

void BenchProofs(const SecretKey& sk, const Options& opt, std::mt19937_64& rng) {
  constexpr uint32_t kBlocks = 1024;
  constexpr size_t kBlockBytes = 8192;
  const PublicKey& pk = sk.public_key();
  Hash256 seed{};
  for (auto& x : seed) x = static_cast<uint8_t>(rng());
  const Challenge c = Check(Challenge::Derive(seed, kBlocks, 47, 20), "challenge");

  // Up to 100 distinct fragments: the challenged blocks and their tags.
  const int distinct_max = std::min(100, *std::max_element(opt.fragments.begin(), opt.fragments.end()));
  struct Frag {
    Hash256 name{};
    std::vector<Bytes> blocks, tags;  // per challenged index, in challenge order
  };
  std::vector<Frag> distinct(static_cast<size_t>(distinct_max));
  const auto t0 = Clock::now();
  for (auto& f : distinct) {
    for (auto& x : f.name) x = static_cast<uint8_t>(rng());
    for (uint32_t i : c.indices) {
      f.blocks.push_back(Random(rng, kBlockBytes));
      f.tags.push_back(Check(GenerateTagAt(sk, f.name, i, f.blocks.back()), "tag"));
    }
  }
  std::printf("(set-up: %d distinct fragments x 47 tags in %.1f s)\n", distinct_max,
              std::chrono::duration<double>(Clock::now() - t0).count());
  auto slot = [&c](uint32_t index) {
    return static_cast<size_t>(std::lower_bound(c.indices.begin(), c.indices.end(), index) -
                               c.indices.begin());
  };

  for (int fragments : opt.fragments) {
    std::vector<FragmentSource> sources;
    std::vector<Hash256> names;
    for (int j = 0; j < fragments; ++j) {
      const Frag& f = distinct[static_cast<size_t>(j % distinct_max)];
      FragmentSource s;
      s.name = f.name;
      s.read_block = [&f, slot](uint32_t i) -> Result<Bytes> { return f.blocks[slot(i)]; };
      s.read_tag = [&f, slot](uint32_t i) -> Result<Bytes> { return f.tags[slot(i)]; };
      sources.push_back(std::move(s));
      names.push_back(f.name);
    }
    Proof proof;
    const double t_prove = MedianSeconds(opt.reps, [&] { proof = Check(Prove(pk, c, sources), "prove"); });
    Status verdict;
    // The first Verify for a key builds its fixed-base table of u (cached per process): timed apart.
    const double t_cold = MedianSeconds(1, [&] { verdict = Verify(pk, c, names, proof); });
    const double t_verify = MedianSeconds(opt.reps, [&] { verdict = Verify(pk, c, names, proof); });
    Status verdict_plain;
    const int plain_reps = fragments >= 1000 ? 1 : opt.reps;
    const double t_plain =
        MedianSeconds(plain_reps, [&] { verdict_plain = VerifyPlain(pk, c, names, proof); });
    std::printf(
        "proof cess 47x20B, %4d fragments (%3d distinct): prove %8.1f ms | Verify %8.1f ms (%s; first call "
        "%.1f ms) | VerifyPlain %8.1f ms (%s) | plain/ours %5.1fx | mu %zu B\n",
        fragments, std::min(fragments, distinct_max), 1e3 * t_prove, 1e3 * t_verify,
        verdict.ok() ? "ok" : verdict.ToString().c_str(), 1e3 * t_cold, 1e3 * t_plain,
        verdict_plain.ok() ? "ok" : verdict_plain.ToString().c_str(), t_plain / t_verify, proof.mu.size());
    if (!verdict.ok() || !verdict_plain.ok()) std::exit(1);
  }
}

int Main(int argc, char** argv) {
  Options opt;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    auto next = [&]() -> std::string {
      if (a + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++a];
    };
    if (arg == "--plain-blocks") {
      opt.plain_blocks = static_cast<uint32_t>(std::stoul(next()));
    } else if (arg == "--reps") {
      opt.reps = std::stoi(next());
    } else if (arg == "--fragments") {
      opt.fragments.clear();
      const std::string list = next();
      size_t pos = 0;
      while (pos < list.size()) {
        const size_t comma = list.find(',', pos);
        opt.fragments.push_back(std::stoi(list.substr(pos, comma - pos)));
        pos = comma == std::string::npos ? list.size() : comma + 1;
      }
    } else if (arg == "--quick") {
      opt.plain_blocks = 2;
      opt.reps = 1;
      opt.fragments = {12};
    } else {
      std::fprintf(stderr, "usage: %s [--plain-blocks N] [--reps N] [--fragments 12,100,1000] [--quick]\n",
                   argv[0]);
      return 2;
    }
  }
  if (opt.plain_blocks == 0 || opt.reps < 1 || opt.fragments.empty()) return 2;
  std::mt19937_64 rng(42);
  const auto t0 = Clock::now();
  auto sk = Check(SecretKey::Generate(2048), "keygen");
  std::printf("PoDR² bench, one thread, RSA-%zu key (generated in %.2f s)\n", 8 * sk->public_key().n.size(),
              std::chrono::duration<double>(Clock::now() - t0).count());
  BenchTags(*sk, "cess", 1 << 20, 128, opt, rng);
  BenchTags(*sk, "devnet", 256 << 10, 64, opt, rng);
  BenchProofs(*sk, opt, rng);
  return 0;
}

}  // namespace
}  // namespace cess::proofs::podr2

int main(int argc, char** argv) { return cess::proofs::podr2::Main(argc, argv); }
