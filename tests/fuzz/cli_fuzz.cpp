// Fuzz target: the command-line tool's argument parsing and commands (pathwise::cli::run) with a
// fuzzed argv, kept inside a temporary folder: every file name the tool would open is replaced by
// one of the small files the target writes there first, and every store by "memory:" or a
// SQLite file there. The tool must answer with a documented exit code and never let a nlohmann
// exception through as its message.
//
// Input: one argument per line, the first the command; after the first NUL byte, the content of
// the file "data", one of the files the arguments may point at.
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "fuzz_check.hpp"

namespace {

namespace fs = std::filesystem;
using pathwise::fuzz::fail;

// The tool's options that take a value (the rest are flags); kept in step with cli.cpp. A value
// of a file option is rewritten to a file of the temporary folder; so is every positional.
const std::vector<std::string_view> kValueOptions = {"--format",
                                                     "--max-line-bytes",
                                                     "--max-fields",
                                                     "--max-input-bytes",
                                                     "--learner-col",
                                                     "--skill-col",
                                                     "--correct-col",
                                                     "--order-col",
                                                     "--item-col",
                                                     "--skill-sep",
                                                     "--empty-skill-as",
                                                     "--restarts",
                                                     "--max-iter",
                                                     "--tol",
                                                     "--seed",
                                                     "--threads",
                                                     "--bound",
                                                     "--fix",
                                                     "--skills",
                                                     "--skill",
                                                     "--output",
                                                     "-o",
                                                     "--model",
                                                     "-m",
                                                     "--folds",
                                                     "--curriculum",
                                                     "--db",
                                                     "--learner",
                                                     "--item",
                                                     "--outcome",
                                                     "--time",
                                                     "--policy",
                                                     "--learners",
                                                     "--max-attempts",
                                                     "--fixed-per-skill",
                                                     "--forget-per-day",
                                                     "--concentration",
                                                     "--prerequisite-factor",
                                                     "--goals",
                                                     "--csv",
                                                     "--svg",
                                                     "--item-min-responses",
                                                     "--min-responses",
                                                     "--set",
                                                     "--from",
                                                     "--to"};
const std::vector<std::string_view> kFileOptions = {"--output",     "-o",    "--model", "-m",
                                                    "--curriculum", "--csv", "--svg"};
const std::vector<std::string_view> kStoreOptions = {"--db", "--from", "--to"};
// Counts that only make a run slower past a small value: larger numbers are cut to these, so that
// one input stays well under a second. Their range checks are still reached by bad forms.
const std::vector<std::pair<std::string_view, long>> kCaps = {
    {"--restarts", 3},  {"--max-iter", 50},     {"--threads", 2},        {"--folds", 4},
    {"--learners", 12}, {"--max-attempts", 40}, {"--fixed-per-skill", 4}};

const char* kLog =
    "user_id,skill_name,correct,order_id,template_id\n"
    "u1,add,1,1,a1\nu1,add,0,2,a2\nu1,sub,1,3,s1\nu2,add,1,1,a1\nu2,sub,0,2,s1\n"
    "u2,sub,1,3,s2\nu3,add~~sub,1,1,as\nu3,add,1,2,a2\n";
const char* kModel = R"({"format":"pathwise-bkt-model","version":"1.0","skills":{
  "add":{"prior":0.4,"learn":0.2,"guess":0.2,"slip":0.1},
  "sub":{"prior":0.3,"learn":0.15,"guess":0.25,"slip":0.1}}})";
const char* kCurriculum = R"({"format":"pathwise-curriculum","version":"1.0",
  "skills":[{"id":"add"},{"id":"sub","prerequisites":["add"]}],
  "items":[{"id":"a1","skills":["add"]},{"id":"s1","skills":["sub"]},
           {"id":"as","skills":["add","sub"]}]})";
const char* kHmm = "2\tu1\tstep1\tadd\n1\tu1\tstep2\tadd\n1\tu2\tstep1\tadd~sub\n";
const char* kThreeLine = "3\n1,2,1\n0,1,1\n2\n2,2\n1,0\n";

