// End to end: the real cess-enclave binary on a unix socket, driven through EnclaveClient. Tags for
// a streamed multi-chunk fragment prove and verify under the enclave's public key and carry a valid
// signature; a fragment that does not match its hash is refused; SIGTERM exits cleanly; a restart
// unseals the same keys; a wrong secret stops the start and leaves sealed.bin untouched.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cess/core/file_util.h"
#include "cess/core/hash.h"
#include "cess/enclave/client.h"
#include "cess/enclave/sealed_store.h"
#include "cess/storage/proofs/attestation.h"
#include "cess/storage/proofs/podr2.h"
#include "common/temp_dir.h"

namespace cess::enclave {
namespace {

namespace podr2 = proofs::podr2;

// One cess-enclave child process with its stdout on a pipe.
class EnclaveProcess {
 public:
  explicit EnclaveProcess(const std::vector<std::string>& args) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> argv;
      std::string bin = CESS_ENCLAVE_BIN;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(bin.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~EnclaveProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  // The first stdout line, or "" when the process ends or `timeout` passes first.
  std::string ReadLine(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    std::string line;
    while (std::chrono::steady_clock::now() < end) {
      pollfd p{out_, POLLIN, 0};
      const int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now())
              .count());
      if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
      char c;
      if (::read(out_, &c, 1) != 1) return "";
      if (c == '\n') return line;
      line.push_back(c);
    }
    return "";
  }

