#include "cess/agenthub/peak_ewma.h"

#include <cmath>

namespace cess::agenthub {

void PeakEwma::Observe(double sample_micros, int64_t now_micros) {
  int64_t elapsed = now_micros > last_ ? now_micros - last_ : 0;
  last_ = now_micros > last_ ? now_micros : last_;
  if (sample_micros > value_) {
    value_ = sample_micros;  // peak: jump up at once
    return;
  }
  double w = std::exp(-static_cast<double>(elapsed) / static_cast<double>(tau_));
  value_ = value_ * w + sample_micros * (1.0 - w);
}

}  // namespace cess::agenthub
