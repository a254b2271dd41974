// Reports: the data documents as nlohmann JSON, shared by report.cpp (the data) and
// report_html.cpp (the pages), so a page is drawn without printing and parsing its data again.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "pathwise/report.hpp"

namespace pathwise::detail {

nlohmann::json class_report_json(ProfileStore& store, const Curriculum& curriculum,
                                 const BktModel& model, const ReportOptions& options);
nlohmann::json learner_report_json(ProfileStore& store, const Curriculum& curriculum,
                                   const BktModel& model, const std::string& learner,
                                   const ReportOptions& options);
nlohmann::json fit_report_json(const BktModel& model, const ResponseLog& log, const FitReport* fit,
                               const FitReportOptions& options);
/// The page of a data document (any of the three).
std::string render_report(const nlohmann::json& data);

}  // namespace pathwise::detail
