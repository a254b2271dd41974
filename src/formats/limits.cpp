#include "formats/limits.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>

namespace pathwise {

void ReadOptions::validate() const {
  auto positive = [](std::uint64_t value, const char* name) {
    if (value == 0) {
      throw Error(ErrorCode::InvalidArgument, std::string(name) + " must be at least 1, got 0",
                  Location{"", 0, 0, name});
    }
  };
  positive(max_line_bytes, "max_line_bytes");
  positive(max_fields_per_line, "max_fields_per_line");
  positive(max_input_bytes, "max_input_bytes");
}

namespace detail {

namespace {

constexpr char kBom[] = "\xEF\xBB\xBF";

/// Line and column of byte `offset` of `text`, counting line ends as check_line_lengths() does.
Location place_of(std::string_view text, std::size_t offset, const std::string& source) {
  std::size_t line = 1, start = 0;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\n' && c != '\r') continue;
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    ++line;
    start = i + 1;
  }
  return Location{source, line, offset - start + 1, ""};
}

[[noreturn]] void throw_line_too_long(std::size_t max_bytes, Location where) {
  throw Error(ErrorCode::Parse,
              "line longer than " + std::to_string(max_bytes) +
                  " bytes, the limit ReadOptions::max_line_bytes (raise it to read longer lines)",
              std::move(where));
}

[[noreturn]] void throw_input_too_long(std::uint64_t max_bytes, Location where) {
  throw Error(ErrorCode::Parse,
              "input of unknown size (a pipe or a device) longer than " +
                  std::to_string(max_bytes) +
                  " bytes, the limit ReadOptions::max_input_bytes (raise it, or read the log "
                  "from a regular file)",
              std::move(where));
}

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

/// Reads `f` to its end, or to `max_bytes` + 1 bytes, into `out`, stopping early once a line is
/// more than `max_line` bytes long. Returns false on a read error.
bool read_stream(std::FILE* f, std::uint64_t max_bytes, std::size_t max_line, std::string& out) {
  char buf[1 << 16];
  std::size_t line_bytes = 0;  // of the line still open at the end of `out`
  for (;;) {
    std::size_t want = sizeof buf;
    if (max_bytes < UINT64_MAX) {
      want = static_cast<std::size_t>(std::min<std::uint64_t>(want, max_bytes + 1 - out.size()));
    }
    const std::size_t n = std::fread(buf, 1, want, f);
    if (n == 0) return std::ferror(f) == 0;
    out.append(buf, n);
    if (out.size() > max_bytes) return true;
    // Only the last line end of the chunk matters, so look for it from the back.
    std::size_t k = n;
    while (k > 0 && buf[k - 1] != '\n' && buf[k - 1] != '\r') --k;
    line_bytes = k > 0 ? n - k : line_bytes + n;
    // Three bytes of slack for a byte-order mark, which parse() does not count in line 1.
    if (line_bytes > max_line + 3) return true;
  }
}

}  // namespace

void check_line_lengths(std::string_view text, std::size_t max_bytes, const std::string& source) {
  if (text.size() <= max_bytes) return;  // no line can be longer
  std::size_t line = 1, start = 0;
  const std::size_t n = text.size();
  for (std::size_t i = 0; i <= n; ++i) {
    const bool end = i == n || text[i] == '\n' || text[i] == '\r';
    if (!end) continue;
    if (i - start > max_bytes) throw_line_too_long(max_bytes, {source, line, max_bytes + 1, ""});
    if (i < n && text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
    ++line;
    start = i + 1;
  }
}

void throw_too_many_fields(std::size_t max_fields, Location where) {
  throw Error(ErrorCode::Parse,
              "line with more than " + std::to_string(max_fields) +
                  " fields, the limit ReadOptions::max_fields_per_line (raise it to read wider "
                  "lines)",
              std::move(where));
}

std::string read_input(const std::string& path, const ReadOptions& options) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    throw Error(ErrorCode::Io, std::string("cannot open file: ") + std::strerror(errno),
                Location{path, 0, 0, ""});
  }
  struct stat st {};
  const bool regular = ::fstat(::fileno(f.get()), &st) == 0 && S_ISREG(st.st_mode);
  std::string text;
  if (regular) {
    try {
      text.reserve(static_cast<std::size_t>(st.st_size));
    } catch (const std::bad_alloc&) {
      throw Error(ErrorCode::Io,
                  "a file of " + std::to_string(st.st_size) + " bytes does not fit in memory",
                  Location{path, 0, 0, ""});
    }
  }
  // A regular file's size is known and its whole text is the log; anything else may not end.
  const std::uint64_t max_bytes = regular ? UINT64_MAX : options.max_input_bytes;
  if (!read_stream(f.get(), max_bytes, options.max_line_bytes, text)) {
    throw Error(ErrorCode::Io, "cannot read file", Location{path, 0, 0, ""});
  }
  std::string_view body = text;
  if (body.substr(0, 3) == kBom) body.remove_prefix(3);
  check_line_lengths(body, options.max_line_bytes, path);
  if (text.size() > max_bytes) {
    throw_input_too_long(max_bytes, place_of(body, body.size() - 1, path));
  }
  return text;
}

}  // namespace detail
}  // namespace pathwise