struct Folder {
  fs::path dir;
  Folder() {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/pathwise-cli-fuzz-XXXXXX";
    if (!mkdtemp(tmpl.data())) fail("cannot make a temporary folder");
    dir = tmpl;
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string file(const char* name) const { return (dir / name).string(); }
  void write(const char* name, std::string_view text) const {
    std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  /// Every run starts from the same files (a run may have overwritten them) and no database.
  void reset(std::string_view data) const {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) fs::remove_all(e.path(), ec);
    write("log.csv", kLog);
    write("model.json", kModel);
    write("curriculum.json", kCurriculum);
    write("hmm.txt", kHmm);
    write("three.txt", kThreeLine);
    write("data", data);
  }
};

const Folder& folder() {
  static const Folder f;
  return f;
}

bool in(const std::vector<std::string_view>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

/// A file of the folder for a file argument, picked by the argument's first byte.
std::string file_for(std::string_view original) {
  static const char* kFiles[] = {"log.csv", "model.json", "curriculum.json", "data",
                                 "hmm.txt", "three.txt",  "missing",         "out"};
  const unsigned pick = original.empty() ? 0u : static_cast<unsigned char>(original[0]);
  return folder().file(kFiles[pick % 8]);
}

/// A store for a store argument: memory, a SQLite URL or a plain SQLite path in the folder.
std::string store_for(std::string_view original) {
  const unsigned pick = original.empty() ? 0u : static_cast<unsigned char>(original[0]);
  switch (pick % 4) {
    case 0:
      return "memory:";
    case 1:
      return "sqlite:" + folder().file("a.db");
    case 2:
      return folder().file("b.db");
    default:
      return "";  // a missing URL
  }
}

std::string capped(std::string_view name, const std::string& value) {
  for (const auto& [option, cap] : kCaps) {
    if (name != option) continue;
    char* end = nullptr;
    const long v = std::strtol(value.c_str(), &end, 10);
    if (!value.empty() && *end == '\0' && v > cap) return std::to_string(cap);
  }
  return value;
}

std::string rewrite_value(std::string_view name, const std::string& value) {
  if (in(kFileOptions, name)) return file_for(value);
  if (in(kStoreOptions, name)) return store_for(value);
  return capped(name, value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view file_text = nul == std::string_view::npos ? "" : input.substr(nul + 1);
  std::string_view line_part = input.substr(0, nul);

  std::vector<std::string> args;
  while (!line_part.empty() && args.size() < 64) {
    const std::size_t nl = line_part.find('\n');
    args.emplace_back(line_part.substr(0, nl));
    line_part = nl == std::string_view::npos ? "" : line_part.substr(nl + 1);
  }
  // Mirror the tool's parsing to find every value and positional, and keep them in the folder.
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string& s = args[i];
    if (s == "--help" || s == "-h") continue;
    const std::size_t eq = s.rfind("--", 0) == 0 ? s.find('=') : std::string::npos;
    const std::string name = eq == std::string::npos ? s : s.substr(0, eq);
    if (in(kValueOptions, name)) {
      if (eq != std::string::npos) {
        s = name + "=" + rewrite_value(name, s.substr(eq + 1));
      } else if (i + 1 < args.size()) {
        args[i + 1] = rewrite_value(name, args[i + 1]);
        ++i;
      }
    } else if (!(s.size() > 1 && s[0] == '-')) {
      s = file_for(s);  // a positional: the DATA file
    }
  }
  if (!args.empty() && args[0] == "simulate")  // the default of 1,000 learners is too slow here
    args.insert(args.begin() + 1, {"--learners", "8"});

  folder().reset(file_text);
  std::ostringstream out, err;
  const int code = pathwise::cli::run(args, out, err, false);
  if (code != pathwise::cli::kOk && code != pathwise::cli::kBadInput &&
      code != pathwise::cli::kUsage && code != pathwise::cli::kBusy) {
    fail("undocumented exit code", std::to_string(code));
  }
  // A nlohmann message in the output is a finding unless the arguments carry that text
  // themselves (an unknown command or option is echoed back, which is not an exception).
  bool echoed = false;
  for (const std::string& a : args)
    echoed = echoed || a.find("[json.exception") != std::string::npos;
  const std::string msg = err.str();
  if (!echoed && msg.find("[json.exception") != std::string::npos)
    fail("a nlohmann exception reached the user", msg);
  return 0;
}
