#include "cess/ailink/report/canvas.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "cess/ailink/report/png.h"
#include "font5x7.h"

namespace cess::ailink::report {
namespace {

// Maps `text` to the glyphs drawn: printable ASCII as is, every other byte or UTF-8 sequence '?'.
std::string ToGlyphs(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_sequence = false;  // after a UTF-8 lead byte: its continuation bytes draw nothing
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80 && c < 0xC0 && in_sequence) continue;
    in_sequence = c >= 0xC0;
    out.push_back(c >= 32 && c <= 126 ? ch : '?');
  }
  return out;
}

int GlyphsWidth(size_t glyphs, int scale) {
  return glyphs == 0 ? 0 : static_cast<int>(glyphs) * font::kAdvance * scale - scale;
}

// Converts a pixel coordinate to int, saturating far outside any canvas (and NaN to lo).
int ToIntClamped(double v, int lo, int hi) {
  if (!(v >= lo)) return lo;
  if (v >= hi) return hi;
  return static_cast<int>(v);
}

Rect Intersect(const Rect& a, const Rect& b) {
  return {std::max(a.x0, b.x0), std::max(a.y0, b.y0), std::min(a.x1, b.x1), std::min(a.y1, b.y1)};
}

// Clips the segment ab to [x0, x1] × [y0, y1] (Liang–Barsky). A cut endpoint lies exactly on the
// edge that cut it, its other coordinate from the line's slope, in long double: far-away
// endpoints neither overflow nor move an axis-parallel line. Returns false when nothing is left.
bool ClipSegment(PointF& a, PointF& b, double x0, double y0, double x1, double y1) {
  using LD = long double;
  const LD ax = a.x, ay = a.y;
  const LD dx = static_cast<LD>(b.x) - ax;
  const LD dy = static_cast<LD>(b.y) - ay;
  const LD p[4] = {-dx, dx, -dy, dy};
  const LD q[4] = {ax - x0, x1 - ax, ay - y0, y1 - ay};
  const double edge[4] = {x0, x1, y0, y1};
  LD t0 = 0, t1 = 1;
  int edge0 = -1, edge1 = -1;  // the edge that set t0 / t1, if any
  for (int i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return false;  // parallel to this edge and outside it
      continue;
    }
    const LD t = q[i] / p[i];
    if (p[i] < 0 && t > t0) {
      t0 = t;
      edge0 = i;
    } else if (p[i] > 0 && t < t1) {
      t1 = t;
      edge1 = i;
    }
    if (t0 > t1) return false;
  }
  const auto on_edge = [&](int e) -> PointF {
    if (e < 2) return {edge[e], static_cast<double>(ay + (edge[e] - ax) * (dy / dx))};
    return {static_cast<double>(ax + (edge[e] - ay) * (dx / dy)), edge[e]};
  };
  const PointF new_a = edge0 >= 0 ? on_edge(edge0) : a;
  const PointF new_b = edge1 >= 0 ? on_edge(edge1) : b;
  a = new_a;
  b = new_b;
  return true;
}

double DistanceToSegment(double px, double py, const PointF& a, const PointF& b) {
  const double dx = b.x - a.x;
  const double dy = b.y - a.y;
  const double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? ((px - a.x) * dx + (py - a.y) * dy) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const double ex = px - (a.x + t * dx);
  const double ey = py - (a.y + t * dy);
  return std::sqrt(ex * ex + ey * ey);
}

// Whether the offset (dx, dy) from a marker's centre lies inside `shape` of `radius`. The square,
// diamond and triangle have the circle's area.
bool InsideMarker(Marker shape, double dx, double dy, double radius) {
  switch (shape) {
    case Marker::kCircle:
      return dx * dx + dy * dy <= radius * radius;
    case Marker::kSquare:
      return std::abs(dx) <= 0.886 * radius && std::abs(dy) <= 0.886 * radius;
    case Marker::kDiamond:
      return std::abs(dx) + std::abs(dy) <= 1.253 * radius;
    case Marker::kTriangle: {
      // Equilateral, pointing up, centroid at the centre: side 2.693 r, height 2.332 r.
      const double h = 2.332 * radius;
      const double top = -2.0 * h / 3.0;
      if (dy > h / 3.0 || dy < top) return false;
      return std::abs(dx) <= (dy - top) / h * (2.693 * radius / 2.0);
    }
  }
  return false;
}

}  // namespace

int TextWidth(std::string_view text, int scale) { return GlyphsWidth(ToGlyphs(text).size(), scale); }

int TextHeight(int scale) { return font::kGlyphRows * scale; }

int TextAscent(int scale) { return font::kAscent * scale; }

std::string FitText(std::string_view text, int max_width, int scale) {
  std::string glyphs = ToGlyphs(text);
  if (GlyphsWidth(glyphs.size(), scale) <= max_width) return glyphs;
  const int fit = std::max(0, (max_width + scale) / (font::kAdvance * scale));
  if (fit < 3) return std::string(static_cast<size_t>(fit), '.');
  glyphs.resize(static_cast<size_t>(fit - 3));
  return glyphs + "...";
}

