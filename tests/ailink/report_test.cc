// PNG encoding, the raster canvas and line charts. The PNG bytes are checked by an independent
// decoder written here on zlib (chunk walk, CRCs, inflate, all five row filters); the charts by
// their pixels at places the layout says (marker centres, legend, frame, title band). Setting
// CESS_REPORT_SAMPLE_DIR writes sample charts there for a human to look at.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "cess/ailink/report/canvas.h"
#include "cess/ailink/report/chart.h"
#include "cess/ailink/report/png.h"
#include "cess/core/file_util.h"

namespace cess::ailink::report {
namespace {

namespace fs = std::filesystem;

// --- A small PNG decoder (8-bit RGB / RGBA, non-interlaced), independent of the encoder.

struct DecodedPng {
  uint32_t width = 0;
  uint32_t height = 0;
  int color_type = 0;
  std::vector<std::string> chunk_types;
  Bytes pixels;  // rows without filter bytes
};

uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}

uint8_t Paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<uint8_t>(a);
  return static_cast<uint8_t>(pb <= pc ? b : c);
}

bool Fail(std::string* error, std::string message) {
  *error = std::move(message);
  return false;
}

// Decodes `png`; on failure returns false with the reason in *error.
bool DecodePng(const Bytes& png, DecodedPng* out, std::string* error) {
  static const uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (png.size() < 8 || std::memcmp(png.data(), kSig, 8) != 0) return Fail(error, "bad signature");
  size_t pos = 8;
  Bytes idat;
  bool ended = false;
  while (pos < png.size()) {
    if (ended) return Fail(error, "bytes after IEND");
    if (png.size() - pos < 12) return Fail(error, "truncated chunk header");
    const uint32_t len = GetU32(&png[pos]);
    if (png.size() - pos - 12 < len) return Fail(error, "truncated chunk");
    const std::string type(reinterpret_cast<const char*>(&png[pos + 4]), 4);
    const uint8_t* data = &png[pos + 8];
    const uint32_t want_crc = GetU32(&png[pos + 8 + len]);
    const uLong crc = crc32(crc32(0, Z_NULL, 0), &png[pos + 4], len + 4);
    if (crc != want_crc) return Fail(error, "CRC mismatch in " + type);
    out->chunk_types.push_back(type);
    if (type == "IHDR") {
      if (len != 13 || out->chunk_types.size() != 1) return Fail(error, "bad IHDR");
      out->width = GetU32(data);
      out->height = GetU32(data + 4);
      out->color_type = data[9];
      if (data[8] != 8 || (data[9] != 2 && data[9] != 6) || data[10] != 0 || data[11] != 0 || data[12] != 0) {
        return Fail(error, "unsupported IHDR fields");
      }
    } else if (type == "IDAT") {
      idat.insert(idat.end(), data, data + len);
    } else if (type == "IEND") {
      if (len != 0) return Fail(error, "IEND with data");
      ended = true;
    }
    pos += 12 + len;
  }
  if (!ended || out->chunk_types.empty() || out->chunk_types[0] != "IHDR")
    return Fail(error, "missing IHDR/IEND");
  const size_t bpp = out->color_type == 6 ? 4 : 3;
  const size_t row = out->width * bpp;
  Bytes raw(out->height * (row + 1));
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, idat.data(), idat.size()) != Z_OK || raw_len != raw.size()) {
    return Fail(error, "IDAT does not inflate to the image size");
  }
  out->pixels.assign(out->height * row, 0);
  for (size_t y = 0; y < out->height; ++y) {
    const uint8_t filter = raw[y * (row + 1)];
    const uint8_t* in = &raw[y * (row + 1) + 1];
    uint8_t* cur = &out->pixels[y * row];
    const uint8_t* prev = y > 0 ? &out->pixels[(y - 1) * row] : nullptr;
    for (size_t i = 0; i < row; ++i) {
      const int a = i >= bpp ? cur[i - bpp] : 0;
      const int b = prev ? prev[i] : 0;
      const int c = (prev && i >= bpp) ? prev[i - bpp] : 0;
      int pred = 0;
      switch (filter) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) / 2;
          break;
        case 4:
          pred = Paeth(a, b, c);
          break;
        default:
          return Fail(error, "bad filter type " + std::to_string(filter));
      }
      cur[i] = static_cast<uint8_t>(in[i] + pred);
    }
  }
  return true;
}

Bytes RandomPixels(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& v : b) v = static_cast<uint8_t>(rng());
  return b;
}

// --- PNG

