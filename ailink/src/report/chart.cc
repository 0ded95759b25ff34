#include "cess/ailink/report/chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>

#include "cess/ailink/report/png.h"
#include "cess/core/file_util.h"
#include "font5x7.h"

namespace cess::ailink::report {
namespace {

// Tableau 10: distinct hues that stay apart on white and for the common colour-vision deficiencies.
constexpr std::array<Rgb, kPaletteSize> kPalette = {{
    {31, 119, 180},   // blue
    {255, 127, 14},   // orange
    {44, 160, 44},    // green
    {214, 39, 40},    // red
    {148, 103, 189},  // purple
    {140, 86, 75},    // brown
    {227, 119, 194},  // pink
    {127, 127, 127},  // grey
    {188, 189, 34},   // olive
    {23, 190, 207},   // cyan
}};

constexpr Rgb kGridColor{228, 228, 228};
constexpr Rgb kFrameColor{110, 110, 110};
constexpr Rgb kTickTextColor{60, 60, 60};
constexpr Rgb kLabelColor{30, 30, 30};
constexpr Rgb kLegendBorder{190, 190, 190};

constexpr int kTextScale = 1;   // tick labels, axis labels, legend
constexpr int kTitleScale = 2;  // title
constexpr int kMargin = 14;     // image edge to the outermost text
constexpr int kTickLength = 5;
constexpr int kTickGap = 5;   // tick mark to its label
constexpr int kLabelGap = 9;  // tick labels to the axis label
constexpr int kInset = 10;    // plot frame to the data area
constexpr double kLineWidth = 2.0;
constexpr double kMarkerRadius = 3.5;
constexpr int kMarkerSpacing = 8;  // markers only while points are at most one per this many pixels

// A 10^e exact as a double for |e| <= 22 (beyond, pow's result is as good as it gets).
double Pow10(int e) { return std::pow(10.0, e); }

// Adds `pad` around a single value, in the unit of its magnitude (1 around 0).
double PadFor(double v) { return v != 0 ? std::abs(v) * 0.1 : 1.0; }

// Whether [lo, hi] is empty or too narrow for distinct ticks (relative to its magnitude).
bool TooNarrow(double lo, double hi) {
  const double range = hi - lo;
  return !(range > 0) || range < 1e-9 * std::max(std::abs(lo), std::abs(hi));
}

// Data → pixels for the finite points of one series, split into runs.
std::vector<std::vector<PointF>> PixelRuns(const Series& s, const ChartLayout& layout) {
  std::vector<std::vector<PointF>> runs(1);
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
      // Points far outside a fixed y range stay finite: ±1e12 pixels is vertical enough.
      const PointF p = layout.ToPixel(s.x[i], s.y[i]);
      runs.back().push_back({std::clamp(p.x, -1e12, 1e12), std::clamp(p.y, -1e12, 1e12)});
    } else if (!runs.back().empty()) {
      runs.emplace_back();
    }
  }
  if (runs.back().empty()) runs.pop_back();
  return runs;
}

// Counts the line samples (about one per 3 pixels of every run) inside `box`.
int CountInside(const std::vector<std::vector<std::vector<PointF>>>& all_runs, const Rect& box) {
  int count = 0;
  const auto inside = [&box](double x, double y) {
    return x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1;
  };
  for (const auto& runs : all_runs) {
    for (const auto& run : runs) {
      for (size_t i = 0; i < run.size(); ++i) {
        count += inside(run[i].x, run[i].y) ? 1 : 0;
        if (i + 1 == run.size()) break;
        const double dx = run[i + 1].x - run[i].x;
        const double dy = run[i + 1].y - run[i].y;
        const int steps = static_cast<int>(std::min(std::hypot(dx, dy) / 3.0, 2000.0));
        for (int k = 1; k < steps; ++k) {
          const double t = static_cast<double>(k) / steps;
          count += inside(run[i].x + t * dx, run[i].y + t * dy) ? 1 : 0;
        }
      }
    }
  }
  return count;
}

// The legend's entries: each shown series' index and label text, plus a "+N more" line when the
// plot is too short for all of them.
struct LegendEntries {
  std::vector<std::pair<size_t, std::string>> rows;
  std::string more;
};

}  // namespace

Rgb SeriesColor(size_t index) { return kPalette[index % kPaletteSize]; }

