// The enclave's gRPC server in process on a unix socket: the stream checks of GenerateTags (raw
// stub, so malformed streams can be sent), socket handling, and the client on top.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cess/core/file_util.h"
#include "cess/core/hash.h"
#include "cess/enclave/client.h"
#include "cess/enclave/server.h"
#include "cess/storage/proofs/attestation.h"
#include "common/temp_dir.h"
#include "storage/enclave.grpc.pb.h"

namespace cess::enclave {
namespace {

namespace pb = ::cess::enclave::v1;

EnclaveService MakeService() {
  auto sk = proofs::podr2::SecretKey::Generate(512);
  auto att = crypto::Ed25519PrivateKey::Generate();
  EXPECT_TRUE(sk.ok() && att.ok());
  return EnclaveService(EnclaveKeys{std::move(sk).value(), std::move(att).value()});
}

std::string Str(ByteSpan b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

class EnclaveServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    address_ = "unix:" + dir_.Sub("e.sock");
    auto server = EnclaveServer::Start(address_, &service_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    stub_ = pb::Enclave::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
    fragment_ = Bytes(4000, 9);
    hash_ = crypto::Sha256(fragment_);
  }

  pb::GenerateTagsRequest Header(uint64_t size) const {
    pb::GenerateTagsRequest h;
    h.set_chain_id("devnet");
    h.set_miner(std::string(32, 'm'));
    h.set_fid(std::string(32, 'f'));
    h.set_fragment_hash(Str(hash_));
    h.set_blocks(4);
    h.set_fragment_size(size);
    return h;
  }

  // Sends `msgs` as one GenerateTags stream; returns the status code.
  grpc::StatusCode Send(const std::vector<pb::GenerateTagsRequest>& msgs,
                        pb::GenerateTagsResponse* resp = nullptr) {
    grpc::ClientContext ctx;
    pb::GenerateTagsResponse local;
    auto writer = stub_->GenerateTags(&ctx, resp ? resp : &local);
    for (const auto& m : msgs) {
      if (!writer->Write(m)) break;
    }
    writer->WritesDone();
    return writer->Finish().error_code();
  }

  test_util::TempDir dir_{"enclave-srv"};
  EnclaveService service_ = MakeService();
  std::string address_;
  std::unique_ptr<EnclaveServer> server_;
  std::unique_ptr<pb::Enclave::Stub> stub_;
  Bytes fragment_;
  Hash256 hash_{};
};

TEST_F(EnclaveServerTest, WellFormedStreamInSeveralChunks) {
  pb::GenerateTagsRequest first = Header(fragment_.size());
  first.set_chunk(Str(ByteSpan(fragment_).first(1000)));
  pb::GenerateTagsRequest second;
  second.set_chunk(Str(ByteSpan(fragment_).subspan(1000, 2500)));
  pb::GenerateTagsRequest third;
  third.set_chunk(Str(ByteSpan(fragment_).subspan(3500)));
  pb::GenerateTagsResponse resp;
  ASSERT_EQ(Send({first, second, third}, &resp), grpc::StatusCode::OK);
  ASSERT_EQ(resp.tags_size(), 4);
  std::vector<Bytes> tags;
  for (const auto& t : resp.tags()) tags.emplace_back(t.begin(), t.end());
  const Hash256 digest = proofs::podr2::TagDigest(hash_, tags);
  EXPECT_EQ(resp.tag_digest(), Str(digest));
  const Hash256 miner = [] {
    Hash256 h;
    h.fill('m');
    return h;
  }();
  const Hash256 fid = [] {
    Hash256 h;
    h.fill('f');
    return h;
  }();
  EXPECT_TRUE(crypto::Ed25519Verify(service_.Info().attestation_key,
                                    proofs::TagSignMessage("devnet", miner, fid, hash_, digest),
                                    AsBytes(resp.signature()))
                  .ok());
}

TEST_F(EnclaveServerTest, MalformedStreamsAreInvalidArgument) {
  EXPECT_EQ(Send({}), grpc::StatusCode::INVALID_ARGUMENT);  // empty stream
  pb::GenerateTagsRequest h = Header(fragment_.size());
  h.set_chunk(Str(ByteSpan(fragment_).first(2000)));
  EXPECT_EQ(Send({h}), grpc::StatusCode::INVALID_ARGUMENT);  // ends early
  pb::GenerateTagsRequest rest;
  rest.set_chunk(Str(ByteSpan(fragment_).subspan(2000)));
  pb::GenerateTagsRequest extra;
  extra.set_chunk("x");
  EXPECT_EQ(Send({h, rest, extra}), grpc::StatusCode::INVALID_ARGUMENT);  // more than declared
  pb::GenerateTagsRequest rest_with_header = rest;
  rest_with_header.set_blocks(4);
  EXPECT_EQ(Send({h, rest_with_header}), grpc::StatusCode::INVALID_ARGUMENT);  // header twice
  pb::GenerateTagsRequest short_miner = Header(fragment_.size());
  short_miner.set_miner("abc");
  short_miner.set_chunk(Str(fragment_));
  EXPECT_EQ(Send({short_miner}), grpc::StatusCode::INVALID_ARGUMENT);
  pb::GenerateTagsRequest huge = Header(kMaxFragmentBytes + 1);
  EXPECT_EQ(Send({huge}), grpc::StatusCode::INVALID_ARGUMENT);
  pb::GenerateTagsRequest zero = Header(0);
  EXPECT_EQ(Send({zero}), grpc::StatusCode::INVALID_ARGUMENT);
  // And a good one still works afterwards.
  EXPECT_EQ(Send({h, rest}), grpc::StatusCode::OK);
}

TEST_F(EnclaveServerTest, SocketIsOwnerOnlyAndRemovedOnShutdown) {
  struct stat st;
  ASSERT_EQ(::stat(dir_.Sub("e.sock").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 077, 0u);
  auto client = EnclaveClient::Connect(address_, 5000);
  ASSERT_TRUE(client.ok());
  auto info = (*client)->Info();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->podr2_key_fingerprint, service_.Info().podr2_key_fingerprint);
  server_->Shutdown();
  EXPECT_NE(::stat(dir_.Sub("e.sock").c_str(), &st), 0);
  EXPECT_EQ((*client)->Info().status().code(), StatusCode::kUnavailable);
}

TEST(EnclaveServer, StaleSocketIsReplacedAndOtherFilesAreNot) {
  test_util::TempDir dir("enclave-srv");
  EnclaveService service = MakeService();
  // A stale socket from a crashed run.
  const std::string path = dir.Sub("stale.sock");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ::close(fd);
  auto server = EnclaveServer::Start("unix:" + path, &service);
  ASSERT_TRUE(server.ok()) << server.status();
  (*server)->Shutdown();
  // A regular file where the socket should go is not deleted.
  ASSERT_TRUE(WriteFileAtomic(dir.Sub("file.sock"), Bytes{1, 2, 3}).ok());
  EXPECT_EQ(EnclaveServer::Start("unix:" + dir.Sub("file.sock"), &service).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(*ReadFile(dir.Sub("file.sock")), (Bytes{1, 2, 3}));
  EXPECT_EQ(EnclaveServer::Start("", &service).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace cess::enclave
