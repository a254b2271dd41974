// Pathwise — adaptive learning engine. Include this for the whole C++ API.
#pragma once

#include "pathwise/bkt.hpp"
#include "pathwise/curriculum.hpp"
#include "pathwise/engine.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/forecast.hpp"
#include "pathwise/log.hpp"
#include "pathwise/metrics.hpp"
#include "pathwise/policy.hpp"
#include "pathwise/policy_sim.hpp"
#include "pathwise/profile.hpp"
#include "pathwise/response_log.hpp"
#include "pathwise/simulate.hpp"
#include "pathwise/store.hpp"
#include "pathwise/types.hpp"
#include "pathwise/version.hpp"
