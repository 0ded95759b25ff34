#include "cess/ailink/report/png.h"

#include <zlib.h>

#include <array>
#include <string>
#include <string_view>

namespace cess::ailink::report {
namespace {

constexpr std::array<uint8_t, 8> kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

void PutU32(Bytes& out, uint32_t v) {
  out.push_back(static_cast<uint8_t>(v >> 24));
  out.push_back(static_cast<uint8_t>(v >> 16));
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

// Appends one chunk: length, type, data, CRC-32 of type and data.
void PutChunk(Bytes& out, std::string_view type, ByteSpan data) {
  PutU32(out, static_cast<uint32_t>(data.size()));
  const size_t type_at = out.size();
  out.insert(out.end(), type.begin(), type.end());
  out.insert(out.end(), data.begin(), data.end());
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32_z(crc, out.data() + type_at, out.size() - type_at);
  PutU32(out, static_cast<uint32_t>(crc));
}

}  // namespace

Result<Bytes> EncodePng(uint32_t width, uint32_t height, std::span<const uint8_t> pixels,
                        PixelFormat format) {
  if (width == 0 || height == 0 || width > kMaxPngDimension || height > kMaxPngDimension) {
    return Status::InvalidArgument("PNG dimensions " + std::to_string(width) + "x" + std::to_string(height) +
                                   " must each be in [1, " + std::to_string(kMaxPngDimension) + "]");
  }
  if (format != PixelFormat::kRgb8 && format != PixelFormat::kRgba8) {
    return Status::InvalidArgument("unknown pixel format " + std::to_string(static_cast<int>(format)));
  }
  const size_t bpp = BytesPerPixel(format);
  const size_t row_bytes = static_cast<size_t>(width) * bpp;
  if (pixels.size() != row_bytes * height) {
    return Status::InvalidArgument("pixel buffer holds " + std::to_string(pixels.size()) + " bytes, a " +
                                   std::to_string(width) + "x" + std::to_string(height) + " image needs " +
                                   std::to_string(row_bytes * height));
  }

  // The filtered image: each row preceded by its filter type, 0 (None).
  Bytes raw;
  raw.reserve((row_bytes + 1) * height);
  for (uint32_t y = 0; y < height; ++y) {
    raw.push_back(0);
    const auto row = pixels.subspan(y * row_bytes, row_bytes);
    raw.insert(raw.end(), row.begin(), row.end());
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  Bytes packed(packed_size);
  const int rc = compress2(packed.data(), &packed_size, raw.data(), static_cast<uLong>(raw.size()),
                           Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) return Status::Internal("zlib compress2 failed with code " + std::to_string(rc));
  packed.resize(packed_size);

  Bytes ihdr;
  PutU32(ihdr, width);
  PutU32(ihdr, height);
  ihdr.push_back(8);                                     // bit depth
  ihdr.push_back(format == PixelFormat::kRgb8 ? 2 : 6);  // colour type: truecolour (+ alpha)
  ihdr.push_back(0);                                     // compression method: deflate
  ihdr.push_back(0);                                     // filter method: adaptive (type per row)
  ihdr.push_back(0);                                     // no interlace

  Bytes out(kSignature.begin(), kSignature.end());
  out.reserve(kSignature.size() + 3 * 12 + ihdr.size() + packed.size());
  PutChunk(out, "IHDR", ihdr);
  PutChunk(out, "IDAT", packed);
  PutChunk(out, "IEND", {});
  return out;
}

}  // namespace cess::ailink::report
