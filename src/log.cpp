#include "pathwise/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace pathwise {
namespace {

std::shared_ptr<spdlog::logger> make_default() {
  // Built by hand, not through spdlog's factories, so spdlog's global registry is never touched.
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto lg = std::make_shared<spdlog::logger>("pathwise", std::move(sink));
  lg->set_level(spdlog::level::warn);
  lg->set_pattern("pathwise: %l: %v");
  return lg;
}

std::mutex mu;  // guards current
std::shared_ptr<spdlog::logger> current;

}  // namespace

void set_logger(std::shared_ptr<spdlog::logger> lg) {
  std::scoped_lock lock(mu);
  current = lg ? std::move(lg) : make_default();
}

std::shared_ptr<spdlog::logger> logger() {
  std::scoped_lock lock(mu);
  if (!current) current = make_default();
  return current;
}

}  // namespace pathwise
