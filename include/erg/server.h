// erg/server.h — `erg serve`: the API of erg/api.h and the page, over HTTP (cpp-httplib, Debian's
// libcpp-httplib-dev). Binds to loopback unless told otherwise; serves only its own routes (no
// file-system paths from requests); a bounded pool of worker threads; a request size limit; a
// time limit on each request's search; one mapping cache shared by all requests (docs/api.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "erg/error.h"

namespace erg {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see Server::port)
  std::uint64_t max_body = std::uint64_t{64} << 20;
  unsigned threads = 0;  // worker threads; 0: 4 per core, at least 16 (one per open connection)
  double search_seconds = 30;
};

class Server {
 public:
  explicit Server(const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the socket; the port actually bound is port() afterwards.
  Status bind();
  int port() const;
  // Serves until stop() (from another thread or a signal handler's thread).
  Status run();
  void stop();
  // Mapping cache statistics (for tests and the log).
  std::uint64_t cache_hits() const;
  std::uint64_t cache_searches() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace erg