TEST(PngTest, RgbRoundTripsThroughAnIndependentDecoder) {
  for (const auto& [w, h] :
       std::vector<std::pair<uint32_t, uint32_t>>{{1, 1}, {37, 23}, {300, 2}, {2, 300}}) {
    const Bytes pixels = RandomPixels(size_t{w} * h * 3, w * 1000 + h);
    auto png = EncodePng(w, h, pixels);
    ASSERT_TRUE(png.ok()) << png.status();
    DecodedPng d;
    std::string error;
    ASSERT_TRUE(DecodePng(*png, &d, &error)) << error << " for " << w << "x" << h;
    EXPECT_EQ(d.width, w);
    EXPECT_EQ(d.height, h);
    EXPECT_EQ(d.color_type, 2);
    EXPECT_EQ(d.chunk_types, (std::vector<std::string>{"IHDR", "IDAT", "IEND"}));
    EXPECT_EQ(d.pixels, pixels) << w << "x" << h;
  }
}

TEST(PngTest, RgbaRoundTrips) {
  const Bytes pixels = RandomPixels(16 * 9 * 4, 7);
  auto png = EncodePng(16, 9, pixels, PixelFormat::kRgba8);
  ASSERT_TRUE(png.ok()) << png.status();
  DecodedPng d;
  std::string error;
  ASSERT_TRUE(DecodePng(*png, &d, &error)) << error;
  EXPECT_EQ(d.color_type, 6);
  EXPECT_EQ(d.pixels, pixels);
}

TEST(PngTest, MatchesKnownBytesOfA1x1Image) {
  // The IHDR of every 1x1 8-bit truecolour PNG, and the constant IEND chunk, with their CRCs.
  auto png = EncodePng(1, 1, Bytes{0xFF, 0x00, 0x00});
  ASSERT_TRUE(png.ok());
  const Bytes head = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I',  'H',  'D',  'R', 0,
                      0,    0,   1,   0,   0,    0,    1,    8,    2, 0, 0, 0,  0x90, 0x77, 0x53, 0xDE};
  ASSERT_GE(png->size(), head.size() + 12);
  EXPECT_EQ(Bytes(png->begin(), png->begin() + static_cast<std::ptrdiff_t>(head.size())), head);
  const Bytes iend = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
  EXPECT_EQ(Bytes(png->end() - 12, png->end()), iend);
}

