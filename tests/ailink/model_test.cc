// Models on LibTorch: the built-in architectures' sizes and initialization, the flat view,
// cloning, saving and loading, TorchScript files, bad specs and device parsing.
#include "cess/ailink/model/model.h"

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cess/ailink/train/trainer.h"
#include "common/temp_dir.h"

namespace cess::ailink::model {
namespace {

const InputSpec kMnist = {{1, 28, 28}, 10};

std::unique_ptr<Model> Make(const std::string& spec, const InputSpec& input = kMnist, uint64_t seed = 1) {
  auto model = CreateModel(spec, input, seed);
  EXPECT_TRUE(model.ok()) << spec << ": " << model.status();
  return model.ok() ? std::move(model).value() : nullptr;
}

// A fresh directory under the test temp dir, removed at the end of the test.
using cess::test_util::TempDir;

TEST(BuiltinModel, ParameterCountsAndNames) {
  auto mlp = Make("mlp");
  ASSERT_NE(mlp, nullptr);
  EXPECT_EQ(mlp->NumParameters(), 784u * 256 + 256 + 256 * 10 + 10);
  EXPECT_EQ(mlp->spec(), "mlp:256");
  EXPECT_EQ(mlp->ParameterNames(),
            (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));

  auto deep = Make("mlp:64,32");
  ASSERT_NE(deep, nullptr);
  EXPECT_EQ(deep->NumParameters(), 784u * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10);

  auto small = Make("cnn-small");
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->NumParameters(), 431080u);
  EXPECT_EQ(small->ParameterNames(),
            (std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                      "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(small->Parameters()[4].sizes(), (std::vector<int64_t>{500, 800}));

  auto mnist = Make("cnn-mnist");
  ASSERT_NE(mnist, nullptr);
  EXPECT_EQ(mnist->NumParameters(), 1199882u);
  EXPECT_EQ(mnist->Parameters()[4].sizes(), (std::vector<int64_t>{128, 9216}));
}

TEST(BuiltinModel, ShapesFollowTheInput) {
  // 3×32×32: conv5 → 28, pool → 14, conv5 → 10, pool → 5: fc1 takes 50·5·5 = 1250.
  auto small = Make("cnn-small", {{3, 32, 32}, 100});
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->Parameters()[0].sizes(), (std::vector<int64_t>{20, 3, 5, 5}));
  EXPECT_EQ(small->Parameters()[4].sizes(), (std::vector<int64_t>{500, 1250}));
  EXPECT_EQ(small->Parameters()[6].sizes(), (std::vector<int64_t>{100, 500}));
  const torch::Tensor logits = small->Forward(torch::zeros({4, 3, 32, 32}));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{4, 100}));

  auto mlp = Make("mlp:8", {{5}, 2});
  ASSERT_NE(mlp, nullptr);
  EXPECT_EQ(mlp->Forward(torch::zeros({3, 5})).sizes(), (std::vector<int64_t>{3, 2}));
}

TEST(BuiltinModel, BadSpecsAndShapes) {
  struct Case {
    std::string spec;
    InputSpec input;
  };
  const std::vector<Case> cases = {
      {"resnet50", kMnist},
      {"mlp:", kMnist},
      {"mlp:0", kMnist},
      {"mlp:12,x", kMnist},
      {"mlp:-3", kMnist},
      {"cnn-small:5", kMnist},
      {"cnn-small", {{784}, 10}},
      {"cnn-small", {{1, 12, 12}, 10}},
      {"cnn-mnist", {{1, 5, 5}, 10}},
      {"cnn-mnist", {{28, 28}, 10}},
      {"mlp", {{}, 10}},
      {"mlp", {{1, 0, 28}, 10}},
      {"mlp", {{1, 28, 28}, 0}},
      {"", kMnist},
  };
  for (const Case& c : cases) {
    auto model = CreateModel(c.spec, c.input, 1);
    ASSERT_FALSE(model.ok()) << c.spec;
    EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument) << c.spec << ": " << model.status();
  }
  auto unknown = CreateModel("resnet50", kMnist, 1);
  EXPECT_NE(unknown.status().message().find("cnn-small"), std::string::npos) << unknown.status();
  // The smallest images the CNNs take.
  EXPECT_TRUE(CreateModel("cnn-small", {{1, 16, 16}, 10}, 1).ok());
  EXPECT_TRUE(CreateModel("cnn-mnist", {{1, 6, 6}, 10}, 1).ok());
}

