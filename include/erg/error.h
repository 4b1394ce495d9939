// erg/error.h — errors as values.
//
// The library never prints and never exits: every operation that can fail on user input returns a
// Result<T>, which holds either a value or an Error. Front ends (the CLI) decide how to print an
// Error and which exit status to use (2 for bad input).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace erg {

// A user-facing error. `message` is a complete sentence naming the offending field; `file`,
// `line`, `column` and `source_line` locate it when the input came from a file (line/column are
// 1-based, 0 when unknown).
struct Error {
  std::string message;
  std::string file;
  int line = 0;
  int column = 0;
  std::string source_line;

  // "file:line:col: message" followed, when known, by the offending line and a caret.
  std::string to_string() const;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  // REQUIRES: ok()
  const T& value() const& { return std::get<T>(v_); }
  T& value() & { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }
  // REQUIRES: !ok()
  const Error& error() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result for operations with no value.
struct Ok {};
using Status = Result<Ok>;

inline Error make_error(std::string message) { return Error{std::move(message), {}, 0, 0, {}}; }

// The closest candidate to `word` by edit distance (case-insensitive), if it is close enough to be
// a plausible misspelling; used for "did you mean …" hints.
std::optional<std::string> closest_match(const std::string& word,
                                         const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" — ready to append to a message.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// Checked 64-bit arithmetic for counts. Return nullopt on overflow.
std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b);
std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b);

}  // namespace erg
