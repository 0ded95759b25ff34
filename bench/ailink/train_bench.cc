// Training throughput of LocalTrainer against a plain LibTorch loop, side by side.
//
//   cess_train_bench [--models mlp,cnn-small] [--batches 32,64] [--samples 6400] [--reps 5]
//                    [--flush-denormal 0|1] [--only ours|plain]
//
// Both train on the same Fashion-MNIST-shaped random data (n = samples examples of 1×28×28
// uniform in [0, 1), random labels of 10 classes, already in a CPU tensor), with single-threaded
// kernels (UseSingleThreadedKernels), SGD lr 0.05 momentum 0.9. A repetition times one pass over
// the `samples` examples by a freshly built model of each (building is not timed):
//   ours   train::LocalTrainer::Train (local_steps = samples / batch) on model::CreateModel(spec)
//   plain  the same architecture built directly from torch::nn modules (Sequential), a new
//          randperm per epoch, index_select of each batch, zero_grad, cross_entropy, backward,
//          torch::optim::SGD::step
// Fresh models keep every repetition in the same phase of training: a model that has memorized
// the random labels produces subnormal softmax gradients, which slow the BLAS kernels several
// times (--flush-denormal 1 sets FTZ/DAZ on the thread, for both). The two alternate within each
// repetition, taking turns going first, after one warm-up pass each. Prints one markdown row per
// (model, batch): median samples/s of each over the repetitions and the ratio ours / plain.
// --only runs just one side and prints every repetition (for profilers).
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "cess/ailink/model/model.h"
#include "cess/ailink/train/trainer.h"
#include "bench_util.h"

namespace model = cess::ailink::model;
namespace train = cess::ailink::train;

namespace {

using cess::bench::SplitList;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

template <typename Fn>
double Seconds(Fn&& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

torch::nn::Sequential PlainNet(const std::string& spec) {
  namespace nn = torch::nn;
  if (spec == "mlp") {
    return nn::Sequential(nn::Flatten(), nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 10));
  }
  if (spec == "cnn-small") {
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 20, 5)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Conv2d(nn::Conv2dOptions(20, 50, 5)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Flatten(), nn::Linear(800, 500), nn::ReLU(), nn::Linear(500, 10));
  }
  std::fprintf(stderr, "no plain LibTorch twin for %s (mlp, cnn-small)\n", spec.c_str());
  std::exit(2);
}

// The plain loop: `steps` batches walking per-epoch permutations.
class PlainLoop {
 public:
  PlainLoop(const std::string& spec, const train::TensorData& data, int64_t batch)
      : net_(PlainNet(spec)),
        optimizer_(net_->parameters(), torch::optim::SGDOptions(0.05).momentum(0.9)),
        data_(data),
        batch_(batch) {}

  void Run(int64_t steps) {
    const int64_t n = data_.x.size(0);
    for (int64_t step = 0; step < steps; ++step) {
      if (cursor_ >= n) {
        perm_ = torch::randperm(n);
        cursor_ = 0;
      }
      const int64_t end = std::min(cursor_ + batch_, n);
      const torch::Tensor idx = perm_.slice(0, cursor_, end);
      cursor_ = end;
      const torch::Tensor xb = data_.x.index_select(0, idx);
      const torch::Tensor yb = data_.y.index_select(0, idx);
      optimizer_.zero_grad();
      torch::Tensor loss = torch::nn::functional::cross_entropy(net_->forward(xb), yb);
      loss.backward();
      optimizer_.step();
    }
  }

 private:
  torch::nn::Sequential net_;
  torch::optim::SGD optimizer_;
  const train::TensorData& data_;
  int64_t batch_;
  torch::Tensor perm_;
  int64_t cursor_ = INT64_MAX;
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> models = {"mlp", "cnn-small"};
  std::vector<int64_t> batches = {32, 64};
  int64_t samples = 6400;
  int reps = 5;
  bool flush_denormal = false;
  std::string only;  // "ours" or "plain": run just that one (for profilers)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--models") {
      models = SplitList(value);
    } else if (flag == "--batches") {
      batches.clear();
      for (const auto& b : SplitList(value)) batches.push_back(std::stoll(b));
    } else if (flag == "--samples") {
      samples = std::stoll(value);
    } else if (flag == "--reps") {
      reps = std::stoi(value);
    } else if (flag == "--flush-denormal") {
      flush_denormal = value == "1";
    } else if (flag == "--only") {
      only = value;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  train::UseSingleThreadedKernels();
  if (flush_denormal) at::globalContext().setFlushDenormal(true);
  torch::manual_seed(0);
  const train::TensorData data{torch::rand({samples, 1, 28, 28}), torch::randint(0, 10, {samples}), 10};
  const model::InputSpec input = {{1, 28, 28}, 10};

  std::printf(
      "| model | batch | LocalTrainer samples/s (median) | plain LibTorch samples/s (median) | ratio |\n");
  std::printf("|---|---|---|---|---|\n");
  for (const std::string& spec : models) {
    for (int64_t batch : batches) {
      const int64_t steps = std::max<int64_t>(1, samples / batch);
      const double trained = static_cast<double>(steps * batch);
      train::LocalTrainOptions options;
      options.sgd.lr = 0.05;
      options.sgd.momentum = 0.9;
      options.batch_size = static_cast<size_t>(batch);
      options.local_steps = static_cast<size_t>(steps);
      const train::LocalTrainer trainer(options);
      // One pass of a fresh model (built outside the timed part), samples/s.
      auto time_ours = [&](uint64_t seed) {
        auto m = model::CreateModel(spec, input, seed);
        if (!m.ok()) {
          std::fprintf(stderr, "%s: %s\n", spec.c_str(), m.status().ToString().c_str());
          std::exit(1);
        }
        train::ClientState state(seed);
        return trained / Seconds([&] {
                 auto update = trainer.Train(**m, data, state);
                 if (!update.ok()) {
                   std::fprintf(stderr, "%s\n", update.status().ToString().c_str());
                   std::exit(1);
                 }
               });
      };
      auto time_plain = [&] {
        PlainLoop plain(spec, data, batch);
        return trained / Seconds([&] { plain.Run(steps); });
      };
      if (!only.empty()) {
        for (int r = 0; r < reps; ++r) {
          const double rate = only == "ours" ? time_ours(static_cast<uint64_t>(r)) : time_plain();
          std::printf("| %s | %lld | %s | %.0f |\n", spec.c_str(), static_cast<long long>(batch),
                      only.c_str(), rate);
        }
        continue;
      }
      time_ours(0);  // warm-up
      time_plain();
      std::vector<double> ours_rate, plain_rate;
      // Alternate which goes first, so that neither always runs right after the other.
      for (int r = 0; r < reps; ++r) {
        if (r % 2 == 1) plain_rate.push_back(time_plain());
        ours_rate.push_back(time_ours(static_cast<uint64_t>(r + 1)));
        if (r % 2 == 0) plain_rate.push_back(time_plain());
      }
      const double o = Median(ours_rate);
      const double p = Median(plain_rate);
      std::printf("| %s | %lld | %.0f | %.0f | %.3f |\n", spec.c_str(), static_cast<long long>(batch), o, p,
                  o / p);
      std::fflush(stdout);
    }
  }
  return 0;
}
