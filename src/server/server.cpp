// `erg serve` over HTTP (erg/server.h).
#include "erg/server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <thread>

#include "erg/api.h"
#include "server/assets.h"

namespace erg {

struct Server::Impl {
  ServerOptions options;
  httplib::Server http;
  ApiContext context;
  int port = -1;
};

Server::Server(const ServerOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.options = options;
  m.context.max_body = options.max_body;
  m.context.search_seconds = options.search_seconds;
  // A worker serves one connection for as long as it is kept alive, so the pool is larger than
  // the cores: idle keep-alive connections must not make others wait. Heavy work (a search) uses
  // the mapper's own threads.
  const unsigned threads = options.threads > 0
                               ? options.threads
                               : std::max(16u, 4 * std::thread::hardware_concurrency());
  m.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  m.http.set_payload_max_length(static_cast<std::size_t>(options.max_body));
  // Small JSON answers: without TCP_NODELAY a response written in two parts waits for the
  // client's delayed ACK (~40 ms a request); keep connections for many requests.
  m.http.set_tcp_nodelay(true);
  m.http.set_keep_alive_max_count(100);
  m.http.set_read_timeout(30, 0);
  m.http.set_write_timeout(30, 0);
  auto send = [](httplib::Response& res, const ApiResponse& r) {
    res.status = r.status;
    res.set_content(r.body, r.content_type.c_str());
  };
  // The page's own files, from the binary; any other path is a 404 (set_error_handler).
  m.http.Get(R"(/|/[a-z0-9_-]+\.(html|js|css|svg))",
             [](const httplib::Request& req, httplib::Response& res) {
               const Asset* a = find_asset(req.path);
               if (!a) {
                 res.status = 404;
                 return;
               }
               res.set_content(a->body.data(), a->body.size(), std::string(a->content_type));
               // The page runs only its own scripts; it fetches only this server.
               res.set_header("Content-Security-Policy",
                              "default-src 'self'; img-src 'self' data: blob:; "
                              "style-src 'self' 'unsafe-inline'; object-src 'none'; "
                              "base-uri 'none'; frame-ancestors 'none'");
               res.set_header("X-Content-Type-Options", "nosniff");
               res.set_header("Cache-Control", "no-cache");
             });
  m.http.Get("/api/zoo",
             [send](const httplib::Request&, httplib::Response& res) { send(res, api_zoo()); });
  m.http.Get(R"(/api/zoo/([A-Za-z0-9_.-]+))",
             [send](const httplib::Request& req, httplib::Response& res) {
               send(res, api_zoo_network(req.matches[1]));
             });
  m.http.Get("/api/archs",
             [send](const httplib::Request&, httplib::Response& res) { send(res, api_archs()); });
  m.http.Post("/api/estimate", [this, send](const httplib::Request& req, httplib::Response& res) {
    send(res, api_estimate(req.body, impl_->context));
  });
  m.http.Post("/api/estimate.svg",
              [this, send](const httplib::Request& req, httplib::Response& res) {
                send(res, api_estimate_svg(req.body, impl_->context));
              });
  m.http.Post("/api/estimate.csv",
              [this, send](const httplib::Request& req, httplib::Response& res) {
                send(res, api_estimate_csv(req.body, impl_->context));
              });
  m.http.Post("/api/import", [this, send](const httplib::Request& req, httplib::Response& res) {
    send(res, api_import(req.body, impl_->context, req.get_param_value("filename")));
  });
  // Every other status without a body (404, 405, 413 from the size limit, ...) gets a JSON one.
  m.http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message;
    switch (res.status) {
      case 404:
        message = fmt::format("no such route: {} {}", req.method, req.path);
        break;
      case 413:
        message =
            "the request is larger than the server's limit (erg serve --max-body-mb, default 64)";
        break;
      default:
        message = fmt::format("HTTP {}", res.status);
    }
    res.set_content(api_error(res.status, message).body, "application/json");
  });
  m.http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        res.status = 500;
        res.set_content(api_error(500, "internal error: " + what).body, "application/json");
      });
}

Server::~Server() { stop(); }

Status Server::bind() {
  Impl& m = *impl_;
  if (m.options.port < 0 || m.options.port > 65535)
    return make_error(fmt::format("--port must be in 0..65535, got {}", m.options.port));
  if (m.options.port == 0) {
    m.port = m.http.bind_to_any_port(m.options.host);
  } else {
    m.port = m.http.bind_to_port(m.options.host, m.options.port) ? m.options.port : -1;
  }
  if (m.port < 0)
    return make_error(
        fmt::format("cannot listen on {}:{} (in use, or not an address of this "
                    "machine)",
                    m.options.host, m.options.port));
  return Ok{};
}

int Server::port() const { return impl_->port; }

Status Server::run() {
  if (impl_->port < 0) {
    if (auto st = bind(); !st) return st;
  }
  if (!impl_->http.listen_after_bind()) return make_error("the server stopped with an error");
  return Ok{};
}

void Server::stop() {
  if (impl_ && impl_->http.is_running()) impl_->http.stop();
}

std::uint64_t Server::cache_hits() const { return impl_->context.cache.hits(); }
std::uint64_t Server::cache_searches() const { return impl_->context.cache.searches(); }

}  // namespace erg
