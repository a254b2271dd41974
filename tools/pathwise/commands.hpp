// The pathwise tool: every command, each defined beside the code that runs it.
#pragma once

#include "cli.hpp"
#include "options.hpp"

namespace pathwise::cli {

extern const Command kFitCommand;            // cmd_fit.cpp
extern const Command kCrossvalidateCommand;  // cmd_fit.cpp
extern const Command kEvaluateCommand;       // cmd_evaluate.cpp
extern const Command kPredictCommand;        // cmd_evaluate.cpp
extern const Command kRecordCommand;         // cmd_engine.cpp
extern const Command kRecommendCommand;      // cmd_engine.cpp
extern const Command kProfileCommand;        // cmd_engine.cpp
extern const Command kExportCommand;         // cmd_engine.cpp
extern const Command kGoalsCommand;          // cmd_engine.cpp
extern const Command kClassSummaryCommand;   // cmd_engine.cpp
extern const Command kForecastCommand;       // cmd_engine.cpp
extern const Command kEraseCommand;          // cmd_store.cpp
extern const Command kMigrateStoreCommand;   // cmd_store.cpp
extern const Command kSimulateCommand;       // cmd_simulate.cpp
extern const Command kInspectCommand;        // cmd_inspect.cpp
extern const Command kReportCommand;         // cmd_report.cpp

}  // namespace pathwise::cli
