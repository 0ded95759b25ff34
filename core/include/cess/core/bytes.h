// Byte buffers and hex encoding, header-only (used by the standalone kernels build too).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cess/core/result.h"

namespace cess {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;
using Hash256 = std::array<uint8_t, 32>;

// Views the characters of `s` as bytes (no copy).
inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Lowercase hex of `data`.
inline std::string ToHex(ByteSpan data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(data.size() * 2);
  for (size_t i = 0; i < data.size(); ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xF];
  }
  return out;
}

namespace internal {
constexpr int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace internal

// Parses hex (either case, optional "0x" prefix). Errors: odd length or a non-hex character.
inline Result<Bytes> FromHex(std::string_view hex) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() % 2 != 0) return Status::InvalidArgument("hex string has odd length " + std::to_string(hex.size()));
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = internal::HexValue(hex[2 * i]);
    int lo = internal::HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("invalid hex character at offset " + std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

// Parses hex of exactly N bytes into an array. Errors: as FromHex, or the wrong length.
template <size_t N>
Result<std::array<uint8_t, N>> FromHexFixed(std::string_view hex) {
  CESS_ASSIGN_OR_RETURN(Bytes b, FromHex(hex));
  if (b.size() != N) {
    return Status::InvalidArgument("expected " + std::to_string(N) + " bytes of hex, got " + std::to_string(b.size()));
  }
  std::array<uint8_t, N> out{};
  for (size_t i = 0; i < N; ++i) out[i] = b[i];
  return out;
}

}  // namespace cess
