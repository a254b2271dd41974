#include <unistd.h>

#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  // Progress lines only make sense on a terminal; logs and pipes get the final report alone.
  bool progress = isatty(STDERR_FILENO) != 0;
  return pathwise::cli::run(args, std::cout, std::cerr, progress);
}