Marker SeriesMarker(size_t index) {
  constexpr std::array<Marker, 4> kMarkers = {Marker::kCircle, Marker::kSquare, Marker::kDiamond,
                                              Marker::kTriangle};
  return kMarkers[index % kMarkers.size()];
}

AxisScale NiceScale(double lo, double hi, const ScaleOptions& options) {
  constexpr double kEps = 1e-9;
  const int max_ticks = std::max(3, options.max_ticks);  // 3: an expanded axis always fits
  const int e0 = static_cast<int>(std::floor(std::log10((hi - lo) / max_ticks)));
  AxisScale out;
  for (int e = e0; e < e0 + 40; ++e) {
    for (const int m : {1, 2, 5}) {
      const double step = m * Pow10(e);
      if (options.integer_step && step < 1) continue;
      const double a = options.expand_lo ? std::floor(lo / step + kEps) : std::ceil(lo / step - kEps);
      const double b = options.expand_hi ? std::ceil(hi / step - kEps) : std::floor(hi / step + kEps);
      if (b - a + 1 > max_ticks) continue;
      // i × step computed as i × m / 10^-e for e < 0, so 0.1 steps land on correctly rounded values.
      const auto tick = [m, e](double i) { return e < 0 ? i * m / Pow10(-e) : i * m * Pow10(e); };
      out.step = step;
      out.lo = options.expand_lo ? tick(a) : lo;
      out.hi = options.expand_hi ? tick(b) : hi;
      const auto count = static_cast<int>(b - a) + 1;  // at most max_ticks
      for (int i = 0; i < count; ++i) out.ticks.push_back(tick(a + i));
      return out;
    }
  }
  out.lo = lo;  // not reached for finite input
  out.hi = hi;
  out.step = hi - lo;
  out.ticks = {lo, hi};
  return out;
}

std::string FormatTick(double value, double step) {
  if (!(step > 0) || !std::isfinite(step)) step = 1;
  if (std::abs(value) < step * 1e-9) value = 0;
  const int step_exp = static_cast<int>(std::floor(std::log10(step) + 1e-9));
  char buf[64];
  if (std::abs(value) >= 1e7 || step < 1e-5) {
    // Enough significant digits to tell ticks one step apart.
    const int value_exp = value == 0 ? step_exp : static_cast<int>(std::floor(std::log10(std::abs(value))));
    std::snprintf(buf, sizeof buf, "%.*g", std::clamp(value_exp - step_exp + 1, 1, 15), value);
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", std::clamp(-step_exp, 0, 6), value);
  }
  std::string s = buf;
  if (s[0] == '-' && s.find_first_not_of("0.", 1) == std::string::npos) s.erase(0, 1);
  return s;
}

PointF ChartLayout::ToPixel(double x_value, double y_value) const {
  return {left + (x_value - x.lo) / (x.hi - x.lo) * (right - left),
          bottom - (y_value - y.lo) / (y.hi - y.lo) * (bottom - top)};
}