Canvas::Canvas(uint32_t width, uint32_t height, Rgb background)
    : width_(width), height_(height), clip_{0, 0, static_cast<int>(width), static_cast<int>(height)} {
  assert(width >= 1 && height >= 1 && width <= kMaxPngDimension && height <= kMaxPngDimension);
  pixels_.resize(static_cast<size_t>(width) * height * 3);
  for (size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = background.r;
    pixels_[i + 1] = background.g;
    pixels_[i + 2] = background.b;
  }
}

Rgb Canvas::At(int x, int y) const {
  assert(x >= 0 && y >= 0 && static_cast<uint32_t>(x) < width_ && static_cast<uint32_t>(y) < height_);
  const size_t i = (static_cast<size_t>(y) * width_ + static_cast<size_t>(x)) * 3;
  return {pixels_[i], pixels_[i + 1], pixels_[i + 2]};
}

Result<Bytes> Canvas::EncodePng() const { return report::EncodePng(width_, height_, pixels_); }

void Canvas::SetClip(const Rect& clip) {
  clip_ = Intersect(clip, {0, 0, static_cast<int>(width_), static_cast<int>(height_)});
}

void Canvas::ResetClip() { clip_ = {0, 0, static_cast<int>(width_), static_cast<int>(height_)}; }

void Canvas::SetPixel(int x, int y, Rgb color) {
  if (!clip_.Contains(x, y)) return;
  const size_t i = (static_cast<size_t>(y) * width_ + static_cast<size_t>(x)) * 3;
  pixels_[i] = color.r;
  pixels_[i + 1] = color.g;
  pixels_[i + 2] = color.b;
}

void Canvas::BlendPixel(int x, int y, Rgb color, double alpha) {
  if (!clip_.Contains(x, y) || !(alpha > 0)) return;
  if (alpha >= 1) return SetPixel(x, y, color);
  const size_t i = (static_cast<size_t>(y) * width_ + static_cast<size_t>(x)) * 3;
  const auto mix = [alpha](uint8_t over, uint8_t under) {
    return static_cast<uint8_t>(std::lround(over * alpha + under * (1.0 - alpha)));
  };
  pixels_[i] = mix(color.r, pixels_[i]);
  pixels_[i + 1] = mix(color.g, pixels_[i + 1]);
  pixels_[i + 2] = mix(color.b, pixels_[i + 2]);
}

void Canvas::FillRect(const Rect& rect, Rgb color) {
  const Rect r = Intersect(rect, clip_);
  for (int y = r.y0; y < r.y1; ++y) {
    for (int x = r.x0; x < r.x1; ++x) SetPixel(x, y, color);
  }
}

void Canvas::StrokeRect(const Rect& rect, Rgb color, int thickness) {
  if (rect.empty() || thickness <= 0) return;
  const int t = std::min({thickness, (rect.width() + 1) / 2, (rect.height() + 1) / 2});
  FillRect({rect.x0, rect.y0, rect.x1, rect.y0 + t}, color);
  FillRect({rect.x0, rect.y1 - t, rect.x1, rect.y1}, color);
  FillRect({rect.x0, rect.y0 + t, rect.x0 + t, rect.y1 - t}, color);
  FillRect({rect.x1 - t, rect.y0 + t, rect.x1, rect.y1 - t}, color);
}

