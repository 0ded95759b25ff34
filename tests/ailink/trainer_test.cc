// Local training: the SGD rule against torch::optim::SGD, learning on a separable dataset,
// determinism, momentum and batch order across rounds, label flipping, evaluation, errors.
#include "cess/ailink/train/trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace cess::ailink::train {
namespace {

// The whole test binary runs on single-threaded kernels (deterministic, and ctest runs tests in
// parallel on few cores).
class SingleThreaded : public ::testing::Environment {
 public:
  void SetUp() override { UseSingleThreadedKernels(); }
};
[[maybe_unused]] const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new SingleThreaded);

constexpr size_t kDim = 6;
constexpr size_t kClasses = 3;
const model::InputSpec kInput = {{kDim}, kClasses};

// n examples in kDim dimensions, class c around the mean 2·e_c (Gaussian noise 0.5): separable
// almost surely.
data::Dataset Blobs(size_t n, uint32_t seed) {
  data::Dataset d;
  d.example_shape = {kDim};
  d.num_classes = kClasses;
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.5f);
  for (size_t i = 0; i < n; ++i) {
    const int32_t label = static_cast<int32_t>(i % kClasses);
    d.labels.push_back(label);
    for (size_t k = 0; k < kDim; ++k)
      d.features.push_back((k == static_cast<size_t>(label) ? 2.0f : 0.0f) + noise(rng));
  }
  return d;
}

TensorData Tensors(const data::Dataset& d) {
  auto t = ToTensors(d, torch::kCPU);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::move(t).value() : TensorData{};
}

std::unique_ptr<model::Model> Mlp(uint64_t seed = 1, const std::string& spec = "mlp:16") {
  auto m = model::CreateModel(spec, kInput, seed);
  EXPECT_TRUE(m.ok()) << m.status();
  return m.ok() ? std::move(m).value() : nullptr;
}

float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float m = 0.0f;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

TEST(ToTensors, CopiesAllOrSelectedExamples) {
  const data::Dataset d = Blobs(10, 1);
  const TensorData all = Tensors(d);
  ASSERT_EQ(all.size(), 10u);
  EXPECT_EQ(all.x.sizes(), (std::vector<int64_t>{10, 6}));
  EXPECT_EQ(all.y.scalar_type(), torch::kLong);
  EXPECT_EQ(all.num_classes, kClasses);
  EXPECT_EQ(all.x[3][2].item<float>(), d.features[3 * kDim + 2]);

  const std::vector<size_t> indices = {7, 2, 2};
  auto some = ToTensors(d, torch::kCPU, indices);
  ASSERT_TRUE(some.ok()) << some.status();
  ASSERT_EQ(some->size(), 3u);
  EXPECT_EQ(some->y[0].item<int64_t>(), d.labels[7]);
  EXPECT_EQ(some->x[0][5].item<float>(), d.features[7 * kDim + 5]);
  EXPECT_TRUE(torch::equal(some->x[1], some->x[2]));

  const std::vector<size_t> out_of_range = {10};
  EXPECT_EQ(ToTensors(d, torch::kCPU, out_of_range).status().code(), StatusCode::kInvalidArgument);
  data::Dataset bad = d;
  bad.features.pop_back();
  EXPECT_EQ(ToTensors(bad, torch::kCPU).status().code(), StatusCode::kInvalidArgument);
  bad = d;
  bad.labels[4] = 3;
  EXPECT_EQ(ToTensors(bad, torch::kCPU).status().code(), StatusCode::kInvalidArgument);
  bad = d;
  bad.features[5] = NAN;
  EXPECT_EQ(ToTensors(bad, torch::kCPU).status().code(), StatusCode::kInvalidArgument);
  if (!torch::cuda::is_available()) {
    EXPECT_EQ(ToTensors(d, torch::Device(torch::kCUDA, 0)).status().code(), StatusCode::kUnavailable);
  }
}

struct SgdCase {
  const char* name;
  SgdOptions sgd;
};

class SgdMatchesTorch : public ::testing::TestWithParam<SgdCase> {};