Result<RenderedChart> RenderLineChart(const std::vector<Series>& series, const ChartOptions& options) {
  // --- Check the input and find the data ranges.
  const uint32_t w = options.width;
  const uint32_t h = options.height;
  if (w < kMinChartSize || h < kMinChartSize || w > kMaxPngDimension || h > kMaxPngDimension) {
    return Status::InvalidArgument("chart size " + std::to_string(w) + "x" + std::to_string(h) +
                                   " outside [" + std::to_string(kMinChartSize) + ", " +
                                   std::to_string(kMaxPngDimension) + "]");
  }
  if (series.empty()) return Status::InvalidArgument("a chart needs at least one series");
  for (const std::optional<double>& end : {options.y_min, options.y_max}) {
    if (end && !std::isfinite(*end)) return Status::InvalidArgument("y_min / y_max must be finite");
  }
  if (options.y_min && options.y_max && !(*options.y_min < *options.y_max)) {
    return Status::InvalidArgument("y_min must be below y_max");
  }
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  bool x_integers = true;
  for (size_t s = 0; s < series.size(); ++s) {
    const Series& ser = series[s];
    if (ser.x.size() != ser.y.size()) {
      return Status::InvalidArgument("series " + std::to_string(s) + " ('" + ser.label + "') has " +
                                     std::to_string(ser.x.size()) + " x values and " +
                                     std::to_string(ser.y.size()) + " y values");
    }
    if (ser.x.empty()) {
      return Status::InvalidArgument("series " + std::to_string(s) + " ('" + ser.label + "') has no points");
    }
    for (size_t i = 0; i < ser.x.size(); ++i) {
      if (!std::isfinite(ser.x[i]) || !std::isfinite(ser.y[i])) continue;
      x_lo = std::min(x_lo, ser.x[i]);
      x_hi = std::max(x_hi, ser.x[i]);
      y_lo = std::min(y_lo, ser.y[i]);
      y_hi = std::max(y_hi, ser.y[i]);
      x_integers = x_integers && std::abs(ser.x[i]) < 9e15 && ser.x[i] == std::floor(ser.x[i]);
    }
  }
  if (!(x_lo <= x_hi)) return Status::InvalidArgument("no series has a finite point");

  // x: the data range (a lone value padded); y: fixed ends, else the data widened to ticks.
  if (TooNarrow(x_lo, x_hi)) {
    const double pad = x_integers ? 1.0 : PadFor(x_lo);
    x_lo -= pad;
    x_hi += pad;
  }
  if (options.y_min) y_lo = *options.y_min;
  if (options.y_max) y_hi = *options.y_max;
  if (TooNarrow(y_lo, y_hi)) {
    if (options.y_min && options.y_max) return Status::InvalidArgument("y_min and y_max too close to plot");
    if (options.y_min) {
      y_hi = y_lo + PadFor(y_lo);
    } else if (options.y_max) {
      y_lo = y_hi - PadFor(y_hi);
    } else {
      const double pad = PadFor(y_lo);
      y_lo -= pad;
      y_hi += pad;
    }
  }
  if (!std::isfinite(x_hi - x_lo) || !std::isfinite(y_hi - y_lo) || TooNarrow(x_lo, x_hi) ||
      TooNarrow(y_lo, y_hi)) {
    return Status::InvalidArgument("data range too wide to plot");
  }

  // --- Layout: margins from the text sizes, then the axes for the plot's size.
  const int width = static_cast<int>(w);
  const int height = static_cast<int>(h);
  const std::string title = FitText(options.title, width - 2 * kMargin, kTitleScale);
  const int top = kMargin + (title.empty() ? 4 : TextHeight(kTitleScale) + 10);
  const int x_tick_text_bottom = kTickLength + kTickGap + TextHeight(kTextScale);
  const int bottom =
      x_tick_text_bottom + (options.x_label.empty() ? 0 : kLabelGap + TextHeight(kTextScale)) + kMargin;
  const int plot_h = height - top - bottom;
  ScaleOptions y_opts;
  y_opts.max_ticks = std::clamp(plot_h / 40, 4, 10);
  y_opts.expand_lo = !options.y_min.has_value();
  y_opts.expand_hi = !options.y_max.has_value();
  const AxisScale y_scale = NiceScale(y_lo, y_hi, y_opts);
  int y_tick_w = 0;
  for (double t : y_scale.ticks) {
    y_tick_w = std::max(y_tick_w, TextWidth(FormatTick(t, y_scale.step), kTextScale));
  }
  const int left = kMargin + (options.y_label.empty() ? 0 : TextHeight(kTextScale) + kLabelGap) + y_tick_w +
                   kTickGap + kTickLength;
  const int right = kMargin + 10;
  ChartLayout layout;
  layout.plot = {left, top, width - right, height - bottom};
  if (layout.plot.width() < 4 * kInset || layout.plot.height() < 4 * kInset) {
    return Status::InvalidArgument("chart size " + std::to_string(w) + "x" + std::to_string(h) +
                                   " leaves no room to plot beside the labels");
  }
  layout.left = layout.plot.x0 + kInset + 0.5;
  layout.right = layout.plot.x1 - 1 - kInset + 0.5;
  layout.top = layout.plot.y0 + kInset + 0.5;
  layout.bottom = layout.plot.y1 - 1 - kInset + 0.5;
  layout.y = y_scale;
  // x ticks: as many as fit with their labels at least 3 characters apart.
  ScaleOptions x_opts;
  x_opts.integer_step = x_integers;
  for (int max_ticks = 12;; --max_ticks) {
    x_opts.max_ticks = max_ticks;
    layout.x = NiceScale(x_lo, x_hi, x_opts);
    if (max_ticks <= 3 || layout.x.ticks.size() < 2) break;
    int label_w = 0;
    for (double t : layout.x.ticks) {
      label_w = std::max(label_w, TextWidth(FormatTick(t, layout.x.step), kTextScale));
    }
    const double spacing = (layout.right - layout.left) * layout.x.step / (layout.x.hi - layout.x.lo);
    if (spacing >= label_w + 3 * font::kAdvance * kTextScale && spacing >= 60) break;
  }

  // --- Grid, frame, ticks and their labels.
  Canvas canvas(w, h, kWhite);
  const Rect& plot = layout.plot;
  for (double t : layout.y.ticks) {
    const int row = static_cast<int>(std::floor(layout.ToPixel(layout.x.lo, t).y));
    canvas.FillRect({plot.x0 + 1, row, plot.x1 - 1, row + 1}, kGridColor);
    canvas.FillRect({plot.x0 - kTickLength, row, plot.x0, row + 1}, kFrameColor);
    const std::string label = FormatTick(t, layout.y.step);
    canvas.DrawText(plot.x0 - kTickLength - kTickGap - TextWidth(label, kTextScale),
                    row - TextAscent(kTextScale) / 2, label, kTickTextColor, kTextScale);
  }
  for (double t : layout.x.ticks) {
    const int col = static_cast<int>(std::floor(layout.ToPixel(t, layout.y.lo).x));
    canvas.FillRect({col, plot.y0 + 1, col + 1, plot.y1 - 1}, kGridColor);
    canvas.FillRect({col, plot.y1, col + 1, plot.y1 + kTickLength}, kFrameColor);
    const std::string label = FormatTick(t, layout.x.step);
    const int tw = TextWidth(label, kTextScale);
    canvas.DrawText(std::clamp(col - tw / 2, 0, std::max(0, width - tw)), plot.y1 + kTickLength + kTickGap,
                    label, kTickTextColor, kTextScale);
  }
  canvas.StrokeRect(plot, kFrameColor);

  // --- Title and axis labels, centred on the plot (kept inside the image).
  const int plot_cx = (plot.x0 + plot.x1) / 2;
  if (!title.empty()) {
    const int tw = TextWidth(title, kTitleScale);
    canvas.DrawText(std::clamp(plot_cx - tw / 2, kMargin, width - kMargin - tw), kMargin, title, kLabelColor,
                    kTitleScale);
  }
  if (!options.x_label.empty()) {
    const std::string text = FitText(options.x_label, width - 2 * kMargin, kTextScale);
    const int tw = TextWidth(text, kTextScale);
    canvas.DrawText(std::clamp(plot_cx - tw / 2, kMargin, width - kMargin - tw),
                    plot.y1 + x_tick_text_bottom + kLabelGap, text, kLabelColor, kTextScale);
  }
  if (!options.y_label.empty()) {
    const std::string text = FitText(options.y_label, plot.height(), kTextScale);
    canvas.DrawTextVertical(kMargin, (plot.y0 + plot.y1) / 2 - TextWidth(text, kTextScale) / 2, text,
                            kLabelColor, kTextScale);
  }

  // --- The series, clipped to the inside of the frame.
  std::vector<std::vector<std::vector<PointF>>> all_runs;
  all_runs.reserve(series.size());
  for (const Series& s : series) all_runs.push_back(PixelRuns(s, layout));
  canvas.SetClip({plot.x0 + 1, plot.y0 + 1, plot.x1 - 1, plot.y1 - 1});
  const double data_w = layout.right - layout.left;
  for (size_t s = 0; s < series.size(); ++s) {
    size_t points = 0;
    for (const auto& run : all_runs[s]) points += run.size();
    const bool all_markers = static_cast<double>(points) * kMarkerSpacing <= data_w;
    for (const auto& run : all_runs[s]) {
      if (run.size() >= 2) canvas.StrokePolyline(run, SeriesColor(s), kLineWidth);
      if (!all_markers && run.size() >= 2) continue;
      for (const PointF& p : run) canvas.DrawMarker(p, SeriesMarker(s), kMarkerRadius, SeriesColor(s));
    }
  }
  canvas.ResetClip();

  // --- Legend: inside the plot where it covers the fewest line samples.
  constexpr int kPad = 8;
  constexpr int kSwatch = 26;
  const int row_h = TextHeight(kTextScale) + 6;
  // Labels take at most about half the plot's width (6 characters at least) and never push the
  // box out of the plot.
  const int max_label_w = std::min(std::max(6 * font::kAdvance, plot.width() / 2 - kSwatch - 3 * kPad),
                                   plot.width() - 2 * kInset - (2 * kPad + kSwatch + 6));
  const int max_rows = std::max(1, (plot.height() - 2 * kInset - 2 * kPad + 6) / row_h);
  LegendEntries legend;
  const size_t shown =
      series.size() <= static_cast<size_t>(max_rows) ? series.size() : static_cast<size_t>(max_rows - 1);
  int legend_text_w = 0;
  for (size_t s = 0; s < shown; ++s) {
    legend.rows.emplace_back(s, FitText(series[s].label, max_label_w, kTextScale));
    legend_text_w = std::max(legend_text_w, TextWidth(legend.rows.back().second, kTextScale));
  }
  if (shown < series.size()) {
    legend.more = FitText("+" + std::to_string(series.size() - shown) + " more", max_label_w, kTextScale);
    legend_text_w = std::max(legend_text_w, TextWidth(legend.more, kTextScale));
  }
  const int n_rows = static_cast<int>(legend.rows.size()) + (legend.more.empty() ? 0 : 1);
  const int box_w = kPad + kSwatch + 6 + legend_text_w + kPad;
  const int box_h = 2 * kPad + n_rows * row_h - 6;
  // Candidates: the four corners first (preferred on ties), then positions down the right edge,
  // the left edge and the middle, every 8 pixels.
  const int gap = kInset;
  const int x_right = plot.x1 - gap - box_w;
  const int x_left = plot.x0 + gap;
  const int y_top = plot.y0 + gap;
  const int y_bottom = plot.y1 - gap - box_h;
  std::vector<Rect> candidates;
  const auto add = [&](int x, int y) { candidates.push_back({x, y, x + box_w, y + box_h}); };
  add(x_right, y_top);
  add(x_left, y_top);
  add(x_right, y_bottom);
  add(x_left, y_bottom);
  for (const int x : {x_right, x_left, (plot.x0 + plot.x1 - box_w) / 2}) {
    for (int y = y_top; y <= y_bottom; y += 8) add(x, y);
  }
  int best_score = -1;
  for (const Rect& c : candidates) {
    const int score = CountInside(all_runs, {c.x0 - 4, c.y0 - 4, c.x1 + 4, c.y1 + 4});
    if (best_score < 0 || score < best_score) {
      best_score = score;
      layout.legend = c;
    }
  }
  const Rect& box = layout.legend;
  canvas.FillRect(box, kWhite);
  canvas.StrokeRect(box, kLegendBorder);
  for (size_t r = 0; r < legend.rows.size(); ++r) {
    const auto& [s, text] = legend.rows[r];
    const int text_y = box.y0 + kPad + static_cast<int>(r) * row_h;
    const double cy = text_y + TextAscent(kTextScale) / 2 + 0.5;
    const std::array<PointF, 2> line = {{{box.x0 + kPad + 0.0, cy}, {box.x0 + kPad + kSwatch + 0.0, cy}}};
    canvas.StrokePolyline(line, SeriesColor(s), kLineWidth);
    canvas.DrawMarker({box.x0 + kPad + kSwatch / 2 + 0.5, cy}, SeriesMarker(s), kMarkerRadius,
                      SeriesColor(s));
    canvas.DrawText(box.x0 + kPad + kSwatch + 6, text_y, text, kLabelColor, kTextScale);
  }
  if (!legend.more.empty()) {
    canvas.DrawText(box.x0 + kPad + kSwatch + 6, box.y0 + kPad + static_cast<int>(legend.rows.size()) * row_h,
                    legend.more, kTickTextColor, kTextScale);
  }
  return RenderedChart{std::move(canvas), std::move(layout)};
}

Result<Bytes> RenderLineChartPng(const std::vector<Series>& series, const ChartOptions& options) {
  CESS_ASSIGN_OR_RETURN(RenderedChart chart, RenderLineChart(series, options));
  return chart.canvas.EncodePng();
}

Status WriteLineChartPng(const std::string& path, const std::vector<Series>& series,
                         const ChartOptions& options) {
  CESS_ASSIGN_OR_RETURN(Bytes png, RenderLineChartPng(series, options));
  return WriteFileAtomic(path, png);
}

}  // namespace cess::ailink::report
