// AggregateNpy: the library side of `cess fl aggregate`.
#include <string>

#include "cess/ailink/npy.h"
#include "cess/ailink/robust/aggregator.h"
#include "cess/ailink/update.h"

namespace cess::ailink {

Status AggregateNpy(std::string_view rule_spec, size_t f, const std::string& in_path, const std::string& out_path,
                    cess::kernels::Backend backend, uint64_t seed) {
  // Parse the rule first: a typo should not cost reading a large file.
  auto aggregator = robust::Aggregator::Create(rule_spec);
  if (!aggregator.ok()) return aggregator.status().WithContext("rule");
  auto updates = ReadNpyMatrix(in_path);
  if (!updates.ok()) return updates.status().WithContext("read " + in_path);
  const Status valid = ValidateUpdates(updates->view());
  if (!valid.ok()) return valid.WithContext("validate " + in_path);
  auto result = (*aggregator)->Aggregate(updates->view(), f, {.backend = backend, .seed = seed});
  if (!result.ok()) return result.status().WithContext("aggregate with '" + (*aggregator)->spec().ToString() + "'");
  const Status written = WriteNpyVector(out_path, *result);
  if (!written.ok()) return written.WithContext("write " + out_path);
  return Status::Ok();
}

}  // namespace cess::ailink