TEST(PngTest, RejectsBadDimensionsAndBufferSizes) {
  const Bytes pixels(12, 0);
  EXPECT_EQ(EncodePng(0, 4, pixels).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodePng(4, 0, pixels).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodePng(kMaxPngDimension + 1, 1, pixels).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodePng(1, kMaxPngDimension + 1, pixels).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodePng(2, 2, Bytes(11, 0)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodePng(2, 2, Bytes(13, 0)).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodePng(2, 2, pixels, PixelFormat::kRgba8).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(EncodePng(2, 2, pixels).ok());
  EXPECT_TRUE(EncodePng(3, 1, pixels, PixelFormat::kRgba8).ok());
}

// --- Canvas

constexpr Rgb kRed{200, 10, 20};

bool IsBetween(Rgb c, Rgb a, Rgb b) {  // each channel between those of a and b
  const auto in = [](int v, int x, int y) { return v >= std::min(x, y) && v <= std::max(x, y); };
  return in(c.r, a.r, b.r) && in(c.g, a.g, b.g) && in(c.b, a.b, b.b);
}

TEST(CanvasTest, FillsWithBackgroundAndClipsRectangles) {
  Canvas c(20, 10, {1, 2, 3});
  EXPECT_EQ(c.At(0, 0), (Rgb{1, 2, 3}));
  EXPECT_EQ(c.At(19, 9), (Rgb{1, 2, 3}));
  c.FillRect({-5, -5, 2, 3}, kRed);  // partly off the canvas
  EXPECT_EQ(c.At(0, 0), kRed);
  EXPECT_EQ(c.At(1, 2), kRed);
  EXPECT_EQ(c.At(2, 2), (Rgb{1, 2, 3}));
  c.SetClip({10, 0, 15, 10});
  c.FillRect({0, 5, 20, 6}, kBlack);
  EXPECT_EQ(c.At(9, 5), (Rgb{1, 2, 3}));
  EXPECT_EQ(c.At(10, 5), kBlack);
  EXPECT_EQ(c.At(14, 5), kBlack);
  EXPECT_EQ(c.At(15, 5), (Rgb{1, 2, 3}));
  c.ResetClip();
  c.StrokeRect({0, 0, 20, 10}, kBlack);
  EXPECT_EQ(c.At(19, 9), kBlack);
  EXPECT_EQ(c.At(5, 0), kBlack);
  EXPECT_EQ(c.At(0, 7), kBlack);
  EXPECT_EQ(c.pixels().size(), 20u * 10 * 3);
}

TEST(CanvasTest, StrokesCrispHorizontalLinesAndSmoothDiagonals) {
  Canvas c(40, 40);
  const std::vector<PointF> horizontal = {{5, 10}, {35, 10}};
  c.StrokePolyline(horizontal, kRed, 2.0);
  for (int x = 8; x < 32; ++x) {
    EXPECT_EQ(c.At(x, 9), kRed) << x;
    EXPECT_EQ(c.At(x, 10), kRed) << x;
    EXPECT_EQ(c.At(x, 8), kWhite) << x;
    EXPECT_EQ(c.At(x, 11), kWhite) << x;
  }
  const std::vector<PointF> diagonal = {{5, 15.5}, {30.5, 38}, {35.5, 20}};
  c.StrokePolyline(diagonal, kRed, 2.0);
  int partial = 0;
  for (int y = 0; y < 40; ++y) {
    for (int x = 0; x < 40; ++x) {
      ASSERT_TRUE(IsBetween(c.At(x, y), kRed, kWhite)) << x << "," << y;
      partial += c.At(x, y) != kRed && c.At(x, y) != kWhite ? 1 : 0;
    }
  }
  EXPECT_GT(partial, 20);         // anti-aliased edges
  EXPECT_EQ(c.At(17, 26), kRed);  // on the first diagonal segment: y = 15.5 + 0.882 (x - 5)
  EXPECT_EQ(c.At(5, 35), kWhite);
}

TEST(CanvasTest, IgnoresNonFiniteAndFarAwayPoints) {
  Canvas c(30, 30);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<PointF> points = {{nan, 3}, {-1e300, 15.5}, {1e300, 15.5}, {4, INFINITY}};
  c.StrokePolyline(points, kRed, 2.0);  // a horizontal line across the canvas
  EXPECT_EQ(c.At(0, 15), kRed);
  EXPECT_EQ(c.At(29, 15), kRed);
  c.DrawMarker({nan, 4}, Marker::kCircle, 3, kBlack);
  c.DrawMarker({1e300, 4}, Marker::kCircle, 3, kBlack);
  c.StrokePolyline(std::vector<PointF>{}, kBlack, 2.0);
  EXPECT_EQ(c.At(4, 4), kWhite);
}

TEST(CanvasTest, MarkersAreFilledAtTheirCentre) {
  for (Marker m : {Marker::kCircle, Marker::kSquare, Marker::kDiamond, Marker::kTriangle}) {
    Canvas c(20, 20);
    c.DrawMarker({10.5, 10.5}, m, 3.5, kRed);
    EXPECT_EQ(c.At(10, 10), kRed) << static_cast<int>(m);
    EXPECT_EQ(c.At(10, 11), kRed) << static_cast<int>(m);
    EXPECT_EQ(c.At(0, 0), kWhite);
    EXPECT_EQ(c.At(10, 17), kWhite) << static_cast<int>(m);
  }
}

TEST(CanvasTest, DrawsGlyphsFromTheEmbeddedFont) {
  Canvas c(40, 30);
  EXPECT_EQ(c.DrawText(0, 0, "I", kBlack), 5);
  // 'I' is " ### " over "  #  " rows, then " ### " at the bottom (row 6).
  EXPECT_EQ(c.At(0, 0), kWhite);
  EXPECT_EQ(c.At(1, 0), kBlack);
  EXPECT_EQ(c.At(3, 0), kBlack);
  EXPECT_EQ(c.At(4, 0), kWhite);
  EXPECT_EQ(c.At(1, 1), kWhite);
  EXPECT_EQ(c.At(2, 3), kBlack);
  EXPECT_EQ(c.At(1, 6), kBlack);
  EXPECT_EQ(c.At(2, 7), kWhite);
  // Scale 2: each font pixel is a 2x2 block.
  c.DrawText(10, 10, "I", kRed, 2);
  EXPECT_EQ(c.At(12, 10), kRed);
  EXPECT_EQ(c.At(13, 11), kRed);
  EXPECT_EQ(c.At(11, 11), kWhite);
  EXPECT_EQ(c.At(14, 12), kRed);  // the stem: font column 2, row 1
  EXPECT_EQ(c.At(12, 12), kWhite);
}

TEST(CanvasTest, DrawsVerticalTextReadingUpwards) {
  Canvas c(20, 20);
  c.DrawTextVertical(2, 3, "I", kBlack);
  // The glyph's top row (x 1..3 of " ### ") becomes column 2; its left side the bottom.
  // Horizontal pixel (tx, ty) lands at (2 + ty, 3 + 5 - 1 - tx).
  EXPECT_EQ(c.At(2, 6), kBlack);  // tx 1, ty 0
  EXPECT_EQ(c.At(2, 4), kBlack);  // tx 3, ty 0
  EXPECT_EQ(c.At(2, 7), kWhite);  // tx 0
  EXPECT_EQ(c.At(2, 3), kWhite);  // tx 4
  EXPECT_EQ(c.At(5, 5), kBlack);  // the stem: tx 2, ty 3
  EXPECT_EQ(c.At(5, 6), kWhite);
}

TEST(CanvasTest, MeasuresAndFitsText) {
  EXPECT_EQ(TextWidth(""), 0);
  EXPECT_EQ(TextWidth("a"), 5);
  EXPECT_EQ(TextWidth("abc"), 17);
  EXPECT_EQ(TextWidth("abc", 2), 34);
  EXPECT_EQ(TextWidth("\xC3\xA9t\xC3\xA9"), TextWidth("?t?"));  // each UTF-8 sequence is one '?'
  EXPECT_EQ(FitText("\xC3\xA9t\x01", 100), "?t?");
  EXPECT_EQ(TextHeight(1), 9);
  EXPECT_EQ(TextAscent(2), 14);
  const std::string long_text(200, 'x');
  const std::string fitted = FitText(long_text, 100);
  EXPECT_LE(TextWidth(fitted), 100);
  EXPECT_GT(TextWidth(fitted), 100 - 6);
  EXPECT_EQ(fitted.substr(fitted.size() - 3), "...");
  EXPECT_EQ(FitText("short", 100), "short");
  EXPECT_EQ(FitText("abcdef", 11), "..");
  EXPECT_EQ(FitText("abcdef", -3), "");
}

TEST(CanvasTest, EncodesItsPixelsAsPng) {
  Canvas c(31, 17);
  c.DrawText(1, 1, "Hi", kRed);
  c.DrawMarker({20, 8}, Marker::kDiamond, 4, kBlack);
  auto png = c.EncodePng();
  ASSERT_TRUE(png.ok());
  DecodedPng d;
  std::string error;
  ASSERT_TRUE(DecodePng(*png, &d, &error)) << error;
  EXPECT_EQ(d.width, 31u);
  EXPECT_EQ(d.height, 17u);
  EXPECT_EQ(d.pixels, Bytes(c.pixels().begin(), c.pixels().end()));
}

// --- Axis scales and tick labels

TEST(ChartScaleTest, PicksOneTwoFiveSteps) {
  ScaleOptions opts;
  opts.max_ticks = 8;
  opts.expand_lo = opts.expand_hi = true;
  AxisScale s = NiceScale(0.13, 0.92, opts);
  EXPECT_DOUBLE_EQ(s.step, 0.2);
  EXPECT_EQ(s.lo, 0.0);
  EXPECT_EQ(s.hi, 1.0);
  EXPECT_EQ(s.ticks, (std::vector<double>{0.0, 0.2, 0.4, 0.6, 0.8, 1.0}));

  ScaleOptions exact;
  exact.max_ticks = 8;
  s = NiceScale(1, 30, exact);
  EXPECT_EQ(s.step, 5.0);
  EXPECT_EQ(s.lo, 1.0);
  EXPECT_EQ(s.hi, 30.0);
  EXPECT_EQ(s.ticks, (std::vector<double>{5, 10, 15, 20, 25, 30}));

  exact.integer_step = true;
  s = NiceScale(1, 3, exact);
  EXPECT_EQ(s.ticks, (std::vector<double>{1, 2, 3}));
}

TEST(ChartScaleTest, StepsAreNiceForRandomRanges) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> exponent(-6, 8);
  std::uniform_real_distribution<double> unit(-1, 1);
  for (int trial = 0; trial < 2000; ++trial) {
    const double scale = std::pow(10.0, exponent(rng));
    double lo = unit(rng) * scale;
    double hi = lo + std::abs(unit(rng)) * scale + scale * 1e-3;
    ScaleOptions opts;
    opts.max_ticks = 3 + trial % 10;
    opts.expand_lo = trial % 2 == 0;
    opts.expand_hi = trial % 3 != 0;
    const AxisScale s = NiceScale(lo, hi, opts);
    const std::string config = "lo=" + std::to_string(lo) + " hi=" + std::to_string(hi) +
                               " max_ticks=" + std::to_string(opts.max_ticks);
    const double mantissa = s.step / std::pow(10.0, std::floor(std::log10(s.step) + 1e-9));
    EXPECT_TRUE(std::abs(mantissa - 1) < 1e-9 || std::abs(mantissa - 2) < 1e-9 ||
                std::abs(mantissa - 5) < 1e-9)
        << config << " step=" << s.step;
    ASSERT_GE(s.ticks.size(), 1u) << config;
    EXPECT_LE(s.ticks.size(), static_cast<size_t>(opts.max_ticks)) << config;
    EXPECT_LE(s.lo, lo) << config;
    EXPECT_GE(s.hi, hi) << config;
    const double tol = s.step * 1e-6;
    EXPECT_GE(s.ticks.front(), s.lo - tol) << config;
    EXPECT_LE(s.ticks.back(), s.hi + tol) << config;
    for (size_t i = 1; i < s.ticks.size(); ++i)
      EXPECT_NEAR(s.ticks[i] - s.ticks[i - 1], s.step, tol) << config;
    if (opts.expand_lo) {
      EXPECT_NEAR(s.ticks.front(), s.lo, tol) << config;
    }
    if (opts.expand_hi) {
      EXPECT_NEAR(s.ticks.back(), s.hi, tol) << config;
    }
  }
}

TEST(ChartScaleTest, FormatsTickLabels) {
  EXPECT_EQ(FormatTick(0.2, 0.2), "0.2");
  EXPECT_EQ(FormatTick(0.6000000000000001, 0.2), "0.6");
  EXPECT_EQ(FormatTick(0.05, 0.05), "0.05");
  EXPECT_EQ(FormatTick(15, 5), "15");
  EXPECT_EQ(FormatTick(-3, 1), "-3");
  EXPECT_EQ(FormatTick(-0.0, 0.5), "0.0");
  EXPECT_EQ(FormatTick(-1e-17, 0.1), "0.0");
  EXPECT_EQ(FormatTick(2000, 500), "2000");
  EXPECT_EQ(FormatTick(2e7, 1e7), "2e+07");
  EXPECT_EQ(FormatTick(3e-6, 1e-6), "3e-06");
  EXPECT_EQ(FormatTick(1.001e7, 1e4), "1.001e+07");  // still one step apart from 1e7
  EXPECT_EQ(FormatTick(1.23e-5, 1e-7), "1.23e-05");
  EXPECT_EQ(FormatTick(0, 1e-6), "0");
}

// --- Line charts

class ChartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cess_report_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Accuracy-like curves, one per rule, far enough apart that markers do not overlap.
  static std::vector<Series> Curves(int n, int rounds) {
    std::vector<Series> out;
    for (int k = 0; k < n; ++k) {
      Series s;
      s.label = "rule-" + std::to_string(k);
      for (int r = 1; r <= rounds; ++r) {
        s.x.push_back(r);
        s.y.push_back(0.1 + 0.8 * k / std::max(1, n - 1) + 0.02 * std::sin(r));
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  static bool HasColor(const Canvas& c, const Rect& r, Rgb color) {
    for (int y = std::max(0, r.y0); y < std::min<int>(r.y1, static_cast<int>(c.height())); ++y) {
      for (int x = std::max(0, r.x0); x < std::min<int>(r.x1, static_cast<int>(c.width())); ++x) {
        if (c.At(x, y) == color) return true;
      }
    }
    return false;
  }

  static bool IsDark(Rgb c) { return c.r < 128 && c.g < 128 && c.b < 128; }

  static int CountDark(const Canvas& c, const Rect& r) {
    int n = 0;
    for (int y = r.y0; y < r.y1; ++y) {
      for (int x = r.x0; x < r.x1; ++x) n += IsDark(c.At(x, y)) ? 1 : 0;
    }
    return n;
  }

  // Checks the marker centre of every point of every series outside the legend.
  static void ExpectMarkersAtPoints(const RenderedChart& chart, const std::vector<Series>& series) {
    for (size_t s = 0; s < series.size(); ++s) {
      for (size_t i = 0; i < series[s].x.size(); ++i) {
        if (!std::isfinite(series[s].x[i]) || !std::isfinite(series[s].y[i])) continue;
        const PointF p = chart.layout.ToPixel(series[s].x[i], series[s].y[i]);
        const int px = static_cast<int>(std::floor(p.x));
        const int py = static_cast<int>(std::floor(p.y));
        const Rect& lg = chart.layout.legend;
        if (px >= lg.x0 - 5 && px < lg.x1 + 5 && py >= lg.y0 - 5 && py < lg.y1 + 5) continue;
        EXPECT_EQ(chart.canvas.At(px, py), SeriesColor(s)) << "series " << s << " point " << i;
      }
    }
  }

  std::string dir_;
};

TEST_F(ChartTest, DrawsSeriesLegendAxesAndTitle) {
  const auto series = Curves(8, 20);
  ChartOptions opts;
  opts.title = "Accuracy vs round";
  opts.x_label = "round";
  opts.y_label = "accuracy";
  auto chart = RenderLineChart(series, opts);
  ASSERT_TRUE(chart.ok()) << chart.status();
  const Canvas& c = chart->canvas;
  const ChartLayout& l = chart->layout;
  EXPECT_EQ(c.width(), 900u);
  EXPECT_EQ(c.height(), 560u);
  EXPECT_EQ(c.At(0, 0), kWhite);
  EXPECT_EQ(c.At(899, 0), kWhite);
  EXPECT_EQ(c.At(0, 559), kWhite);
  EXPECT_EQ(c.At(899, 559), kWhite);

  // The plot sits inside the image, framed by a dark grey line, leaving room for the labels.
  EXPECT_GT(l.plot.x0, 30);
  EXPECT_GT(l.plot.y0, 20);
  EXPECT_LT(l.plot.x1, 900);
  EXPECT_LT(l.plot.y1, 540);
  EXPECT_NE(c.At(l.plot.x0, (l.plot.y0 + l.plot.y1) / 2), kWhite);
  EXPECT_NE(c.At((l.plot.x0 + l.plot.x1) / 2, l.plot.y1 - 1), kWhite);

  // Axes: 1-2-5 ticks covering the data, y widened to whole ticks.
  EXPECT_LE(l.y.lo, 0.08);
  EXPECT_GE(l.y.hi, 0.92);
  EXPECT_EQ(l.y.ticks.front(), l.y.lo);
  EXPECT_EQ(l.x.lo, 1);
  EXPECT_EQ(l.x.hi, 20);
  EXPECT_GE(l.x.ticks.size(), 3u);

  // Every series: its colour at each marker centre, and in the legend.
  ExpectMarkersAtPoints(*chart, series);
  ASSERT_FALSE(l.legend.empty());
  EXPECT_GE(l.legend.x0, l.plot.x0);
  EXPECT_LE(l.legend.x1, l.plot.x1);
  EXPECT_GE(l.legend.y0, l.plot.y0);
  EXPECT_LE(l.legend.y1, l.plot.y1);
  EXPECT_NE(c.At(l.legend.x0, l.legend.y0 + 3), kWhite);      // border
  EXPECT_EQ(c.At(l.legend.x0 + 2, l.legend.y0 + 2), kWhite);  // fill
  for (size_t s = 0; s < series.size(); ++s) EXPECT_TRUE(HasColor(c, l.legend, SeriesColor(s))) << s;
  EXPECT_GT(CountDark(c, l.legend), 8 * 20);  // the labels' text

  // Title above the plot, x label below the tick labels, y label at the left edge.
  EXPECT_GT(CountDark(c, {0, 0, 900, l.plot.y0 - 2}), 100);
  EXPECT_GT(CountDark(c, {l.plot.x0, l.plot.y1 + 22, l.plot.x1, 560}), 10);
  EXPECT_GT(CountDark(c, {0, l.plot.y0, 28, l.plot.y1}), 20);
}

TEST_F(ChartTest, LeavesOutWhatIsNotAsked) {
  auto chart = RenderLineChart(Curves(1, 5), ChartOptions{});
  ASSERT_TRUE(chart.ok()) << chart.status();
  const ChartLayout& l = chart->layout;
  EXPECT_EQ(CountDark(chart->canvas, {0, 0, 900, l.plot.y0 - 2}), 0);     // no title
  EXPECT_EQ(CountDark(chart->canvas, {0, 0, 12, 560}), 0);                // no y label
  EXPECT_EQ(CountDark(chart->canvas, {0, l.plot.y1 + 22, 900, 560}), 0);  // no x label
}

TEST_F(ChartTest, PngBytesDecodeToTheCanvas) {
  const auto series = Curves(3, 12);
  ChartOptions opts;
  opts.width = 640;
  opts.height = 400;
  opts.title = "t";
  auto chart = RenderLineChart(series, opts);
  ASSERT_TRUE(chart.ok());
  auto png = RenderLineChartPng(series, opts);
  ASSERT_TRUE(png.ok());
  DecodedPng d;
  std::string error;
  ASSERT_TRUE(DecodePng(*png, &d, &error)) << error;
  EXPECT_EQ(d.width, 640u);
  EXPECT_EQ(d.height, 400u);
  EXPECT_EQ(d.pixels, Bytes(chart->canvas.pixels().begin(), chart->canvas.pixels().end()));

  const std::string path = dir_ + "/acc.png";
  ASSERT_TRUE(WriteLineChartPng(path, series, opts).ok());
  auto file = ReadFile(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*file, *png);
  EXPECT_FALSE(WriteLineChartPng(dir_ + "/missing/acc.png", series, opts).ok());
  EXPECT_EQ(WriteLineChartPng(path, {}, opts).code(), StatusCode::kInvalidArgument);
}

TEST_F(ChartTest, RejectsBadInput) {
  const auto good = Curves(2, 4);
  const auto code = [](const std::vector<Series>& s, const ChartOptions& o) {
    return RenderLineChart(s, o).status().code();
  };
  const ChartOptions opts;
  EXPECT_EQ(code({}, opts), StatusCode::kInvalidArgument);
  auto empty = good;
  empty[1].x.clear();
  empty[1].y.clear();
  EXPECT_EQ(code(empty, opts), StatusCode::kInvalidArgument);
  auto ragged = good;
  ragged[0].y.pop_back();
  EXPECT_EQ(code(ragged, opts), StatusCode::kInvalidArgument);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(code({Series{"nan", {nan, 1}, {1, INFINITY}}}, opts), StatusCode::kInvalidArgument);
  ChartOptions small = opts;
  small.width = kMinChartSize - 1;
  EXPECT_EQ(code(good, small), StatusCode::kInvalidArgument);
  ChartOptions huge = opts;
  huge.height = kMaxPngDimension + 1;
  EXPECT_EQ(code(good, huge), StatusCode::kInvalidArgument);
  ChartOptions inverted = opts;
  inverted.y_min = 1;
  inverted.y_max = 1;
  EXPECT_EQ(code(good, inverted), StatusCode::kInvalidArgument);
  ChartOptions narrow = opts;
  narrow.y_min = 1;
  narrow.y_max = 1 + 1e-13;
  EXPECT_EQ(code(good, narrow), StatusCode::kInvalidArgument);
  ChartOptions nan_end = opts;
  nan_end.y_max = nan;
  EXPECT_EQ(code(good, nan_end), StatusCode::kInvalidArgument);
  const double big = std::numeric_limits<double>::max();
  EXPECT_EQ(code({Series{"wide", {0, 1}, {-big, big}}}, opts), StatusCode::kInvalidArgument);
}

TEST_F(ChartTest, HandlesASinglePointAndFlatSeries) {
  const std::vector<Series> one = {{"one", {5}, {0.7}}};
  auto chart = RenderLineChart(one, ChartOptions{});
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_LT(chart->layout.x.lo, 5);
  EXPECT_GT(chart->layout.x.hi, 5);
  EXPECT_LT(chart->layout.y.lo, 0.7);
  EXPECT_GT(chart->layout.y.hi, 0.7);
  ExpectMarkersAtPoints(*chart, one);

  const std::vector<Series> flat = {{"zero", {1, 2, 3}, {0, 0, 0}}, {"also", {1, 2, 3}, {0, 0, 0}}};
  chart = RenderLineChart(flat, ChartOptions{});
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_LT(chart->layout.y.lo, 0);
  EXPECT_GT(chart->layout.y.hi, 0);
  EXPECT_TRUE(HasColor(chart->canvas, chart->layout.plot, SeriesColor(1)));

  ChartOptions floor_only;
  floor_only.y_min = 2;  // above all the data: the top follows the fixed end
  chart = RenderLineChart(flat, floor_only);
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_EQ(chart->layout.y.lo, 2);
  EXPECT_GT(chart->layout.y.hi, 2);
}

TEST_F(ChartTest, SkipsNonFinitePoints) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<Series> series = {
      {"gappy", {1, 2, 3, 4, 5, 6}, {0.1, nan, 0.3, INFINITY, 0.5, 0.6}},
      {"all nan", {1, 2}, {nan, nan}},
      {"x inf", {-INFINITY, 2, 3}, {0.9, 0.8, 0.7}},
  };
  auto chart = RenderLineChart(series, ChartOptions{});
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_EQ(chart->layout.x.lo, 1);
  EXPECT_EQ(chart->layout.x.hi, 6);
  ExpectMarkersAtPoints(*chart, series);
  EXPECT_TRUE(HasColor(chart->canvas, chart->layout.legend, SeriesColor(1)));  // still in the legend
}

TEST_F(ChartTest, ClipsToAFixedRange) {
  const std::vector<Series> series = {{"wild", {1, 2, 3, 4}, {-5, 0.5, 7, 0.4}}};
  ChartOptions opts;
  opts.y_min = 0;
  opts.y_max = 1;
  auto chart = RenderLineChart(series, opts);
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_EQ(chart->layout.y.lo, 0);
  EXPECT_EQ(chart->layout.y.hi, 1);
  const Canvas& c = chart->canvas;
  const Rect& plot = chart->layout.plot;
  EXPECT_TRUE(HasColor(c, plot, SeriesColor(0)));
  for (int y = 0; y < static_cast<int>(c.height()); ++y) {
    for (int x = 0; x < static_cast<int>(c.width()); ++x) {
      if (plot.Contains(x, y)) continue;
      ASSERT_NE(c.At(x, y), SeriesColor(0)) << x << "," << y;
    }
  }
}

TEST_F(ChartTest, CutsLongLabelsAndOverlongLegends) {
  auto series = Curves(30, 10);
  series[0].label = std::string(500, 'L');
  ChartOptions opts;
  opts.title = std::string(300, 'T');
  opts.x_label = std::string(300, 'X');
  opts.y_label = std::string(300, 'Y');
  opts.width = 400;
  opts.height = 300;
  auto chart = RenderLineChart(series, opts);
  ASSERT_TRUE(chart.ok()) << chart.status();
  const ChartLayout& l = chart->layout;
  EXPECT_GE(l.legend.x0, l.plot.x0);
  EXPECT_LE(l.legend.x1, l.plot.x1);
  EXPECT_GE(l.legend.y0, l.plot.y0);
  EXPECT_LE(l.legend.y1, l.plot.y1);
  EXPECT_TRUE(HasColor(chart->canvas, l.legend, SeriesColor(0)));
}

TEST_F(ChartTest, HandlesTheSmallestSizeAndManyPoints) {
  ChartOptions opts;
  opts.width = kMinChartSize;
  opts.height = kMinChartSize;
  opts.title = "tiny";
  opts.x_label = "x";
  opts.y_label = "y";
  auto chart = RenderLineChart(Curves(3, 3), opts);
  ASSERT_TRUE(chart.ok()) << chart.status();

  Series dense{"dense", {}, {}};
  for (int i = 0; i < 5000; ++i) {
    dense.x.push_back(i * 0.01);
    dense.y.push_back(std::sin(i * 0.01) * 1e6);
  }
  chart = RenderLineChart({dense}, ChartOptions{});
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_TRUE(HasColor(chart->canvas, chart->layout.plot, SeriesColor(0)));
}

TEST(ChartPaletteTest, SeriesGetDistinctColoursAndShapes) {
  for (size_t i = 0; i < kPaletteSize; ++i) {
    for (size_t j = i + 1; j < kPaletteSize; ++j) EXPECT_NE(SeriesColor(i), SeriesColor(j)) << i << "," << j;
    EXPECT_NE(SeriesColor(i), kWhite);
  }
  EXPECT_EQ(SeriesColor(kPaletteSize), SeriesColor(0));
  EXPECT_NE(SeriesMarker(0), SeriesMarker(kPaletteSize));  // same colour, other shape
}

// Writes sample charts to $CESS_REPORT_SAMPLE_DIR (when set) for a human to look at.
TEST(ChartSampleTest, WritesSamplesWhenAsked) {
  const char* dir = std::getenv("CESS_REPORT_SAMPLE_DIR");
  if (dir == nullptr) GTEST_SKIP() << "set CESS_REPORT_SAMPLE_DIR to write sample charts";
  const char* rules[] = {"fedavg", "krum",   "multi-krum(f=2)",          "trimmed-mean(0.1)",
                         "median", "geomed", "centered-clipping(tau=1)", "bulyan"};
  std::vector<Series> series;
  for (int k = 0; k < 8; ++k) {
    Series s{rules[k], {}, {}};
    for (int r = 1; r <= 30; ++r) {
      s.x.push_back(r);
      s.y.push_back(k == 0 ? 0.1 + 0.02 * std::sin(r) : 0.95 - 0.85 * std::exp(-r / (2.0 + k)) - 0.03 * k);
    }
    series.push_back(std::move(s));
  }
  ChartOptions opts;
  opts.title = "Test accuracy vs round (MNIST, 20% sign-flip)";
  opts.x_label = "round";
  opts.y_label = "test accuracy";
  ASSERT_TRUE(WriteLineChartPng(std::string(dir) + "/accuracy.png", series, opts).ok());
  opts.y_min = 0;
  opts.y_max = 1;
  ASSERT_TRUE(WriteLineChartPng(std::string(dir) + "/accuracy_fixed.png", series, opts).ok());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ChartOptions edge;
  edge.title = "Edge cases: one point, a flat line, gaps, a long label";
  edge.width = 500;
  edge.height = 320;
  ASSERT_TRUE(WriteLineChartPng(std::string(dir) + "/edge.png",
                                {{"single", {3}, {0.5}},
                                 {"flat", {1, 2, 3, 4, 5}, {0.5, 0.5, 0.5, 0.5, 0.5}},
                                 {"gaps", {1, 2, 3, 4, 5}, {0.4, nan, 0.45, INFINITY, 0.55}},
                                 {std::string(80, 'w') + " long label", {1, 5}, {0.52, 0.48}}},
                                edge)
                  .ok());
  ChartOptions tiny;
  tiny.width = kMinChartSize;
  tiny.height = kMinChartSize;
  tiny.title = "Smallest size";
  tiny.x_label = "round";
  tiny.y_label = "accuracy";
  ASSERT_TRUE(WriteLineChartPng(std::string(dir) + "/tiny.png", series, tiny).ok());
  std::vector<Series> many;
  for (int k = 0; k < 30; ++k) {
    Series s{"rule #" + std::to_string(k) + (k == 0 ? std::string(100, '=') : ""), {}, {}};
    for (int i = 0; i < 400; ++i) {
      s.x.push_back(i * 25.0);
      s.y.push_back(k * 1e5 + 3e5 * std::sin(i * 0.05 + k));
    }
    many.push_back(std::move(s));
  }
  ChartOptions dense;
  dense.title = "30 series of 400 points, large values";
  dense.x_label = "samples";
  dense.y_label = "loss";
  ASSERT_TRUE(WriteLineChartPng(std::string(dir) + "/many.png", many, dense).ok());
}

}  // namespace
}  // namespace cess::ailink::report
