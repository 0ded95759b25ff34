// Internal: the plan of the CUDA backend's host-memory pipeline, in plain C++ so that tests can
// run it on the CPU (with the kernel emulated) where no GPU exists. cuda_codec.cu drives it with
// streams, pinned staging buffers and the real kernel.
//
// A HostJob is cut into pieces (whole stripes when they fit a slot, otherwise column ranges of
// one stripe). A staged piece is copied into a slot's pinned buffer with rows padded to a
// multiple of 16 bytes, so the kernel always takes its aligned fast path; a direct piece
// (EncodeBatch from pinned memory) is DMA'd with a 2-D copy instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cess/kernels/erasure.h"
#include "erasure/rs_dot.h"

namespace cess::kernels::erasure::internal {

// Host addresses of a pipelined call: input i of stripe s at in_base + s·in_stride + in_off[i]
// (absolute addresses when in_base is 0), outputs likewise.
struct HostJob {
  uintptr_t in_base = 0;
  uintptr_t out_base = 0;
  uint64_t in_stride = 0;
  uint64_t out_stride = 0;
  uint64_t in_off[kMaxDataShards] = {};
  uint64_t out_off[kMaxParityShards] = {};
  int n_in = 0;
  int n_out = 0;
  const uint32_t* d_tables = nullptr;  // device tables (PackedNibbleTables)
  uint64_t stripes = 0;
  uint64_t len = 0;
  // The EncodeBatch layout: input i of stripe s at in_base + (s·n_in + i)·len (outputs alike).
  bool batch_layout = false;
  // batch_layout in pinned memory: DMA straight from and to the caller's buffers.
  bool direct = false;
};

// Stripes [s0, s0+ns), columns [c0, c0+w) of a job, staged with row pitch wp (w rounded up to
// 16). Staged input: ns·n_in rows, output ns·n_out rows, stripe-major.
struct Piece {
  uint64_t s0 = 0;
  uint64_t ns = 0;
  uint64_t c0 = 0;
  uint64_t w = 0;
  uint64_t wp = 0;
  bool whole_rows() const { return c0 == 0 && wp == w; }
};

// Cuts `job` into pieces whose staged input (ns·n_in·wp) fits `cap` bytes.
// REQUIRES: cap >= 16·n_in.
std::vector<Piece> CutPieces(const HostJob& job, size_t cap);

// Bytes of staged output a slot needs for pieces cut with `cap` and at most `max_out` outputs.
size_t OutCapacity(size_t cap, int n_in, int max_out);

// One host-side copy of the staging step.
struct CopyTask {
  uint8_t* dst;
  const uint8_t* src;
  size_t n;
};

// The copies that stage piece `pc` into `staging` (ns·n_in rows of pitch wp).
std::vector<CopyTask> StageInTasks(const HostJob& job, const Piece& pc, uint8_t* staging);
// The copies that move piece `pc`'s outputs from `staging` to the caller's buffers.
std::vector<CopyTask> StageOutTasks(const HostJob& job, const Piece& pc, const uint8_t* staging);

// Runs the copies, over up to 4 threads when there are many bytes (one core's memcpy is slower
// than a PCIe 5 link).
void RunCopies(const std::vector<CopyTask>& tasks);

// A 2-D copy (cudaMemcpy2DAsync's arguments) of a direct piece; height rows of width bytes.
struct Copy2D {
  uint8_t* dst;
  size_t dpitch;
  const uint8_t* src;
  size_t spitch;
  size_t width;
  size_t height;
};
// Caller's inputs → device staging `d_in`, and device staging `d_out` → caller's outputs.
// REQUIRES: job.direct (batch layout).
Copy2D DirectIn(const HostJob& job, const Piece& pc, uint8_t* d_in);
Copy2D DirectOut(const HostJob& job, const Piece& pc, const uint8_t* d_out);

// The kernel call for a piece staged at d_in (outputs to d_out).
DotJob PieceDot(const HostJob& job, const Piece& pc, const uint8_t* d_in, uint8_t* d_out);

}  // namespace cess::kernels::erasure::internal
