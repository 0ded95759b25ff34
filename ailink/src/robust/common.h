// Internal helpers shared by the robust rules and pre-aggregators.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "cess/ailink/update.h"
#include "cess/core/result.h"
#include "cess/kernels/aggregate.h"

namespace cess::ailink::robust::internal {

namespace agg = cess::kernels::aggregate;

// OK for a non-empty matrix with data; InvalidArgument naming `what` otherwise.
inline Status CheckMatrix(const MatrixView& x, const char* what) {
  if (x.rows == 0) return Status::InvalidArgument(std::string(what) + ": no updates (0 rows)");
  if (x.data == nullptr && x.cols != 0) return Status::InvalidArgument(std::string(what) + ": null update matrix");
  return Status::Ok();
}

// OK when n > mult*f + add (the usual Byzantine requirement); `rule` names the rule.
inline Status NeedRows(const char* rule, size_t n, size_t f, size_t mult, size_t add) {
  if (n > mult * f + add) return Status::Ok();
  // Built with append: GCC 12 warns falsely (-Wrestrict) on chains of short string operator+.
  std::string msg(rule);
  msg.append(" needs n > ");
  if (mult != 1) msg.append(std::to_string(mult));
  msg.append("f");
  if (add != 0) msg.append("+").append(std::to_string(add));
  msg.append(" (n=").append(std::to_string(n)).append(", f=").append(std::to_string(f)).append(")");
  return Status::InvalidArgument(msg);
}

inline Result<std::unique_ptr<agg::Input>> Prep(const MatrixView& x, cess::kernels::Backend backend) {
  return agg::Prepare(x, backend);
}

// Pairwise squared distances (n×n) of the rows of x.
inline Result<std::vector<double>> Distances(const agg::Input& x) {
  std::vector<double> d(x.rows() * x.rows());
  CESS_RETURN_IF_ERROR(agg::PairwiseSqDistances(x, d));
  return d;
}

// Ascending order of doubles with NaN last (a strict weak order on any input).
inline bool LessNanLast(double a, double b) { return a < b || (a == a && b != b); }

}  // namespace cess::ailink::robust::internal
