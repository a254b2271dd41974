// Pathwise — adaptive learning engine. Include this for the whole C++ API.
#pragma once

#include "pathwise/bkt.hpp"
#include "pathwise/fit.hpp"
#include "pathwise/log.hpp"
#include "pathwise/metrics.hpp"
#include "pathwise/response_log.hpp"
#include "pathwise/simulate.hpp"
#include "pathwise/types.hpp"
#include "pathwise/version.hpp"
