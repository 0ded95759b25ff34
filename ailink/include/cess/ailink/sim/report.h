// Writing a simulation's results: a CSV of every evaluation, a JSON summary and a PNG plot of test
// accuracy against rounds (one line per rule). Torch-free.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "cess/ailink/sim/simulation.h"
#include "cess/core/status.h"

namespace cess::ailink::sim {

// CSV text with a header line: rule,round,test_accuracy,test_loss,train_loss,elapsed_s,rejected,
// diverged — one line per evaluation, rules in order. Rule specs are quoted (they may hold commas).
std::string EvaluationsCsv(const SimulationReport& report);

// The summary: the config, setup (model, parameters, examples, threads, device) and per rule the
// final and best accuracy, rounds completed and lost, rejected updates, divergence, seconds and
// the event log (its first 200 entries).
nlohmann::json SummaryJson(const SimulationReport& report);

// Writes into `dir` (created when missing): evaluations.csv, summary.json, accuracy.png and the
// final global model of each rule as model-<i>.cessflt (flat model format; i = rule index).
// Every file is written atomically. Errors: IoError naming the file.
Status WriteSimulationOutputs(const SimulationReport& report, const std::string& dir);

}  // namespace cess::ailink::sim
