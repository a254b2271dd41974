#include "detail/io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "pathwise/types.hpp"

namespace pathwise::detail {

std::string read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    throw Error(ErrorCode::Io, std::string("cannot open file: ") + std::strerror(errno),
                Location{path, 0, 0, ""});
  }
  std::string out;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) throw Error(ErrorCode::Io, "cannot read file", Location{path, 0, 0, ""});
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(ErrorCode::Io, "cannot create file", Location{tmp, 0, 0, ""});
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) throw Error(ErrorCode::Io, "cannot write file", Location{tmp, 0, 0, ""});
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(ErrorCode::Io, std::string("cannot rename into place: ") + std::strerror(errno),
                Location{path, 0, 0, ""});
  }
}

}  // namespace pathwise::detail