TEST(BuiltinModel, SameSeedSameWeightsOtherSeedsDiffer) {
  for (const std::string spec : {"mlp", "cnn-small", "cnn-mnist"}) {
    auto a = Make(spec, kMnist, 42);
    auto b = Make(spec, kMnist, 42);
    auto c = Make(spec, kMnist, 43);
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(a->GetFlat(), b->GetFlat()) << spec;
    EXPECT_NE(a->GetFlat(), c->GetFlat()) << spec;
  }
}

TEST(BuiltinModel, InitializationFollowsLibTorchDefaults) {
  // Every weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  auto model = Make("cnn-small");
  ASSERT_NE(model, nullptr);
  const std::vector<double> fan_in = {25, 25, 500, 500, 800, 800, 500, 500};
  const auto params = model->Parameters();
  ASSERT_EQ(params.size(), fan_in.size());
  for (size_t i = 0; i < params.size(); ++i) {
    const double bound = 1.0 / std::sqrt(fan_in[i]);
    const double lo = params[i].min().item<double>();
    const double hi = params[i].max().item<double>();
    EXPECT_GE(lo, -bound) << i;
    EXPECT_LE(hi, bound) << i;
    if (params[i].numel() >= 500) {
      EXPECT_LT(lo, -0.9 * bound) << i;
      EXPECT_GT(hi, 0.9 * bound) << i;
      EXPECT_NEAR(params[i].mean().item<double>(), 0.0, 0.1 * bound) << i;
    }
  }
}

TEST(BuiltinModel, FlatRoundTripAndSizeError) {
  auto model = Make("mlp:16", {{6}, 3});
  ASSERT_NE(model, nullptr);
  std::vector<float> flat = model->GetFlat();
  ASSERT_EQ(flat.size(), model->NumParameters());
  // Layout: fc1.weight row-major first.
  EXPECT_EQ(flat[7], model->Parameters()[0][1][1].item<float>());
  for (size_t i = 0; i < flat.size(); ++i) flat[i] = static_cast<float>(i) * 0.001f;
  ASSERT_TRUE(model->SetFlat(flat).ok());
  EXPECT_EQ(model->GetFlat(), flat);
  EXPECT_EQ(model->Parameters()[1][2].item<float>(), flat[6 * 16 + 2]);

  std::vector<float> short_flat(flat.size() - 1, 5.0f);
  const Status s = model->SetFlat(short_flat);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  EXPECT_EQ(model->GetFlat(), flat);
}

TEST(BuiltinModel, ToFlatModel) {
  auto model = Make("cnn-small");
  ASSERT_NE(model, nullptr);
  const FlatModel flat = model->ToFlatModel();
  EXPECT_EQ(flat.arch, "cnn-small:in=1x28x28,classes=10");
  EXPECT_EQ(flat.names, model->ParameterNames());
  ASSERT_EQ(flat.shapes.size(), 8u);
  EXPECT_EQ(flat.shapes[0], (std::vector<size_t>{20, 1, 5, 5}));
  EXPECT_EQ(flat.shapes[7], (std::vector<size_t>{10}));
  EXPECT_EQ(flat.values, model->GetFlat());
}

TEST(BuiltinModel, CloneIsDeep) {
  auto model = Make("cnn-mnist");
  ASSERT_NE(model, nullptr);
  auto clone = model->Clone();
  ASSERT_TRUE(clone.ok()) << clone.status();
  EXPECT_EQ((*clone)->spec(), "cnn-mnist");
  const std::vector<float> original = model->GetFlat();
  EXPECT_EQ((*clone)->GetFlat(), original);
  std::vector<float> zeros(original.size(), 0.0f);
  ASSERT_TRUE((*clone)->SetFlat(zeros).ok());
  EXPECT_EQ(model->GetFlat(), original);
  EXPECT_EQ((*clone)->GetFlat(), zeros);
}

