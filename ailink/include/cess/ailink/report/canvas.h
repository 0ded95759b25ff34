// A small RGB raster canvas for report plots: rectangles, anti-aliased thick polylines, markers
// and text in an embedded 5×7 bitmap font (printable ASCII), with a clip rectangle. Coordinates
// are pixels with the origin at the top-left; pixel (x, y) covers [x, x+1) × [y, y+1), so its
// centre is (x + 0.5, y + 0.5).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cess/core/bytes.h"
#include "cess/core/result.h"

namespace cess::ailink::report {

// An opaque 8-bit colour.
struct Rgb {
  uint8_t r = 0;
  uint8_t g = 0;
  uint8_t b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

inline constexpr Rgb kWhite{255, 255, 255};
inline constexpr Rgb kBlack{0, 0, 0};

// The half-open pixel rectangle [x0, x1) × [y0, y1); empty when x1 <= x0 or y1 <= y0.
struct Rect {
  int x0 = 0;
  int y0 = 0;
  int x1 = 0;
  int y1 = 0;
  int width() const { return x1 - x0; }
  int height() const { return y1 - y0; }
  bool empty() const { return x1 <= x0 || y1 <= y0; }
  bool Contains(int x, int y) const { return x >= x0 && x < x1 && y >= y0 && y < y1; }
  friend bool operator==(const Rect&, const Rect&) = default;
};

// A point in continuous pixel coordinates.
struct PointF {
  double x = 0;
  double y = 0;
};

// The marker shapes of DrawMarker.
enum class Marker : uint8_t { kCircle, kSquare, kDiamond, kTriangle };

// Text metrics of the embedded font at an integer `scale` (1 = 5×7 glyphs in a 6-pixel advance).
// Returns the width in pixels of `text` drawn by Canvas::DrawText (0 for empty text). Each byte of
// printable ASCII is one glyph; each other character (control bytes, each UTF-8 sequence) is one
// '?' glyph.
int TextWidth(std::string_view text, int scale = 1);
// Returns the height in pixels of one line of text: ascent plus descender rows.
int TextHeight(int scale = 1);
// Returns the height in pixels above the baseline (capital letters and digits).
int TextAscent(int scale = 1);
// Returns `text` as the glyphs DrawText draws (non-printable characters become '?'), cut to at most
// `max_width` pixels at `scale`: when it does not fit, the longest prefix followed by "..." that
// fits (or as much of "..." as fits).
std::string FitText(std::string_view text, int max_width, int scale = 1);

// An RGB8 image. Drawing calls never fail: what falls outside the clip rectangle (by default the
// whole canvas) is dropped. Thread safety: not synchronised; one writer at a time.
class Canvas {
 public:
  // A `width` × `height` canvas filled with `background`.
  // REQUIRES: 1 <= width, height <= kMaxPngDimension (png.h).
  Canvas(uint32_t width, uint32_t height, Rgb background = kWhite);

  uint32_t width() const { return width_; }
  uint32_t height() const { return height_; }
  // The colour of pixel (x, y). REQUIRES: 0 <= x < width, 0 <= y < height.
  Rgb At(int x, int y) const;
  // The pixels as RGB8 rows, top to bottom, no padding (the layout EncodePng takes).
  std::span<const uint8_t> pixels() const { return pixels_; }
  // Encodes the canvas as PNG bytes. Errors: as EncodePng (only Internal can happen).
  Result<Bytes> EncodePng() const;

  // Restricts the following drawing to `clip` ∩ the canvas; ResetClip restores the whole canvas.
  void SetClip(const Rect& clip);
  void ResetClip();
  const Rect& clip() const { return clip_; }

  // Sets pixel (x, y) to `color`.
  void SetPixel(int x, int y, Rgb color);
  // Mixes `color` into pixel (x, y) with weight `alpha` (clamped to [0, 1]; 1 replaces it).
  void BlendPixel(int x, int y, Rgb color, double alpha);
  // Fills `rect` with `color`.
  void FillRect(const Rect& rect, Rgb color);
  // Draws the outline of `rect`, `thickness` pixels wide, inside the rectangle.
  void StrokeRect(const Rect& rect, Rgb color, int thickness = 1);
  // Draws the polyline through `points`, `line_width` pixels wide, anti-aliased, with round joins
  // and caps; each pixel is blended once, so overlapping segments do not darken the joins. One
  // point draws a dot; no points draw nothing.
  void StrokePolyline(std::span<const PointF> points, Rgb color, double line_width);
  // Draws a filled, anti-aliased marker centred at `center`; `radius` is the circle's radius
  // (the other shapes have about the same area).
  void DrawMarker(PointF center, Marker shape, double radius, Rgb color);
  // Draws `text` with the top of its glyph cells at `y` (the baseline at y + TextAscent(scale)),
  // starting at `x`, each font pixel a `scale` × `scale` square. REQUIRES: scale >= 1.
  // Returns the width drawn (TextWidth(text, scale)).
  int DrawText(int x, int y, std::string_view text, Rgb color, int scale = 1);
  // Draws `text` rotated 90° counter-clockwise (read bottom to top) inside the box whose top-left
  // corner is (x, y); the box is TextHeight(scale) wide and TextWidth(text, scale) tall.
  void DrawTextVertical(int x, int y, std::string_view text, Rgb color, int scale = 1);

 private:
  uint32_t width_;
  uint32_t height_;
  Rect clip_;
  std::vector<uint8_t> pixels_;
};

}  // namespace cess::ailink::report
