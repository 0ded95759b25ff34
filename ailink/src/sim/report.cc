#include "cess/ailink/sim/report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "cess/ailink/model/flat_model.h"
#include "cess/ailink/report/chart.h"
#include "cess/core/file_util.h"

namespace cess::ailink::sim {
namespace {

namespace chart = cess::ailink::report;

std::string Num(double v, int precision = 6) {
  if (std::isnan(v)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", precision, v);
  return buf;
}

std::string CsvQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// NaN is not JSON: null instead.
nlohmann::json JsonNumber(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

Status WriteText(const std::string& path, const std::string& text) {
  const Status s =
      WriteFileAtomic(path, ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  return s.ok() ? s : s.WithContext("write " + path);
}

}  // namespace

std::string EvaluationsCsv(const SimulationReport& report) {
  std::string out = "rule,round,test_accuracy,test_loss,train_loss,elapsed_s,rejected,diverged\n";
  for (const RuleReport& r : report.rules) {
    for (const EvaluationRecord& e : r.evaluations) {
      out += CsvQuote(r.rule) + "," + std::to_string(e.round) + "," + Num(e.test_accuracy) + "," +
             Num(e.test_loss) + "," + Num(e.train_loss) + "," + Num(e.elapsed_s, 4) + "," +
             std::to_string(e.rejected) + "," + (e.diverged ? "1" : "0") + "\n";
    }
  }
  return out;
}

nlohmann::json SummaryJson(const SimulationReport& report) {
  nlohmann::json rules = nlohmann::json::array();
  for (const RuleReport& r : report.rules) {
    nlohmann::json events = nlohmann::json::array();
    for (size_t i = 0; i < r.events.size() && i < 200; ++i) events.push_back(r.events[i]);
    rules.push_back({{"rule", r.rule},
                     {"description", r.description},
                     {"final_accuracy", JsonNumber(r.final_accuracy)},
                     {"best_accuracy", JsonNumber(r.best_accuracy)},
                     {"rounds_completed", r.rounds_completed},
                     {"rounds_lost", r.rounds_lost},
                     {"updates_rejected", r.updates_rejected},
                     {"diverged", r.diverged},
                     {"seconds", r.seconds},
                     {"events_total", r.events.size()},
                     {"events", events}});
  }
  return {{"config", report.config.ToJson()},
          {"setup",
           {{"model", report.model_spec},
            {"parameters", report.num_parameters},
            {"train_examples", report.train_examples},
            {"test_examples", report.test_examples},
            {"client_examples", report.client_examples},
            {"threads", report.threads},
            {"device", report.device}}},
          {"rules", rules},
          {"seconds", report.seconds}};
}

Status WriteSimulationOutputs(const SimulationReport& report, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("create directory " + dir + ": " + ec.message());
  if (Status s = WriteText(dir + "/evaluations.csv", EvaluationsCsv(report)); !s.ok()) return s;
  if (Status s = WriteText(dir + "/summary.json", SummaryJson(report).dump(2) + "\n"); !s.ok()) return s;

  std::vector<chart::Series> series;
  for (const RuleReport& r : report.rules) {
    chart::Series line;
    line.label = r.rule + (r.diverged ? " (diverged)" : "");
    for (const EvaluationRecord& e : r.evaluations) {
      line.x.push_back(static_cast<double>(e.round));
      line.y.push_back(100.0 * e.test_accuracy);
    }
    if (!line.x.empty()) series.push_back(std::move(line));  // the chart refuses empty series
  }
  const SimulationConfig& c = report.config;
  chart::ChartOptions options;
  // Short enough for the chart's 2x title font; the y label says what is plotted.
  options.title = c.model + "  n=" + std::to_string(c.clients) + " f=" + std::to_string(c.byzantine) + "  " +
                  c.partition + "  " + c.attack;
  options.x_label = "round";
  options.y_label = "test accuracy (%)";
  options.y_min = 0.0;
  options.y_max = 100.0;
  if (!series.empty()) {
    if (Status s = chart::WriteLineChartPng(dir + "/accuracy.png", series, options); !s.ok()) {
      return s.WithContext("write " + dir + "/accuracy.png");
    }
  }
  for (size_t i = 0; i < report.rules.size(); ++i) {
    const std::string path = dir + "/model-" + std::to_string(i) + ".cessflt";
    if (Status s = model::WriteFlatModel(path, report.rules[i].final_model); !s.ok()) {
      return s.WithContext("write " + path);
    }
  }
  return Status::Ok();
}

}  // namespace cess::ailink::sim
