// Small file helpers shared by the modules.
#pragma once

#include <string>

namespace pathwise::detail {

/// Whole file as bytes. Throws Error (Io) naming the path if it cannot be read.
std::string read_file(const std::string& path);

/// Writes `text` to `path` atomically enough for tools (write then rename). Throws Error (Io).
void write_file(const std::string& path, const std::string& text);

}  // namespace pathwise::detail