  // Sends `sig` (if non-zero) and waits up to `timeout` for the exit; returns the exit code, or -1
  // on a timeout or a death by signal.
  int StopAndWait(int sig, std::chrono::milliseconds timeout) {
    if (sig != 0) ::kill(pid_, sig);
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  bool started() const { return pid_ > 0 && out_ >= 0; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool exited_ = false;
};

// The value of `key=` in a "ready ..." line.
std::string Field(const std::string& line, const std::string& key) {
  const size_t at = line.find(key + "=");
  if (at == std::string::npos) return "";
  const size_t start = at + key.size() + 1;
  return line.substr(start, line.find(' ', start) - start);
}

Hash256 RandomHash(std::mt19937_64& rng) {
  Hash256 h{};
  for (auto& x : h) x = static_cast<uint8_t>(rng());
  return h;
}

TEST(EnclaveProcess, TagsAttestRestartAndRefusals) {
  test_util::TempDir dir("enclave-e2e");
  ASSERT_FALSE(dir.path().empty());
  const std::string data_dir = dir.Sub("data");
  const std::string address = "unix:" + dir.Sub("e.sock");
  const std::vector<std::string> args = {
      "--data-dir",      data_dir,       "--listen", address,      "--secret-file",
      dir.Sub("secret"), "--podr2-bits", "1024",     "--log-file", dir.Sub("enclave.log")};
  std::string fingerprint, attestation_hex;
  std::mt19937_64 rng(std::random_device{}());
  {
    EnclaveProcess proc(args);
    ASSERT_TRUE(proc.started());
    const std::string ready = proc.ReadLine(std::chrono::seconds(60));
    ASSERT_EQ(ready.rfind("ready ", 0), 0u) << "got '" << ready << "'";
    EXPECT_EQ(Field(ready, "keys"), "created");
    fingerprint = Field(ready, "fingerprint");
    attestation_hex = Field(ready, "attestation_key");
    ASSERT_EQ(fingerprint.size(), 64u);

    auto client = EnclaveClient::Connect(address, 30000);
    ASSERT_TRUE(client.ok());
    auto info = (*client)->Info();
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(ToHex(info->podr2_key_fingerprint), fingerprint);
    EXPECT_EQ(ToHex(info->attestation_key), attestation_hex);
    EXPECT_EQ(info->podr2_public_key.n.size(), 128u);

    const Hash256 controller = RandomHash(rng);
    auto att = (*client)->Attest("devnet", controller);
    ASSERT_TRUE(att.ok()) << att.status();
    EXPECT_TRUE(
        crypto::Ed25519Verify(info->attestation_key,
                              proofs::TeeRegistrationMessage("devnet", controller, info->attestation_key,
                                                             info->podr2_key_fingerprint),
                              *att)
            .ok());

    // A fragment of 2.5 MiB travels in three chunks.
    constexpr uint32_t kBlocks = 64;
    Bytes fragment((size_t{5} << 20) / 2);
    for (auto& b : fragment) b = static_cast<uint8_t>(rng());
    const Hash256 name = crypto::Sha256(fragment);
    const Hash256 miner = RandomHash(rng), fid = RandomHash(rng);
    auto tags = (*client)->GenerateTags("devnet", miner, fid, name, kBlocks, fragment);
    ASSERT_TRUE(tags.ok()) << tags.status();
    ASSERT_EQ(tags->tags.size(), kBlocks);
    EXPECT_EQ(tags->tag_digest, podr2::TagDigest(name, tags->tags));
    EXPECT_TRUE(crypto::Ed25519Verify(info->attestation_key,
                                      proofs::TagSignMessage("devnet", miner, fid, name, tags->tag_digest),
                                      tags->signature)
                    .ok());
    auto challenge = podr2::Challenge::Derive(RandomHash(rng), kBlocks, 8, 20);
    ASSERT_TRUE(challenge.ok());
    const size_t bs = fragment.size() / kBlocks;
    podr2::FragmentSource src;
    src.name = name;
    src.read_block = [&](uint32_t i) -> Result<Bytes> {
      return Bytes(fragment.begin() + static_cast<ptrdiff_t>(i * bs),
                   fragment.begin() + static_cast<ptrdiff_t>((i + 1) * bs));
    };
    src.read_tag = [&](uint32_t i) -> Result<Bytes> { return tags->tags[i]; };
    auto proof = podr2::Prove(info->podr2_public_key, *challenge, std::span(&src, 1));
    ASSERT_TRUE(proof.ok());
    EXPECT_TRUE(podr2::Verify(info->podr2_public_key, *challenge, std::span(&name, 1), *proof).ok());

    // The enclave tags only what it was shown.
    Hash256 wrong = name;
    wrong[0] ^= 1;
    auto refused = (*client)->GenerateTags("devnet", miner, fid, wrong, kBlocks, fragment);
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << refused.status();
    EXPECT_NE(refused.status().message().find("SHA-256"), std::string::npos) << refused.status();
    auto bad_shape = (*client)->GenerateTags("devnet", miner, fid, name, 7, fragment);
    EXPECT_EQ(bad_shape.status().code(), StatusCode::kInvalidArgument) << bad_shape.status();

    EXPECT_EQ(proc.StopAndWait(SIGTERM, std::chrono::seconds(15)), 0);
    struct stat st;
    EXPECT_NE(::stat(dir.Sub("e.sock").c_str(), &st), 0) << "socket file left behind";
    auto gone = (*client)->Info();
    EXPECT_EQ(gone.status().code(), StatusCode::kUnavailable) << gone.status();
  }
  {
    EnclaveProcess proc(args);
    const std::string ready = proc.ReadLine(std::chrono::seconds(60));
    ASSERT_EQ(ready.rfind("ready ", 0), 0u) << "got '" << ready << "'";
    EXPECT_EQ(Field(ready, "keys"), "unsealed");
    EXPECT_EQ(Field(ready, "fingerprint"), fingerprint);
    EXPECT_EQ(Field(ready, "attestation_key"), attestation_hex);
    auto client = EnclaveClient::Connect(address, 30000);
    ASSERT_TRUE(client.ok());
    auto info = (*client)->Info();
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(ToHex(info->podr2_key_fingerprint), fingerprint);
    EXPECT_EQ(ToHex(info->attestation_key), attestation_hex);
    EXPECT_EQ(proc.StopAndWait(SIGINT, std::chrono::seconds(15)), 0);
  }
  {
    // A wrong secret: the start fails (exit 2) and sealed.bin is untouched.
    const std::string sealed = data_dir + "/" + kSealedFileName;
    auto before = ReadFile(sealed);
    ASSERT_TRUE(before.ok());
    ASSERT_TRUE(WriteFileAtomic(dir.Sub("secret"), Bytes(32, 0x5A), 0600).ok());
    EnclaveProcess proc(args);
    EXPECT_EQ(proc.ReadLine(std::chrono::seconds(30)), "");
    EXPECT_EQ(proc.StopAndWait(0, std::chrono::seconds(15)), 2);
    EXPECT_EQ(*ReadFile(sealed), *before);
  }
}

TEST(EnclaveClient, UnreachableAndBadArguments) {
  EXPECT_EQ(EnclaveClient::Connect("", 1000).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EnclaveClient::Connect("unix:/x", 0).status().code(), StatusCode::kInvalidArgument);
  test_util::TempDir dir("enclave-e2e");
  auto client = EnclaveClient::Connect("unix:" + dir.Sub("nobody.sock"), 500);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->Info().status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace cess::enclave
