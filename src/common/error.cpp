#include "erg/error.h"

#include <algorithm>
#include <cctype>

#include "erg/text.h"

namespace erg {

std::string Error::to_string() const {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) {
      out += ':';
      out += std::to_string(line);
      if (column > 0) {
        out += ':';
        out += std::to_string(column);
      }
    }
    out += ": ";
  }
  out += message;
  if (!source_line.empty()) {
    out += "\n  ";
    out += source_line;
    if (column > 0) out += "\n  " + std::string(static_cast<std::size_t>(column - 1), ' ') + "^";
  }
  return out;
}

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      // A swap of two neighbouring letters ("nrl" for "nlr") is one typo, not two.
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    prev2 = prev;
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::optional<std::string> closest_match(const std::string& word,
                                         const std::vector<std::string>& candidates) {
  const std::string w = ascii_lower(word);
  std::optional<std::string> best;
  std::size_t best_d = 0;
  for (const auto& c : candidates) {
    const std::string lc = ascii_lower(c);
    std::size_t d = edit_distance(w, lc);
    // A prefix match ("alex" for "alexnet") is a strong hint too.
    if (!w.empty() && lc.rfind(w, 0) == 0) d = std::min<std::size_t>(d, 1);
    if (!best || d < best_d) {
      best = c;
      best_d = d;
    }
  }
  const std::size_t limit = std::max<std::size_t>(2, w.size() / 3);
  if (best && best_d <= limit && best_d < std::max(w.size(), best->size())) return best;
  return std::nullopt;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto m = closest_match(word, candidates);
  if (!m) return "";
  return " (did you mean '" + *m + "'?)";
}

std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

}  // namespace erg