void Canvas::StrokePolyline(std::span<const PointF> points, Rgb color, double line_width) {
  std::vector<PointF> pts;
  pts.reserve(points.size());
  for (const PointF& p : points) {
    if (std::isfinite(p.x) && std::isfinite(p.y)) pts.push_back(p);
  }
  if (pts.empty() || !(line_width > 0)) return;
  if (pts.size() == 1) pts.push_back(pts[0]);
  const double half = line_width / 2.0;
  const double reach = half + 1.0;  // pixels farther than this from the line get no coverage
  constexpr int kFar = 1 << 20;     // beyond any canvas; keeps the int conversions in range

  // Coverage of every pixel of the clipped bounding box: the maximum over the segments.
  double min_x = pts[0].x, max_x = pts[0].x, min_y = pts[0].y, max_y = pts[0].y;
  for (const PointF& p : pts) {
    min_x = std::min(min_x, p.x);
    max_x = std::max(max_x, p.x);
    min_y = std::min(min_y, p.y);
    max_y = std::max(max_y, p.y);
  }
  const Rect box = Intersect(clip_, {ToIntClamped(std::floor(min_x - reach), -kFar, kFar),
                                     ToIntClamped(std::floor(min_y - reach), -kFar, kFar),
                                     ToIntClamped(std::ceil(max_x + reach) + 1, -kFar, kFar),
                                     ToIntClamped(std::ceil(max_y + reach) + 1, -kFar, kFar)});
  if (box.empty()) return;
  const auto box_w = static_cast<size_t>(box.width());
  std::vector<float> coverage(box_w * static_cast<size_t>(box.height()), 0.0f);
  for (size_t s = 0; s + 1 < pts.size(); ++s) {
    // Only the part within `reach` of the box can cover its pixels.
    PointF a = pts[s];
    PointF b = pts[s + 1];
    if (!ClipSegment(a, b, box.x0 - reach, box.y0 - reach, box.x1 + reach, box.y1 + reach)) continue;
    const Rect seg = Intersect(box, {ToIntClamped(std::floor(std::min(a.x, b.x) - reach), -kFar, kFar),
                                     ToIntClamped(std::floor(std::min(a.y, b.y) - reach), -kFar, kFar),
                                     ToIntClamped(std::ceil(std::max(a.x, b.x) + reach) + 1, -kFar, kFar),
                                     ToIntClamped(std::ceil(std::max(a.y, b.y) + reach) + 1, -kFar, kFar)});
    for (int y = seg.y0; y < seg.y1; ++y) {
      for (int x = seg.x0; x < seg.x1; ++x) {
        const double d = DistanceToSegment(x + 0.5, y + 0.5, a, b);
        const double c = std::clamp(half + 0.5 - d, 0.0, 1.0);
        float& cell = coverage[static_cast<size_t>(y - box.y0) * box_w + static_cast<size_t>(x - box.x0)];
        cell = std::max(cell, static_cast<float>(c));
      }
    }
  }
  for (int y = box.y0; y < box.y1; ++y) {
    for (int x = box.x0; x < box.x1; ++x) {
      BlendPixel(x, y, color,
                 coverage[static_cast<size_t>(y - box.y0) * box_w + static_cast<size_t>(x - box.x0)]);
    }
  }
}

void Canvas::DrawMarker(PointF center, Marker shape, double radius, Rgb color) {
  if (!std::isfinite(center.x) || !std::isfinite(center.y) || !(radius > 0) || !(radius < 1000)) return;
  constexpr int kFar = 1 << 20;
  const double reach = 1.5 * radius + 1.0;
  const Rect box = Intersect(clip_, {ToIntClamped(std::floor(center.x - reach), -kFar, kFar),
                                     ToIntClamped(std::floor(center.y - reach), -kFar, kFar),
                                     ToIntClamped(std::ceil(center.x + reach) + 1, -kFar, kFar),
                                     ToIntClamped(std::ceil(center.y + reach) + 1, -kFar, kFar)});
  constexpr int kSub = 4;  // 4 × 4 samples per pixel
  for (int y = box.y0; y < box.y1; ++y) {
    for (int x = box.x0; x < box.x1; ++x) {
      int inside = 0;
      for (int sy = 0; sy < kSub; ++sy) {
        for (int sx = 0; sx < kSub; ++sx) {
          const double dx = x + (sx + 0.5) / kSub - center.x;
          const double dy = y + (sy + 0.5) / kSub - center.y;
          inside += InsideMarker(shape, dx, dy, radius) ? 1 : 0;
        }
      }
      BlendPixel(x, y, color, static_cast<double>(inside) / (kSub * kSub));
    }
  }
}

int Canvas::DrawText(int x, int y, std::string_view text, Rgb color, int scale) {
  assert(scale >= 1);
  const std::string glyphs = ToGlyphs(text);
  for (size_t i = 0; i < glyphs.size(); ++i) {
    const auto rows = font::Glyph(glyphs[i]);
    const int gx = x + static_cast<int>(i) * font::kAdvance * scale;
    for (int row = 0; row < font::kGlyphRows; ++row) {
      for (int col = 0; col < font::kGlyphWidth; ++col) {
        if ((rows[static_cast<size_t>(row)] >> (font::kGlyphWidth - 1 - col) & 1) == 0) continue;
        FillRect({gx + col * scale, y + row * scale, gx + (col + 1) * scale, y + (row + 1) * scale}, color);
      }
    }
  }
  return GlyphsWidth(glyphs.size(), scale);
}

void Canvas::DrawTextVertical(int x, int y, std::string_view text, Rgb color, int scale) {
  assert(scale >= 1);
  const std::string glyphs = ToGlyphs(text);
  const int w = GlyphsWidth(glyphs.size(), scale);
  // Horizontal text pixel (tx, ty) lands at (x + ty, y + w - 1 - tx).
  for (size_t i = 0; i < glyphs.size(); ++i) {
    const auto rows = font::Glyph(glyphs[i]);
    const int gx = static_cast<int>(i) * font::kAdvance * scale;
    for (int row = 0; row < font::kGlyphRows; ++row) {
      for (int col = 0; col < font::kGlyphWidth; ++col) {
        if ((rows[static_cast<size_t>(row)] >> (font::kGlyphWidth - 1 - col) & 1) == 0) continue;
        const int tx = gx + col * scale;
        const int ty = row * scale;
        FillRect({x + ty, y + w - tx - scale, x + ty + scale, y + w - tx}, color);
      }
    }
  }
}

}  // namespace cess::ailink::report
