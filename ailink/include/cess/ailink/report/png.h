// PNG encoding of raw 8-bit RGB / RGBA images: the container the FL reports use for plots
// (DESIGN.md §12 keeps plotting library-free). Output is a plain, non-interlaced PNG: the
// signature, IHDR, one IDAT (zlib stream, filter type 0 on every row) and IEND, each chunk with
// its CRC-32. Any PNG reader (browsers, ImageMagick, Pillow) opens it.
#pragma once

#include <cstdint>
#include <span>

#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess::ailink::report {

// The layout of one pixel in the buffer given to EncodePng.
enum class PixelFormat : uint8_t {
  kRgb8 = 3,   // R, G, B: 3 bytes per pixel (PNG colour type 2)
  kRgba8 = 4,  // R, G, B, A (straight, not premultiplied alpha): 4 bytes per pixel (colour type 6)
};

// The largest width or height EncodePng accepts. PNG itself allows 2^31-1; this bound keeps one
// image's raw size (≤ 16384² × 4 bytes = 1 GiB) within what a report can sensibly hold.
inline constexpr uint32_t kMaxPngDimension = 16384;

// Returns the bytes per pixel of `format` (3 or 4).
constexpr size_t BytesPerPixel(PixelFormat format) { return static_cast<size_t>(format); }

// Encodes a `width` × `height` image as a PNG file's bytes. `pixels` holds the rows top to
// bottom, each row left to right, with BytesPerPixel(format) bytes per pixel and no row padding.
// Errors: InvalidArgument when width or height is 0 or above kMaxPngDimension, or when
// pixels.size() != width × height × BytesPerPixel(format); Internal when zlib fails.
// Thread safety: a pure function.
Result<Bytes> EncodePng(uint32_t width, uint32_t height, std::span<const uint8_t> pixels,
                        PixelFormat format = PixelFormat::kRgb8);

}  // namespace cess::ailink::report
