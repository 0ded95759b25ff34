// Line charts as PNG images, drawn without a plotting library: e.g. the simulation job's
// accuracy-vs-round plot with one line per aggregation rule. White background, a framed plot
// area with light grid lines at "nice" ticks (1, 2 or 5 × 10^k) and numeric tick labels, title and
// axis labels, one palette colour and marker shape per series, and a legend placed in the plot
// corner that hides the fewest data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cess/ailink/report/canvas.h"
#include "cess/core/bytes.h"
#include "cess/core/result.h"
#include "cess/core/status.h"

namespace cess::ailink::report {

// One line of a chart: the points (x[i], y[i]). Points with a NaN or infinite coordinate are
// skipped and break the line there (a gap, not a bridge).
struct Series {
  std::string label;      // legend text; cut with "..." when too long; non-ASCII draws as '?'
  std::vector<double> x;  // same length as y, at least 1
  std::vector<double> y;
};

// How a chart looks. Text outside printable ASCII draws as '?'; text too long for the image is
// cut with "...".
struct ChartOptions {
  std::string title;     // above the plot, double size; default none
  std::string x_label;   // below the x axis; default none
  std::string y_label;   // left of the y axis, read bottom to top; default none
  uint32_t width = 900;  // image size in pixels; each in [kMinChartSize, kMaxPngDimension]
  uint32_t height = 560;
  // Fixed ends of the y axis; by default the data range widened to the nearest ticks. Points
  // beyond a fixed end are clipped at the plot frame.
  std::optional<double> y_min;
  std::optional<double> y_max;
};

// The smallest width or height of a chart image.
inline constexpr uint32_t kMinChartSize = 200;

// The number of distinct series colours; series i gets SeriesColor(i % kPaletteSize).
inline constexpr size_t kPaletteSize = 10;

// Returns the colour of series `index` (a fixed palette of kPaletteSize colours, cycled).
Rgb SeriesColor(size_t index);

// Returns the marker shape of series `index` (circle, square, diamond, triangle, cycled), so
// series that share a colour (index and index + kPaletteSize) still differ.
Marker SeriesMarker(size_t index);

// An axis: its ends and its tick values.
struct AxisScale {
  double lo = 0;
  double hi = 1;
  double step = 1;            // distance between ticks: 1, 2 or 5 × 10^k
  std::vector<double> ticks;  // the multiples of step in [lo, hi], ascending
};

// How NiceScale chooses an axis.
struct ScaleOptions {
  int max_ticks = 8;          // at most this many ticks (at least 2 is sensible); default 8
  bool integer_step = false;  // steps below 1 are not used (e.g. for round numbers); default off
  bool expand_lo = false;     // move lo down to a multiple of the step; default off
  bool expand_hi = false;     // move hi up to a multiple of the step; default off
};

// Returns the axis over [lo, hi] with the smallest 1-2-5 step whose ticks (counted over the
// expanded ends) number at most options.max_ticks. REQUIRES: lo < hi, both finite, and hi - lo
// finite and not below 1e-9 × max(|lo|, |hi|). Thread safety: a pure function.
AxisScale NiceScale(double lo, double hi, const ScaleOptions& options);

// Returns the tick label of `value` on an axis with `step`: as many decimals as the step needs
// ("0.2", "0.05", "15", "-3"), no "-0"; for magnitudes of 1e7 and above or steps below 1e-5, %g
// style with the significant digits that tell ticks a step apart ("1.001e+07" beside "1e+07").
// A step that is not positive and finite counts as 1.
std::string FormatTick(double value, double step);

// Where RenderLineChart put things, for callers that annotate the image or check it.
struct ChartLayout {
  Rect plot;    // the framed plot area (frame included)
  Rect legend;  // the legend box (border included)
  AxisScale x;
  AxisScale y;
  // The data area: the plot inset by a few pixels, so points at the axis ends are not cut.
  double left = 0, right = 0, top = 0, bottom = 0;
  // Returns the continuous pixel position of the data point (x, y); the pixel containing it is
  // (floor(.x), floor(.y)).
  PointF ToPixel(double x_value, double y_value) const;
};

// A drawn chart and its layout.
struct RenderedChart {
  Canvas canvas;
  ChartLayout layout;
};

// Draws a line chart of `series` (in order: later series on top). Markers are drawn at every
// point while a series has at most one point per 8 pixels of plot width, and always at isolated
// points. Errors: InvalidArgument for no series, a series with no points, x and y of different
// lengths, no finite point in any series, a size outside [kMinChartSize, kMaxPngDimension], a
// non-finite y_min / y_max, y_min >= y_max or the two too close (1e-9 relative), or a data range
// too wide to subtract (above ~1e308). Thread safety: a pure function.
Result<RenderedChart> RenderLineChart(const std::vector<Series>& series, const ChartOptions& options);

// RenderLineChart encoded as PNG bytes. Errors: as RenderLineChart.
Result<Bytes> RenderLineChartPng(const std::vector<Series>& series, const ChartOptions& options);

// Renders the chart and writes it to `path` as a PNG file, atomically (temporary file, fsync,
// rename). Errors: as RenderLineChart; those of WriteFileAtomic, naming the path (NotFound for a
// missing directory, PermissionDenied, ResourceExhausted when the disk is full, IoError).
Status WriteLineChartPng(const std::string& path, const std::vector<Series>& series,
                         const ChartOptions& options);

}  // namespace cess::ailink::report
