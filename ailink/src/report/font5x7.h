// An embedded bitmap font: 5 columns × 7 rows above the baseline plus 2 descender rows, for the
// printable ASCII characters 32–126. Drawn for this project (no third-party font data).
#pragma once

#include <cstdint>
#include <span>

namespace cess::ailink::report::font {

inline constexpr int kGlyphWidth = 5;   // columns of every glyph
inline constexpr int kGlyphRows = 9;    // rows of every glyph's bitmap: 7 above the baseline, 2 below
inline constexpr int kAscent = 7;       // rows above the baseline (capital and digit height)
inline constexpr int kAdvance = 6;      // horizontal distance between glyph origins (1 column of spacing)
inline constexpr int kLineHeight = 11;  // vertical distance between text lines

// Returns the bitmap of `c`: kGlyphRows rows top to bottom, bit 4 of each row the leftmost column.
// A character outside 32–126 gets the glyph of '?'. The span points into static storage.
// Thread safety: a pure function.
std::span<const uint8_t, kGlyphRows> Glyph(char c);

}  // namespace cess::ailink::report::font