TEST(BuiltinModel, DropoutMasksComeFromTheGenerator) {
  auto model = Make("cnn-mnist", {{1, 10, 10}, 4});
  ASSERT_NE(model, nullptr);
  const torch::Tensor batch = torch::rand({8, 1, 10, 10}, at::detail::createCPUGenerator(5));
  at::Generator g1 = at::detail::createCPUGenerator(7);
  at::Generator g2 = at::detail::createCPUGenerator(7);
  at::Generator g3 = at::detail::createCPUGenerator(8);
  model->SetTraining(true);
  const torch::Tensor a = model->Forward(batch, &g1);
  const torch::Tensor b = model->Forward(batch, &g2);
  const torch::Tensor c = model->Forward(batch, &g3);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
  model->SetTraining(false);
  const torch::Tensor e1 = model->Forward(batch, &g1);
  const torch::Tensor e2 = model->Forward(batch, &g3);
  EXPECT_TRUE(torch::equal(e1, e2));
  EXPECT_FALSE(torch::equal(a, e1));
}

TEST(BuiltinModel, SaveAndLoad) {
  TempDir dir;
  auto model = Make("cnn-small", kMnist, 9);
  ASSERT_NE(model, nullptr);
  const std::string path = dir.Sub("small.pt");
  ASSERT_TRUE(model->SavePt(path).ok());
  auto loaded = LoadModel("cnn-small", kMnist, path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->GetFlat(), model->GetFlat());
  EXPECT_EQ((*loaded)->device(), torch::Device(torch::kCPU));

  // Another architecture or input shape does not match the file.
  auto other = LoadModel("mlp", kMnist, path);
  EXPECT_EQ(other.status().code(), StatusCode::kInvalidArgument) << other.status();
  auto wider = LoadModel("cnn-small", {{3, 28, 28}, 10}, path);
  EXPECT_EQ(wider.status().code(), StatusCode::kInvalidArgument) << wider.status();
  auto classes = LoadModel("cnn-small", {{1, 28, 28}, 5}, path);
  EXPECT_EQ(classes.status().code(), StatusCode::kInvalidArgument) << classes.status();

  auto missing = LoadModel("cnn-small", kMnist, dir.Sub("none.pt"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status();
  std::ofstream(dir.Sub("junk.pt")) << "not a torch archive";
  auto junk = LoadModel("cnn-small", kMnist, dir.Sub("junk.pt"));
  EXPECT_EQ(junk.status().code(), StatusCode::kInvalidArgument) << junk.status();
  auto unknown = LoadModel("vgg", kMnist, path);
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument) << unknown.status();

  const Status unwritable = model->SavePt(dir.Sub("no/such/dir/m.pt"));
  EXPECT_EQ(unwritable.code(), StatusCode::kIoError) << unwritable;
}

TEST(Device, ParseDevice) {
  auto cpu = ParseDevice("cpu");
  ASSERT_TRUE(cpu.ok());
  EXPECT_TRUE(cpu->is_cpu());
  for (const char* bad : {"gpu", "", "cuda:", "cuda:x", "cuda:-1", "CPU", "cuda0"}) {
    EXPECT_EQ(ParseDevice(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto autodev = ParseDevice("auto");
  ASSERT_TRUE(autodev.ok());
  if (torch::cuda::is_available()) {
    EXPECT_TRUE(autodev->is_cuda());
    auto cuda = ParseDevice("cuda");
    ASSERT_TRUE(cuda.ok()) << cuda.status();
    EXPECT_EQ(*cuda, torch::Device(torch::kCUDA, 0));
    EXPECT_EQ(ParseDevice("cuda:99").status().code(), StatusCode::kUnavailable);
  } else {
    EXPECT_TRUE(autodev->is_cpu());
    auto cuda = ParseDevice("cuda");
    EXPECT_EQ(cuda.status().code(), StatusCode::kUnavailable) << cuda.status();
    EXPECT_EQ(ParseDevice("cuda:1").status().code(), StatusCode::kUnavailable);
    auto model = Make("mlp:4", {{3}, 2});
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(model->To(torch::Device(torch::kCUDA, 0)).code(), StatusCode::kUnavailable);
    EXPECT_TRUE(model->device().is_cpu());
  }
}

// Writes a scripted 1×4×4 → 3 MLP (fc1: 16→8, fc2: 8→3) with /usr/bin/python3; empty when that
// python has no torch.
std::string WriteScriptedModel(const std::string& path) {
  const std::string script =
      "import sys, torch\n"
      "class M(torch.nn.Module):\n"
      "    def __init__(self):\n"
      "        super().__init__()\n"
      "        self.fc1 = torch.nn.Linear(16, 8)\n"
      "        self.fc2 = torch.nn.Linear(8, 3)\n"
      "    def forward(self, x):\n"
      "        return self.fc2(torch.relu(self.fc1(x.flatten(1))))\n"
      "torch.manual_seed(0)\n"
      "torch.jit.script(M()).save(sys.argv[1])\n";
  const std::string script_path = path + ".py";
  std::ofstream(script_path) << script;
  const std::string command = "/usr/bin/python3 " + script_path + " " + path + " >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0 || !std::filesystem::exists(path)) return "";
  return path;
}

TEST(TorchScriptModel, LoadTrainSaveClone) {
  TempDir dir;
  const std::string path = WriteScriptedModel(dir.Sub("m.pt"));
  if (path.empty()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch; no TorchScript file to load";
  const InputSpec input = {{1, 4, 4}, 3};
  auto model = CreateModel("torchscript:" + path, input, 0);
  ASSERT_TRUE(model.ok()) << model.status();
  Model& m = **model;
  EXPECT_EQ(m.spec(), "torchscript:" + path);
  EXPECT_EQ(m.NumParameters(), 16u * 8 + 8 + 8 * 3 + 3);
  EXPECT_EQ(m.ParameterNames(),
            (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(m.Forward(torch::zeros({5, 1, 4, 4})).sizes(), (std::vector<int64_t>{5, 3}));

  // Parameters alias the module: SetFlat changes its output.
  const torch::Tensor x = torch::ones({2, 1, 4, 4});
  const torch::Tensor before = m.Forward(x).detach();
  auto clone = m.Clone();
  ASSERT_TRUE(clone.ok()) << clone.status();
  std::vector<float> zeros(m.NumParameters(), 0.0f);
  ASSERT_TRUE(m.SetFlat(zeros).ok());
  EXPECT_TRUE(torch::equal(m.Forward(x), torch::zeros({2, 3})));
  EXPECT_TRUE(torch::equal((*clone)->Forward(x).detach(), before));  // the clone is deep

  // Save and load back.
  std::vector<float> values(m.NumParameters());
  for (size_t i = 0; i < values.size(); ++i) values[i] = std::sin(static_cast<float>(i));
  ASSERT_TRUE(m.SetFlat(values).ok());
  const std::string saved = dir.Sub("saved.pt");
  ASSERT_TRUE(m.SavePt(saved).ok());
  auto loaded = LoadModel("torchscript:" + path, input, saved);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->GetFlat(), values);
  EXPECT_EQ((*loaded)->spec(), "torchscript:" + saved);

  // A clone trains: local SGD moves its parameters (the simulation trains replicas made by Clone).
  auto replica = m.Clone();
  ASSERT_TRUE(replica.ok()) << replica.status();
  cess::ailink::train::TensorData data{torch::randn({64, 1, 4, 4}), torch::randint(0, 3, {64}, torch::kLong),
                                       3};
  cess::ailink::train::LocalTrainOptions topt;
  topt.local_steps = 5;
  topt.batch_size = 16;
  cess::ailink::train::ClientState state(7);
  const std::vector<float> start = (*replica)->GetFlat();
  auto update = cess::ailink::train::LocalTrainer(topt).Train(**replica, data, state);
  ASSERT_TRUE(update.ok()) << update.status();
  double moved = 0;
  for (float v : update->delta) moved += std::abs(v);
  EXPECT_GT(moved, 1e-3);
  EXPECT_NE((*replica)->GetFlat(), start);

  // Wrong classes or shape, not an archive, missing file.
  EXPECT_EQ(LoadTorchScript(path, {{1, 4, 4}, 10}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadTorchScript(path, {{1, 5, 5}, 3}).status().code(), StatusCode::kInvalidArgument);
  std::ofstream(dir.Sub("junk.pt")) << "junk";
  EXPECT_EQ(LoadTorchScript(dir.Sub("junk.pt"), input).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadTorchScript(dir.Sub("none.pt"), input).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(CreateModel("torchscript:" + dir.Sub("none.pt"), input, 0).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace cess::ailink::model
