// Runs the built `erg` binary (path from the ERG_BINARY compile definition) with arguments and
// captures its exit status, stdout and stderr. Shared by the CLI tests and the CLI error tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

namespace erg::testing {

struct RunResult {
  int status = -1;  // exit status, or -1 if the process did not exit normally
  std::string out, err;
};

// Single-quotes an argument for /bin/sh.
inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

inline RunResult run_erg(const std::vector<std::string>& args) {
  char err_path[] = "/tmp/erg_cli_test_XXXXXX";
  const int fd = mkstemp(err_path);
  RunResult r;
  if (fd < 0) return r;
  close(fd);
  std::string cmd = shell_quote(ERG_BINARY);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " 2>" + shell_quote(err_path);
  FILE* p = popen(cmd.c_str(), "r");
  if (p != nullptr) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    const int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  std::ifstream f(err_path);
  std::stringstream ss;
  ss << f.rdbuf();
  r.err = ss.str();
  std::remove(err_path);
  return r;
}

}  // namespace erg::testing
