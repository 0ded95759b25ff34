#include "cess/chain/runtime/module.h"

namespace cess::chain::runtime {

int Module::FindCall(std::string_view function) const {
  std::span<const CallDef> defs = calls();
  for (size_t i = 0; i < defs.size(); ++i) {
    if (defs[i].name == function) return static_cast<int>(i);
  }
  return -1;
}

std::string_view Module::ErrorName(uint32_t number) const {
  for (const ErrorDef& e : errors()) {
    if (e.number == number) return e.name;
  }
  return "unknown";
}

}  // namespace cess::chain::runtime