// Full-batch steps, so that both sides see the same examples each step (in another order: the
// sums differ in the last bits).
TEST_P(SgdMatchesTorch, StepForStep) {
  const SgdOptions& sgd = GetParam().sgd;
  const TensorData data = Tensors(Blobs(48, 2));
  auto ours = Mlp(3);
  auto ref = ours->Clone();
  ASSERT_TRUE(ref.ok());
  torch::optim::SGD optimizer((*ref)->Parameters(), torch::optim::SGDOptions(sgd.lr)
                                                        .momentum(sgd.momentum)
                                                        .dampening(sgd.dampening)
                                                        .weight_decay(sgd.weight_decay)
                                                        .nesterov(sgd.nesterov));
  LocalTrainOptions options;
  options.sgd = sgd;
  options.batch_size = 48;
  options.local_steps = 1;
  LocalTrainer trainer(options);
  ClientState state(11);
  for (int step = 0; step < 6; ++step) {
    auto update = trainer.Train(*ours, data, state);
    ASSERT_TRUE(update.ok()) << update.status();
    optimizer.zero_grad();
    torch::Tensor loss = torch::nn::functional::cross_entropy((*ref)->Forward(data.x), data.y);
    loss.backward();
    optimizer.step();
    EXPECT_LT(MaxAbsDiff(ours->GetFlat(), (*ref)->GetFlat()), 2e-6f) << GetParam().name << " step " << step;
    EXPECT_NEAR(update->mean_loss, loss.item<double>(), 1e-5) << step;
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, SgdMatchesTorch,
                         ::testing::Values(SgdCase{"plain", {0.1, 0.0, 0.0, 0.0, false}},
                                           SgdCase{"momentum", {0.1, 0.9, 0.0, 0.0, false}},
                                           SgdCase{"dampening", {0.1, 0.9, 0.3, 0.0, false}},
                                           SgdCase{"weight_decay", {0.1, 0.9, 0.0, 0.01, false}},
                                           SgdCase{"nesterov", {0.05, 0.9, 0.0, 0.01, true}}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(LocalTrainer, LearnsASeparableDataset) {
  const TensorData train = Tensors(Blobs(300, 3));
  const TensorData test = Tensors(Blobs(150, 4));
  auto model = Mlp(5);
  auto before = Evaluate(*model, test, 64);
  ASSERT_TRUE(before.ok()) << before.status();
  LocalTrainOptions options;
  options.local_epochs = 3;
  LocalTrainer trainer(options);
  ClientState state(1);
  auto update = trainer.Train(*model, train, state);
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->steps, 3u * 10);  // ceil(300 / 32) = 10 per epoch
  EXPECT_EQ(update->samples, 300u);
  EXPECT_EQ(update->delta.size(), model->NumParameters());
  auto after = Evaluate(*model, test, 64);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_LT(after->loss, 0.5 * before->loss);
  EXPECT_GT(after->accuracy, 0.95);
  EXPECT_LT(before->accuracy, 0.8);
}

TEST(LocalTrainer, DeltaIsAfterMinusBefore) {
  const TensorData data = Tensors(Blobs(40, 5));
  auto model = Mlp(2);
  const std::vector<float> start = model->GetFlat();
  LocalTrainOptions options;
  options.local_steps = 3;
  ClientState state(4);
  auto update = LocalTrainer(options).Train(*model, data, state);
  ASSERT_TRUE(update.ok()) << update.status();
  const std::vector<float> end = model->GetFlat();
  for (size_t i = 0; i < end.size(); ++i) ASSERT_EQ(update->delta[i], end[i] - start[i]) << i;
}

TEST(LocalTrainer, SameSeedsGiveBitIdenticalDeltas) {
  // cnn-mnist: dropout masks come from the client's generator too.
  const model::InputSpec input = {{1, 8, 8}, 4};
  data::Dataset d;
  d.example_shape = {1, 8, 8};
  d.num_classes = 4;
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int i = 0; i < 40; ++i) {
    d.labels.push_back(i % 4);
    for (int k = 0; k < 64; ++k) d.features.push_back(u(rng));
  }
  const TensorData data = Tensors(d);
  LocalTrainOptions options;
  options.batch_size = 8;
  options.local_steps = 3;
  const LocalTrainer trainer(options);
  auto run = [&](uint64_t client_seed) {
    auto model = model::CreateModel("cnn-mnist", input, 7);
    EXPECT_TRUE(model.ok());
    ClientState state(client_seed);
    std::vector<std::vector<float>> deltas;
    for (int round = 0; round < 2; ++round) {
      auto update = trainer.Train(**model, data, state);
      EXPECT_TRUE(update.ok()) << update.status();
      deltas.push_back(update.ok() ? update->delta : std::vector<float>{});
    }
    return deltas;
  };
  const auto a = run(100);
  const auto b = run(100);
  const auto c = run(101);
  EXPECT_EQ(a, b);
  EXPECT_NE(a[0], c[0]);
  EXPECT_NE(a[0], a[1]);
}

TEST(LocalTrainer, BatchesAndMomentumContinueAcrossRounds) {
  // Two rounds of 3 steps give exactly what one round of 6 steps gives.
  const TensorData data = Tensors(Blobs(20, 6));
  LocalTrainOptions options;
  options.batch_size = 8;  // epochs of 3 batches (8, 8, 4)
  options.local_steps = 3;
  auto split = Mlp(3);
  ClientState split_state(5);
  ASSERT_TRUE(LocalTrainer(options).Train(*split, data, split_state).ok());
  ASSERT_TRUE(LocalTrainer(options).Train(*split, data, split_state).ok());
  options.local_steps = 6;
  auto whole = Mlp(3);
  ClientState whole_state(5);
  ASSERT_TRUE(LocalTrainer(options).Train(*whole, data, whole_state).ok());
  EXPECT_EQ(split->GetFlat(), whole->GetFlat());
}

TEST(ClientState, CopiesAreDeep) {
  const TensorData data = Tensors(Blobs(30, 11));
  LocalTrainOptions options;
  options.batch_size = 7;
  options.local_steps = 3;
  const LocalTrainer trainer(options);
  auto model = Mlp(2);
  ClientState state(3);
  ASSERT_TRUE(trainer.Train(*model, data, state).ok());  // momentum, permutation, generator in use
  ClientState copy = state;
  auto a = model->Clone();
  auto b = model->Clone();
  ASSERT_TRUE(a.ok() && b.ok());
  auto from_original = trainer.Train(**a, data, state);
  auto from_copy = trainer.Train(**b, data, copy);
  ASSERT_TRUE(from_original.ok() && from_copy.ok());
  EXPECT_EQ(from_original->delta, from_copy->delta);
}

TEST(LocalTrainer, ConcurrentClientsMatchSequentialOnes) {
  const TensorData data = Tensors(Blobs(64, 12));
  LocalTrainOptions options;
  options.batch_size = 16;
  options.local_steps = 5;
  const LocalTrainer trainer(options);
  auto run = [&](uint64_t seed, std::vector<float>* delta) {
    auto model = Mlp(seed);
    ClientState state(seed);
    auto update = trainer.Train(*model, data, state);
    if (update.ok()) *delta = update->delta;
  };
  std::vector<float> seq0, seq1, par0, par1;
  run(1, &seq0);
  run(2, &seq1);
  std::thread t0(run, 1, &par0);
  std::thread t1(run, 2, &par1);
  t0.join();
  t1.join();
  ASSERT_FALSE(seq0.empty());
  EXPECT_EQ(par0, seq0);
  EXPECT_EQ(par1, seq1);
}

TEST(LocalTrainer, FlushingDenormalsChangesOnlyTinyValues) {
  const TensorData data = Tensors(Blobs(40, 13));
  LocalTrainOptions options;
  options.batch_size = 10;
  options.local_steps = 8;
  auto plain = Mlp(3);
  auto flushed = Mlp(3);
  ClientState plain_state(4);
  ClientState flushed_state(4);
  auto a = LocalTrainer(options).Train(*plain, data, plain_state);
  options.flush_denormals = true;
  auto b = LocalTrainer(options).Train(*flushed, data, flushed_state);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LT(MaxAbsDiff(a->delta, b->delta), 1e-6f);
  // The thread's floating-point mode is restored: subnormals survive arithmetic again.
  volatile float tiny = 1e-39f;
  EXPECT_GT(tiny * 1.0f, 0.0f);
}

TEST(LocalTrainer, PersistentMomentumDiffersFromRestart) {
  const TensorData data = Tensors(Blobs(30, 7));
  LocalTrainOptions options;
  options.batch_size = 10;
  options.local_steps = 2;
  auto run = [&](bool persistent) {
    options.persistent_momentum = persistent;
    auto model = Mlp(4);
    ClientState state(8);
    std::vector<std::vector<float>> deltas;
    for (int round = 0; round < 2; ++round) {
      auto update = LocalTrainer(options).Train(*model, data, state);
      EXPECT_TRUE(update.ok()) << update.status();
      deltas.push_back(update.ok() ? update->delta : std::vector<float>{});
    }
    return deltas;
  };
  const auto persistent = run(true);
  const auto restart = run(false);
  EXPECT_EQ(persistent[0], restart[0]);
  EXPECT_NE(persistent[1], restart[1]);
}

TEST(LocalTrainer, LabelFlippingTrainsTowardFlippedLabels) {
  const data::Dataset d = Blobs(300, 8);
  const TensorData data = Tensors(d);
  data::Dataset flipped = d;
  for (auto& label : flipped.labels) label = static_cast<int32_t>(kClasses) - 1 - label;
  const TensorData flipped_data = Tensors(flipped);
  LocalTrainOptions options;
  options.local_epochs = 3;
  options.flip_labels = true;
  auto model = Mlp(6);
  ClientState state(2);
  ASSERT_TRUE(LocalTrainer(options).Train(*model, data, state).ok());
  auto on_flipped = Evaluate(*model, flipped_data);
  auto on_true = Evaluate(*model, data);
  ASSERT_TRUE(on_flipped.ok() && on_true.ok());
  EXPECT_GT(on_flipped->accuracy, 0.95);
  EXPECT_LT(on_true->accuracy, 0.4);
}

TEST(Evaluate, CountsCorrectPredictionsAndMeanLoss) {
  const TensorData data = Tensors(Blobs(53, 9));
  auto model = Mlp(10);
  // The expected figures, computed on the whole set at once.
  torch::Tensor logits;
  {
    torch::NoGradGuard no_grad;
    logits = model->Forward(data.x);
  }
  const double loss = torch::nn::functional::cross_entropy(logits, data.y).item<double>();
  const int64_t correct = logits.argmax(1).eq(data.y).sum().item<int64_t>();
  auto eval = Evaluate(*model, data, 7);  // 7 does not divide 53
  ASSERT_TRUE(eval.ok()) << eval.status();
  EXPECT_EQ(eval->samples, 53u);
  EXPECT_DOUBLE_EQ(eval->accuracy, static_cast<double>(correct) / 53.0);
  EXPECT_NEAR(eval->loss, loss, 1e-6);
}

TEST(LocalTrainer, Errors) {
  const TensorData data = Tensors(Blobs(12, 10));
  auto model = Mlp(1);
  ClientState state(1);
  LocalTrainOptions options;
  auto code = [&](const LocalTrainOptions& o, const TensorData& d) {
    return LocalTrainer(o).Train(*model, d, state).status().code();
  };
  EXPECT_EQ(code(options, TensorData{}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(options, Tensors(Blobs(0, 1))), StatusCode::kInvalidArgument);
  LocalTrainOptions zero_batch = options;
  zero_batch.batch_size = 0;
  EXPECT_EQ(code(zero_batch, data), StatusCode::kInvalidArgument);
  LocalTrainOptions no_steps = options;
  no_steps.local_steps = 0;
  EXPECT_EQ(code(no_steps, data), StatusCode::kInvalidArgument);
  LocalTrainOptions bad_nesterov = options;
  bad_nesterov.sgd.nesterov = true;
  bad_nesterov.sgd.momentum = 0.0;
  EXPECT_EQ(code(bad_nesterov, data), StatusCode::kInvalidArgument);

  TensorData bad_label = data;
  bad_label.y = data.y.clone();
  bad_label.y[3] = 3;
  EXPECT_EQ(code(options, bad_label), StatusCode::kInvalidArgument);
  bad_label.y[3] = -1;
  EXPECT_EQ(code(options, bad_label), StatusCode::kInvalidArgument);
  TensorData bad_shape = data;
  bad_shape.x = data.x.reshape({12, 2, 3});
  EXPECT_EQ(code(options, bad_shape), StatusCode::kInvalidArgument);
  TensorData bad_dtype = data;
  bad_dtype.y = data.y.to(torch::kInt);
  EXPECT_EQ(code(options, bad_dtype), StatusCode::kInvalidArgument);

  // Momentum buffers of another model.
  ASSERT_TRUE(LocalTrainer(options).Train(*model, data, state).ok());
  auto other = Mlp(1, "mlp:4");
  const auto mismatch = LocalTrainer(options).Train(*other, data, state);
  EXPECT_EQ(mismatch.status().code(), StatusCode::kInvalidArgument) << mismatch.status();

  EXPECT_EQ(Evaluate(*model, TensorData{}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Evaluate(*model, data, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST(UseSingleThreadedKernels, SetsOneThread) {
  UseSingleThreadedKernels();
  UseSingleThreadedKernels();  // idempotent
  EXPECT_EQ(at::get_num_threads(), 1);
}

}  // namespace
}  // namespace cess::ailink::train
