// Simulation mode (erg/simulate.h): exact non-skipped MACs and exact compressed bits.
//
// The walk of a compressed level follows the reference evaluator's rules (erg/cost_model.h) but
// never visits MACs: a child's tile — and the union of the tiles of one parent's children — is a
// product of per-dimension value sets (a tile is a box of the loop nest; an input's rows are the
// sums p·stride + r·dilation of its P and R values), so each step's transfers are enumerated
// straight from those sets, in storage order, and membership in the previous tile is a lookup per
// coordinate. Steps in which no loop that moves the tensor advanced repeat the previous tiles and
// are skipped.
#include "erg/simulate.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cmath>
#include <functional>
#include <iterator>

#include "model/nest.h"

namespace erg {

using detail::FlatLoop;
using detail::Nest;

const std::vector<std::uint8_t>& LayerData::of(Tensor t) const {
  return t == Tensor::Weights ? weights : t == Tensor::Inputs ? inputs : outputs;
}
std::vector<std::uint8_t>& LayerData::of(Tensor t) {
  return t == Tensor::Weights ? weights : t == Tensor::Inputs ? inputs : outputs;
}

Status check_layer_data(const Layer& layer, const LayerData& data) {
  for (Tensor t : kAllTensors) {
    if (data.of(t).size() != layer.size(t))
      return make_error(fmt::format("layer '{}': {} data has {} elements, the layer's {} have {}",
                                    layer.name(), tensor_name(t), data.of(t).size(), tensor_name(t),
                                    layer.size(t)));
  }
  return Ok{};
}

namespace {

double fraction_nonzero(const std::vector<std::uint8_t>& v) {
  if (v.empty()) return 0;
  std::uint64_t n = 0;
  for (auto x : v) n += x != 0;
  return static_cast<double>(n) / static_cast<double>(v.size());
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// Set bits of words[] in bit positions [from, to).
std::uint64_t popcount_range(const std::uint64_t* words, std::int64_t from, std::int64_t to) {
  if (from >= to) return 0;
  const std::int64_t wf = from >> 6, wt = (to - 1) >> 6;
  const std::uint64_t first = ~std::uint64_t{0} << (from & 63);
  const std::uint64_t last = ~std::uint64_t{0} >> (63 - ((to - 1) & 63));
  if (wf == wt) return static_cast<std::uint64_t>(std::popcount(words[wf] & first & last));
  std::uint64_t n = static_cast<std::uint64_t>(std::popcount(words[wf] & first));
  for (std::int64_t i = wf + 1; i < wt; ++i)
    n += static_cast<std::uint64_t>(std::popcount(words[i]));
  return n + static_cast<std::uint64_t>(std::popcount(words[wt] & last));
}

}  // namespace

MeasuredDensity measured_density(const LayerData& data) {
  return {fraction_nonzero(data.weights), fraction_nonzero(data.inputs),
          fraction_nonzero(data.outputs)};
}

std::uint64_t nonzero_macs(const Layer& layer, const LayerData& data) {
  const auto& b = layer.bounds();
  const std::int64_t N = b[0], G = b[1], M = b[2], C = b[3], P = b[4], Q = b[5], R = b[6], S = b[7];
  const std::int64_t H = layer.in_h(), W = layer.in_w();
  const std::int64_t sh = layer.stride_h(), sw = layer.stride_w();
  const std::int64_t dh = layer.dilation_h(), dw = layer.dilation_w();
  const std::int64_t pt = layer.pad_top(), pl = layer.pad_left();
  // Non-zero weights per (g, c, r, s), over the group's filters.
  std::vector<std::uint32_t> wcount(static_cast<std::size_t>(G * C * R * S), 0);
  for (std::int64_t g = 0; g < G; ++g)
    for (std::int64_t m = 0; m < M; ++m) {
      const std::uint8_t* w = data.weights.data() + ((g * M + m) * C) * R * S;
      std::uint32_t* out = wcount.data() + g * C * R * S;
      for (std::int64_t k = 0; k < C * R * S; ++k) out[k] += w[k] != 0;
    }
  // Each input plane as bit rows split by column residue mod the stride: the columns a filter
  // column s meets, q·sw + s·dw − pl for q < Q, are then a contiguous bit range of one residue.
  std::vector<std::int64_t> residue_cols(static_cast<std::size_t>(sw));
  std::vector<std::int64_t> residue_words(static_cast<std::size_t>(sw));
  std::vector<std::int64_t> residue_base(static_cast<std::size_t>(sw) + 1, 0);
  for (std::int64_t k = 0; k < sw; ++k) {
    residue_cols[k] = k < W ? (W - k + sw - 1) / sw : 0;
    residue_words[k] = (residue_cols[k] + 63) / 64;
    residue_base[k + 1] = residue_base[k] + residue_words[k];
  }
  const std::int64_t row_words = residue_base[sw];
  std::vector<std::uint64_t> plane(static_cast<std::size_t>(H * row_words));
  std::uint64_t total = 0;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t g = 0; g < G; ++g)
      for (std::int64_t c = 0; c < C; ++c) {
        const std::uint8_t* x = data.inputs.data() + ((n * G + g) * C + c) * H * W;
        std::fill(plane.begin(), plane.end(), 0);
        bool any = false;
        for (std::int64_t h = 0; h < H; ++h)
          for (std::int64_t w = 0; w < W; ++w)
            if (x[h * W + w] != 0) {
              const std::int64_t k = w % sw, j = w / sw;
              plane[static_cast<std::size_t>(h * row_words + residue_base[k] + (j >> 6))] |=
                  std::uint64_t{1} << (j & 63);
              any = true;
            }
        if (!any) continue;
        const std::uint32_t* wc = wcount.data() + (g * C + c) * R * S;
        for (std::int64_t r = 0; r < R; ++r)
          for (std::int64_t s = 0; s < S; ++s) {
            const std::uint64_t nzw = wc[r * S + s];
            if (nzw == 0) continue;
            const std::int64_t off = s * dw - pl;
            const std::int64_t k = ((off % sw) + sw) % sw;
            const std::int64_t j0 = floor_div(off - k, sw);
            const std::int64_t from = std::max<std::int64_t>(j0, 0);
            const std::int64_t to = std::min<std::int64_t>(j0 + Q, residue_cols[k]);
            if (from >= to) continue;
            std::uint64_t window = 0;
            for (std::int64_t p = 0; p < P; ++p) {
              const std::int64_t h = p * sh + r * dh - pt;
              if (h < 0 || h >= H) continue;
              window += popcount_range(plane.data() + h * row_words + residue_base[k], from, to);
            }
            total += nzw * window;
          }
      }
  return total;
}

std::uint64_t nonzero_macs_brute_force(const Layer& layer, const LayerData& data) {
  const auto& b = layer.bounds();
  const std::int64_t N = b[0], G = b[1], M = b[2], C = b[3], P = b[4], Q = b[5], R = b[6], S = b[7];
  const std::int64_t H = layer.in_h(), W = layer.in_w();
  std::uint64_t total = 0;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t g = 0; g < G; ++g)
      for (std::int64_t m = 0; m < M; ++m)
        for (std::int64_t p = 0; p < P; ++p)
          for (std::int64_t q = 0; q < Q; ++q)
            for (std::int64_t c = 0; c < C; ++c)
              for (std::int64_t r = 0; r < R; ++r)
                for (std::int64_t s = 0; s < S; ++s) {
                  const std::int64_t h =
                      p * layer.stride_h() + r * layer.dilation_h() - layer.pad_top();
                  const std::int64_t w =
                      q * layer.stride_w() + s * layer.dilation_w() - layer.pad_left();
                  if (h < 0 || h >= H || w < 0 || w >= W) continue;
                  const bool wz = data.weights[static_cast<std::size_t>(
                                      (((g * M + m) * C + c) * R + r) * S + s)] != 0;
                  const bool xz = data.inputs[static_cast<std::size_t>(
                                      (((n * G + g) * C + c) * H + h) * W + w)] != 0;
                  total += wz && xz;
                }
  return total;
}

void add_transfer(AccessBits& bits, std::span<const std::int64_t> elements,
                  const std::vector<std::uint8_t>& nonzero, int rle_run_bits) {
  const std::int64_t limit = (std::int64_t{1} << rle_run_bits) - 1;
  std::int64_t run = 0;
  for (auto e : elements) {
    const bool nz = nonzero[static_cast<std::size_t>(e)] != 0;
    ++bits.events;
    if (nz) {
      ++bits.nonzero;
      ++bits.rle_words;
      run = 0;
    } else if (run == limit) {
      ++bits.rle_words;  // the run is full: this zero is the code word's value
      run = 0;
    } else {
      ++run;
    }
  }
  if (run > 0) ++bits.rle_words;
}

double access_bits(const AccessBits& a, Compression c, int bits, int rle_run_bits) {
  switch (c) {
    case Compression::None:
      return static_cast<double>(a.events) * bits;
    case Compression::SigMap:
      return static_cast<double>(a.events) + static_cast<double>(a.nonzero) * bits;
    case Compression::RunLength:
      return static_cast<double>(a.rle_words) * (rle_run_bits + bits);
  }
  return static_cast<double>(a.events) * bits;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Tiles as products of value sets.

constexpr int kCoords = 5;  // a tensor's storage coordinates

// A set of values as sorted, disjoint, non-adjacent half-open stretches [lo, hi).
using Stretch = std::pair<std::int64_t, std::int64_t>;
using Stretches = std::vector<Stretch>;

std::uint64_t length(const Stretches& s) {
  std::uint64_t n = 0;
  for (const auto& [lo, hi] : s) n += static_cast<std::uint64_t>(hi - lo);
  return n;
}

bool contains(const Stretches& s, std::int64_t v) {
  auto it = std::upper_bound(s.begin(), s.end(), v,
                             [](std::int64_t x, const Stretch& st) { return x < st.first; });
  return it != s.begin() && v < std::prev(it)->second;
}

void intersect(const Stretches& a, const Stretches& b, Stretches& out) {
  out.clear();
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const std::int64_t lo = std::max(a[i].first, b[j].first);
    const std::int64_t hi = std::min(a[i].second, b[j].second);
    if (lo < hi) out.emplace_back(lo, hi);
    if (a[i].second < b[j].second)
      ++i;
    else
      ++j;
  }
}

// Values (in any order, duplicates allowed) as stretches.
void to_stretches(std::vector<std::int64_t>& values, Stretches& out) {
  out.clear();
  std::sort(values.begin(), values.end());
  for (std::size_t k = 0; k < values.size();) {
    std::size_t m = k + 1;
    while (m < values.size() && values[m] <= values[m - 1] + 1) ++m;
    out.emplace_back(values[k], values[m - 1] + 1);
    k = m;
  }
}

// A set of tensor elements that is a product of per-coordinate value sets.
struct Tile {
  std::array<Stretches, kCoords> c;
  bool empty() const {
    for (const auto& v : c)
      if (v.empty()) return true;
    return false;
  }
  std::uint64_t size() const {
    std::uint64_t n = 1;
    for (const auto& v : c) n *= length(v);
    return n;
  }
  bool has(const std::array<std::int64_t, kCoords>& x) const {
    for (int k = 0; k < kCoords; ++k)
      if (!contains(c[k], x[k])) return false;
    return true;
  }
  void clear() {
    for (auto& v : c) v.clear();
  }
};

// Calls fn(v) for every value of a stretch list, in order.
template <class Fn>
void for_each_value(const Stretches& s, Fn&& fn) {
  for (const auto& [lo, hi] : s)
    for (std::int64_t v = lo; v < hi; ++v) fn(v);
}

// Calls fn(begin, end, inside_other) for the elements of `t` in storage order, as maximal ranges
// of consecutive element indices with the same inside_other (whether they also lie in `other`;
// null: never).
template <class Fn>
void for_each_range(const Tile& t, const std::array<std::int64_t, kCoords>& extent,
                    const Tile* other, Fn&& fn) {
  if (t.empty()) return;
  std::int64_t rb = -1, re = -1;
  bool rin = false;
  auto emit = [&](std::int64_t b, std::int64_t e, bool in) {
    if (b >= e) return;
    if (rb >= 0 && b == re && in == rin) {
      re = e;
      return;
    }
    if (rb >= 0) fn(rb, re, rin);
    rb = b;
    re = e;
    rin = in;
  };
  Stretches inside;
  if (other) intersect(t.c[4], other->c[4], inside);
  for_each_value(t.c[0], [&](std::int64_t i0) {
    const bool o0 = other && contains(other->c[0], i0);
    for_each_value(t.c[1], [&](std::int64_t i1) {
      const bool o1 = o0 && contains(other->c[1], i1);
      const std::int64_t b1 = i0 * extent[1] + i1;
      for_each_value(t.c[2], [&](std::int64_t i2) {
        const bool o2 = o1 && contains(other->c[2], i2);
        const std::int64_t b2 = b1 * extent[2] + i2;
        for_each_value(t.c[3], [&](std::int64_t i3) {
          const bool o3 = o2 && contains(other->c[3], i3);
          const std::int64_t b3 = (b2 * extent[3] + i3) * extent[4];
          if (!o3) {
            for (const auto& [lo, hi] : t.c[4]) emit(b3 + lo, b3 + hi, false);
            return;
          }
          // Split each stretch by the parts inside `other`.
          std::size_t k = 0;
          for (const auto& [lo, hi] : t.c[4]) {
            std::int64_t at = lo;
            while (k < inside.size() && inside[k].second <= at) ++k;
            for (std::size_t m = k; m < inside.size() && inside[m].first < hi; ++m) {
              emit(b3 + at, b3 + inside[m].first, false);
              emit(b3 + inside[m].first, b3 + inside[m].second, true);
              at = inside[m].second;
            }
            emit(b3 + at, b3 + hi, false);
          }
        });
      });
    });
  });
  if (rb >= 0) fn(rb, re, rin);
}

// Calls fn(element, inside_other) for every element of `t` in storage order (other null: never
// inside): for_each_range, element by element.
template <class Fn>
void for_each_element(const Tile& t, const std::array<std::int64_t, kCoords>& extent,
                      const Tile* other, Fn&& fn) {
  for_each_range(t, extent, other, [&](std::int64_t b, std::int64_t e, bool inside) {
    for (std::int64_t x = b; x < e; ++x) fn(x, inside);
  });
}

// Streams the elements of one transfer (in storage order) into AccessBits: events and non-zeros
// always, run-length code words only for a level that codes run-length (0 elsewhere).
class TransferCoder {
 public:
  TransferCoder(const std::vector<std::uint8_t>& nz, int run_bits, bool rle)
      : nz_(nz.data()), limit_((std::int64_t{1} << run_bits) - 1), rle_(rle) {}
  void begin(AccessBits* out) {
    out_ = out;
    run_ = 0;
  }
  void push(std::int64_t e) {
    ++out_->events;
    const bool nz = nz_[e] != 0;
    out_->nonzero += nz;
    if (rle_) step(nz);
  }
  // Elements [b, e), in order.
  void push_range(std::int64_t b, std::int64_t e) {
    out_->events += static_cast<std::uint64_t>(e - b);
    out_->nonzero += count(b, e);
    if (rle_)
      for (std::int64_t i = b; i < e; ++i) step(nz_[i] != 0);
  }
  void end() {
    if (rle_ && run_ > 0) ++out_->rle_words;
    run_ = 0;
  }
  // Elements moved as single words (each its own transfer).
  void single(AccessBits& out, std::int64_t e, std::uint64_t times = 1) {
    out.events += times;
    if (rle_) out.rle_words += times;
    if (nz_[e] != 0) out.nonzero += times;
  }
  void single_range(AccessBits& out, std::int64_t b, std::int64_t e) {
    const auto n = static_cast<std::uint64_t>(e - b);
    out.events += n;
    if (rle_) out.rle_words += n;
    out.nonzero += count(b, e);
  }

 private:
  std::uint64_t count(std::int64_t b, std::int64_t e) const {
    std::uint64_t n = 0;  // bytes are 0 or 1: a sum the compiler vectorises
    for (std::int64_t i = b; i < e; ++i) n += nz_[i];
    return n;
  }
  void step(bool nz) {
    if (nz || run_ == limit_) {
      ++out_->rle_words;  // a value ends a word; so does a zero that fills the run field
      run_ = 0;
    } else {
      ++run_;
    }
  }
  const std::uint8_t* nz_;
  std::int64_t limit_;
  bool rle_;
  AccessBits* out_ = nullptr;
  std::int64_t run_ = 0;
};

// Sizes and non-zero counts of product sets of one tensor's elements, without visiting them:
// the mask is bit-packed with one coordinate innermost (built the first time that coordinate is
// the best one), so a set's count is a popcount over each stretch of consecutive values of that
// coordinate, for every combination of the other four.
class NonzeroCounter {
 public:
  NonzeroCounter(const std::vector<std::uint8_t>& nz, const std::array<std::int64_t, kCoords>& e)
      : nz_(nz), extent_(e) {}

  struct Count {
    std::uint64_t size = 0, nonzero = 0;
  };

  // The set a ∩ b (b null: a).
  Count count(const Tile& a, const Tile* b) {
    if (b == nullptr) return count(a);
    for (int k = 0; k < kCoords; ++k) {
      intersect(a.c[k], b->c[k], both_.c[k]);
      if (both_.c[k].empty()) return {};
    }
    return count(both_);
  }

  Count count(const Tile& t) {
    Count out;
    if (t.empty()) return out;
    out.size = t.size();
    const auto& stretches = t.c;
    std::array<std::uint64_t, kCoords> len;
    for (int k = 0; k < kCoords; ++k) len[k] = length(t.c[k]);
    // Storage order first: trailing coordinates that cover their whole extent merge with the
    // last one that does not, so a set of whole rows is a few long bit ranges.
    int lead = kCoords - 1;
    std::int64_t tail = 1;
    auto full = [&](int k) { return static_cast<std::int64_t>(len[k]) == extent_[k]; };
    while (lead > 0 && full(lead)) tail *= extent_[lead--];
    double storage_combos = 1;
    for (int j = 0; j < lead; ++j) storage_combos *= static_cast<double>(len[j]);
    const double storage_cost = storage_combos * (static_cast<double>(stretches[lead].size()) +
                                                  static_cast<double>(len[lead] * tail) / 64.0);
    // Another coordinate innermost needs its own packing, whose writes scatter: only for
    // tensors that stay in cache, and only when it saves most of the work.
    int best = -1;
    double best_cost = storage_cost / 4;
    if (nz_.size() <= (std::size_t{1} << 22)) {
      for (int k = 0; k + 1 < kCoords; ++k) {
        double combos = 1;
        for (int j = 0; j < kCoords; ++j)
          if (j != k) combos *= static_cast<double>(len[j]);
        const double cost = combos * (static_cast<double>(stretches[k].size()) + len[k] / 64.0);
        if (cost < best_cost) {
          best = k;
          best_cost = cost;
        }
      }
    }
    if (best < 0) {
      const std::vector<std::uint64_t>& bits = axis(kCoords - 1);
      // Combinations of the coordinates before `lead`, then lead's stretches × tail.
      values_.resize(static_cast<std::size_t>(lead));
      for (int k = 0; k < lead; ++k) {
        values_[k].clear();
        for_each_value(t.c[k], [&](std::int64_t v) { values_[k].push_back(v); });
      }
      std::array<std::size_t, kCoords> pos{};
      while (true) {
        std::int64_t row = 0;
        for (int k = 0; k < lead; ++k) row = row * extent_[k] + values_[k][pos[k]];
        const std::int64_t base = row * extent_[lead] * tail;
        for (const auto& [lo, hi] : stretches[lead])
          out.nonzero += popcount_range(bits.data(), base + lo * tail, base + hi * tail);
        int k = lead - 1;
        while (k >= 0 && ++pos[k] == values_[k].size()) pos[k--] = 0;
        if (k < 0) break;
      }
      return out;
    }
    const std::vector<std::uint64_t>& bits = axis(best);
    const std::int64_t ek = extent_[best];
    // The other coordinates, in storage order, and their extents.
    values_.resize(4);
    std::array<const std::vector<std::int64_t>*, 4> other;
    std::array<std::int64_t, 4> oe;
    for (int k = 0, o = 0; k < kCoords; ++k)
      if (k != best) {
        values_[o].clear();
        for_each_value(t.c[k], [&](std::int64_t v) { values_[o].push_back(v); });
        other[o] = &values_[o];
        oe[o] = extent_[k];
        ++o;
      }
    for (auto a : *other[0])
      for (auto b : *other[1]) {
        const std::int64_t ab = a * oe[1] + b;
        for (auto c : *other[2]) {
          const std::int64_t abc = ab * oe[2] + c;
          for (auto d : *other[3]) {
            const std::int64_t base = (abc * oe[3] + d) * ek;
            for (const auto& [lo, hi] : stretches[best])
              out.nonzero += popcount_range(bits.data(), base + lo, base + hi);
          }
        }
      }
    return out;
  }

 private:
  const std::vector<std::uint64_t>& axis(int k) {
    std::vector<std::uint64_t>& bits = bits_[k];
    if (built_[k]) return bits;
    built_[k] = true;
    bits.assign((nz_.size() + 63) / 64 + 1, 0);
    const auto& e = extent_;
    if (k == kCoords - 1) {  // storage order: pack 64 bytes per word, without branches
      const std::size_t n = nz_.size();
      const std::uint8_t* src = nz_.data();
      std::size_t w = 0;
#if defined(__SSE2__)
      const __m128i zero = _mm_setzero_si128();
      for (; w * 64 + 64 <= n; ++w) {
        std::uint64_t v = 0;
        for (int q = 0; q < 4; ++q) {
          const __m128i x =
              _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + w * 64 + 16 * q));
          const int zeros = _mm_movemask_epi8(_mm_cmpeq_epi8(x, zero));
          v |= static_cast<std::uint64_t>(~zeros & 0xFFFF) << (16 * q);
        }
        bits[w] = v;
      }
#endif
      for (; w * 64 < n; ++w) {
        const std::size_t end = std::min(n, w * 64 + 64);
        std::uint64_t v = 0;
        for (std::size_t i = w * 64; i < end; ++i)
          v |= static_cast<std::uint64_t>(src[i] != 0) << (i & 63);
        bits[w] = v;
      }
      return bits;
    }
    // Row of an element: its other coordinates in storage order; position row·e_k + its own. The
    // position is linear in the coordinates: walk them in storage order with these strides.
    std::array<std::int64_t, kCoords> stride{};
    std::int64_t running = e[k];
    for (int j = kCoords - 1; j >= 0; --j) {
      if (j == k) continue;
      stride[j] = running;
      running *= e[j];
    }
    stride[k] = 1;
    const std::uint8_t* src = nz_.data();
    std::uint64_t* dst = bits.data();
    for (std::int64_t i0 = 0; i0 < e[0]; ++i0)
      for (std::int64_t i1 = 0; i1 < e[1]; ++i1)
        for (std::int64_t i2 = 0; i2 < e[2]; ++i2)
          for (std::int64_t i3 = 0; i3 < e[3]; ++i3) {
            std::int64_t pos = i0 * stride[0] + i1 * stride[1] + i2 * stride[2] + i3 * stride[3];
            for (std::int64_t i4 = 0; i4 < e[4]; ++i4, ++src, pos += stride[4])
              dst[pos >> 6] |= static_cast<std::uint64_t>(*src != 0) << (pos & 63);
          }
    return bits;
  }

  const std::vector<std::uint8_t>& nz_;
  std::array<std::int64_t, kCoords> extent_;
  std::array<std::vector<std::uint64_t>, kCoords> bits_;
  std::array<bool, kCoords> built_{};
  Tile both_;
  std::vector<std::vector<std::int64_t>> values_;
};

// The geometry shared by the walks of one layer and nest.
class Geometry {
 public:
  Geometry(const Layer& layer, const Nest& nest) : layer_(layer), nest_(nest) {
    for (Tensor t : kAllTensors) extent_[static_cast<int>(t)] = extent_of(t);
  }

  const std::array<std::int64_t, kCoords>& extent(Tensor t) const {
    return extent_[static_cast<int>(t)];
  }

  // The sums of idx·stride over `loops`, per layer dimension, as stretches.
  std::array<Stretches, kNumDims> offsets(const std::vector<int>& loops) const {
    std::array<std::vector<std::int64_t>, kNumDims> o;
    for (auto& v : o) v = {0};
    for (int l : loops) {
      const FlatLoop& f = nest_.loops[l];
      auto& v = o[static_cast<int>(f.dim)];
      std::vector<std::int64_t> next;
      next.reserve(v.size() * static_cast<std::size_t>(f.factor));
      for (std::int64_t i = 0; i < f.factor; ++i)
        for (auto x : v) next.push_back(x + i * f.stride);
      std::sort(next.begin(), next.end());
      next.erase(std::unique(next.begin(), next.end()), next.end());
      v = std::move(next);
    }
    std::array<Stretches, kNumDims> out;
    for (int d = 0; d < kNumDims; ++d) to_stretches(o[d], out[d]);
    return out;
  }

  // The tile of tensor t at per-dimension bases with the given offsets. `dims` is scratch.
  void tile(Tensor t, const std::array<std::int64_t, kNumDims>& base,
            const std::array<Stretches, kNumDims>& off, std::array<Stretches, kNumDims>& dims,
            Tile& out) const {
    for (int d = 0; d < kNumDims; ++d) {
      dims[d].clear();
      const std::int64_t bound = nest_.bound[d];
      for (const auto& [lo, hi] : off[d]) {
        const std::int64_t a = base[d] + lo, b = std::min(base[d] + hi, bound);
        if (a >= bound) break;
        dims[d].emplace_back(a, b);
      }
      if (dims[d].empty()) {
        out.clear();
        return;
      }
    }
    auto D = [&](Dim d) -> const Stretches& { return dims[static_cast<int>(d)]; };
    switch (t) {
      case Tensor::Weights:
        out.c[0] = D(Dim::G);
        out.c[1] = D(Dim::M);
        out.c[2] = D(Dim::C);
        out.c[3] = D(Dim::R);
        out.c[4] = D(Dim::S);
        break;
      case Tensor::Outputs:
        out.c[0] = D(Dim::N);
        out.c[1] = D(Dim::G);
        out.c[2] = D(Dim::M);
        out.c[3] = D(Dim::P);
        out.c[4] = D(Dim::Q);
        break;
      case Tensor::Inputs:
        out.c[0] = D(Dim::N);
        out.c[1] = D(Dim::G);
        out.c[2] = D(Dim::C);
        sums(D(Dim::P), D(Dim::R), layer_.stride_h(), layer_.dilation_h(), layer_.pad_top(),
             layer_.in_h(), out.c[3]);
        sums(D(Dim::Q), D(Dim::S), layer_.stride_w(), layer_.dilation_w(), layer_.pad_left(),
             layer_.in_w(), out.c[4]);
        break;
    }
  }

 private:
  std::array<std::int64_t, kCoords> extent_of(Tensor t) const {
    const auto& b = nest_.bound;
    auto B = [&](Dim d) { return b[static_cast<int>(d)]; };
    switch (t) {
      case Tensor::Weights:
        return {B(Dim::G), B(Dim::M), B(Dim::C), B(Dim::R), B(Dim::S)};
      case Tensor::Inputs:
        return {B(Dim::N), B(Dim::G), B(Dim::C), layer_.in_h(), layer_.in_w()};
      case Tensor::Outputs:
        return {B(Dim::N), B(Dim::G), B(Dim::M), B(Dim::P), B(Dim::Q)};
    }
    return {};
  }

  // {p·u + r·d − pad} ∩ [0, n) as stretches. The sums of two stretches are one stretch when one
  // step is 1 and the other stretch spans its step (or either is a single value); otherwise they
  // are listed.
  void sums(const Stretches& ps, const Stretches& rs, std::int64_t u, std::int64_t d,
            std::int64_t pad, std::int64_t n, Stretches& out) const {
    Stretches& parts = sum_parts_;
    parts.clear();
    for (const auto& [p0, p1] : ps)
      for (const auto& [r0, r1] : rs) {
        const std::int64_t lp = p1 - p0, lr = r1 - r0;
        const bool one = (lp == 1 && (lr == 1 || d == 1)) || (lr == 1 && u == 1) ||
                         (u == 1 && lp >= d) || (d == 1 && lr >= u);
        if (one) {
          parts.emplace_back(p0 * u + r0 * d - pad, (p1 - 1) * u + (r1 - 1) * d - pad + 1);
          continue;
        }
        for (std::int64_t p = p0; p < p1; ++p)
          for (std::int64_t r = r0; r < r1; ++r)
            parts.emplace_back(p * u + r * d - pad, p * u + r * d - pad + 1);
      }
    std::sort(parts.begin(), parts.end());
    out.clear();
    for (auto [a, b] : parts) {
      a = std::max<std::int64_t>(a, 0);
      b = std::min(b, n);
      if (a >= b) continue;
      if (!out.empty() && a <= out.back().second)
        out.back().second = std::max(out.back().second, b);
      else
        out.emplace_back(a, b);
    }
  }
  mutable Stretches sum_parts_;

  const Layer& layer_;
  const Nest& nest_;
  std::array<std::array<std::int64_t, kCoords>, kNumTensors> extent_{};
};

// An odometer over a list of loops (last fastest).
class Odometer {
 public:
  Odometer(const Nest& nest, std::vector<int> loops) : nest_(nest), loops_(std::move(loops)) {
    idx_.assign(loops_.size(), 0);
  }
  // Advances; returns the position of the outermost loop that changed, or -1 when done.
  int next() {
    for (int j = static_cast<int>(loops_.size()) - 1; j >= 0; --j) {
      if (++idx_[j] < nest_.loops[loops_[j]].factor) return j;
      idx_[j] = 0;
    }
    return -1;
  }
  void reset() { std::fill(idx_.begin(), idx_.end(), 0); }
  void add_to(std::array<std::int64_t, kNumDims>& base) const {
    for (std::size_t j = 0; j < loops_.size(); ++j) {
      const FlatLoop& f = nest_.loops[loops_[j]];
      base[static_cast<int>(f.dim)] += idx_[j] * f.stride;
    }
  }
  std::uint64_t count() const {
    std::uint64_t n = 1;
    for (int l : loops_) n *= static_cast<std::uint64_t>(nest_.loops[l].factor);
    return n;
  }
  const std::vector<int>& loops() const { return loops_; }

 private:
  const Nest& nest_;
  std::vector<int> loops_;
  std::vector<std::int64_t> idx_;
};

// Simulated access bits of one layer, filled level pair by level pair.
struct Walk {
  const Layer& layer;
  const Arch& arch;
  const Nest& nest;
  const LayerData& data;
  const Geometry& geo;
  std::vector<std::array<TensorBits, kNumTensors>>& bits;
  std::uint64_t work = 0;
  std::uint64_t max_work = 0;

  bool compressed(int level, Tensor t) const {
    return arch.levels[level].compression[static_cast<int>(t)] != Compression::None;
  }
  bool run_length(int level, Tensor t) const {
    return arch.levels[level].compression[static_cast<int>(t)] == Compression::RunLength;
  }
  int run_bits(int level) const { return arch.levels[level].rle_run_bits; }

  // Loops that can change tensor t's tiles: those of its dimensions, and those of any dimension
  // whose factors overshoot its bound (their last iterations leave points outside the layer).
  std::vector<bool> moving(Tensor t) const {
    std::array<std::int64_t, kNumDims> span;
    span.fill(1);
    for (const auto& l : nest.loops) span[static_cast<int>(l.dim)] *= l.factor;
    std::vector<bool> m(nest.loops.size());
    for (std::size_t i = 0; i < nest.loops.size(); ++i) {
      const Dim d = nest.loops[i].dim;
      m[i] = is_relevant(t, d) || span[static_cast<int>(d)] > nest.bound[static_cast<int>(d)];
    }
    return m;
  }

  Status charge(std::uint64_t n) {
    work += n;
    if (work > max_work)
      return make_error(fmt::format(
          "simulating layer '{}' would visit more than {} elements: the mapping moves too much "
          "data through compressed levels",
          layer.name(), max_work));
    return Ok{};
  }

  std::vector<int> select(const std::function<bool(const FlatLoop&)>& pred) const {
    std::vector<int> v;
    for (int i = 0; i < static_cast<int>(nest.loops.size()); ++i)
      if (pred(nest.loops[i])) v.push_back(i);
    return v;
  }

  // Transfers between parent level a and child level i (adjacent levels keeping t).
  Status pair(Tensor t, int a, int i) {
    const bool parent_side = compressed(a, t);
    const bool child_side = compressed(i, t);
    if (!parent_side && !child_side) return Ok{};
    const int ti = static_cast<int>(t);
    const bool outputs = t == Tensor::Outputs;
    const auto& nz = data.of(t);
    const auto& extent = geo.extent(t);
    const std::vector<bool> mv = moving(t);
    std::vector<int> time = select([&](const FlatLoop& l) { return !l.spatial && l.level < i; });
    // Loops inside every moving loop never change a tile: drop them.
    while (!time.empty() && !mv[static_cast<std::size_t>(time.back())]) time.pop_back();
    const auto parent = select([&](const FlatLoop& l) { return l.spatial && l.level < a; });
    const auto sigma =
        select([&](const FlatLoop& l) { return l.spatial && l.level >= a && l.level < i; });
    const auto box = select([&](const FlatLoop& l) { return l.level >= i; });
    std::vector<int> sigma_box = sigma;
    sigma_box.insert(sigma_box.end(), box.begin(), box.end());
    const auto off_union = geo.offsets(sigma_box);
    const auto off_child = geo.offsets(box);

    Odometer steps(nest, time), parents(nest, parent), children(nest, sigma);
    const std::uint64_t n_parent = parents.count();
    const std::uint64_t n_sigma = children.count();
    const std::uint64_t n_elem = layer.size(t);
    if (auto st = charge(steps.count() + n_parent * (outputs ? n_elem / 8 : 0)); !st) return st;

    struct ParentState {
      Tile held;               // the union of its children's tiles
      std::vector<bool> seen;  // outputs: served before
    };
    std::vector<ParentState> ps(n_parent);
    for (auto& p : ps)
      if (outputs) p.seen.assign(n_elem, false);
    std::vector<Tile> cs(child_side ? n_parent * n_sigma : 0);  // each child's tile

    TensorBits& pb = bits[a][ti];
    TensorBits& cb = bits[i][ti];
    TransferCoder pcode(nz, run_bits(a), run_length(a, t)),
        ccode(nz, run_bits(i), run_length(i, t));
    AccessBits child_evictions, group_evictions;  // outputs: the hops are their difference
    // Significance-map levels need only sizes and non-zero counts: whole sets are counted, not
    // walked (run-length levels stream every element in storage order).
    NonzeroCounter counter(nz, extent);
    const bool parent_counts = parent_side && !run_length(a, t);
    // Adds |x \ y| and its non-zeros (y null: x) to `out`, as single words when `single`.
    // Sets for one destination are gathered before they are counted: the same set again
    // (re-read) multiplies, and a set that differs from the gathered one in a single coordinate,
    // with values all beyond it (the next C tile, say), joins it — the counts are additive over
    // disjoint sets, and one large set is counted far faster than many strided small ones.
    struct Pending {
      AccessBits* out = nullptr;
      bool rle_words = false;
      Tile set;
      std::uint64_t times = 0;
    };
    auto flush = [&](Pending& p) {
      if (p.times == 0) return;
      const auto c = counter.count(p.set);
      p.out->events += c.size * p.times;
      p.out->nonzero += c.nonzero * p.times;
      if (p.rle_words) p.out->rle_words += c.size * p.times;
      p.times = 0;
    };
    auto gather = [&](Pending& p, const Tile& x) {
      if (x.empty()) return;
      if (p.times > 0) {
        int differ = -1, count_differ = 0;
        for (int k = 0; k < kCoords; ++k)
          if (p.set.c[k] != x.c[k]) {
            differ = k;
            ++count_differ;
          }
        if (count_differ == 0) {
          ++p.times;
          return;
        }
        if (count_differ == 1 && p.times == 1 &&
            x.c[differ].front().first >= p.set.c[differ].back().second) {
          auto& v = p.set.c[differ];
          auto from = x.c[differ].begin();
          if (from->first == v.back().second) v.back().second = (from++)->second;
          v.insert(v.end(), from, x.c[differ].end());
          return;
        }
        flush(p);
      }
      p.set = x;
      p.times = 1;
    };
    Pending reads{&pb[AccessKind::Read], false, {}, 0},
        updates{&pb[AccessKind::Update], false, {}, 0},
        groups{&group_evictions, run_length(i, t), {}, 0};
    // Adds x \ y (y null: x) to a destination.
    auto add_difference = [&](Pending& p, const Tile& x, const Tile* y) {
      const auto common = y ? counter.count(x, y) : NonzeroCounter::Count{};
      if (common.size == 0) {
        gather(p, x);
        return;
      }
      const auto all = counter.count(x);
      p.out->events += all.size - common.size;
      p.out->nonzero += all.nonzero - common.nonzero;
      if (p.rle_words) p.out->rle_words += all.size - common.size;
    };
    std::array<Stretches, kNumDims> scratch;
    Tile now, tile;

    while (true) {
      std::array<std::int64_t, kNumDims> step_base{};
      steps.add_to(step_base);
      parents.reset();
      for (std::uint64_t pi = 0; pi < n_parent; ++pi, parents.next()) {
        std::array<std::int64_t, kNumDims> base = step_base;
        parents.add_to(base);
        ParentState& P = ps[pi];
        geo.tile(t, base, off_union, scratch, now);
        if (auto st = charge(1); !st) return st;
        // Entering elements (parent reads; outputs: re-fetched partial sums, which also fill
        // one child).
        if (!outputs) {
          if (parent_counts) {
            add_difference(reads, now, P.held.empty() ? nullptr : &P.held);
          } else if (parent_side) {
            pcode.begin(&pb[AccessKind::Read]);
            if (auto st = charge(now.size()); !st) return st;
            for_each_range(now, extent, &P.held, [&](std::int64_t b, std::int64_t e, bool had) {
              if (!had) pcode.push_range(b, e);
            });
            pcode.end();
          }
        } else {
          if (auto st = charge(now.size()); !st) return st;
          if (parent_side) pcode.begin(&pb[AccessKind::Read]);
          if (child_side) ccode.begin(&cb[AccessKind::Write]);
          for_each_range(now, extent, &P.held, [&](std::int64_t b, std::int64_t e, bool had) {
            if (had) return;
            for (std::int64_t x = b; x < e; ++x) {
              if (!P.seen[static_cast<std::size_t>(x)]) {
                P.seen[static_cast<std::size_t>(x)] = true;
                continue;
              }
              if (parent_side) pcode.push(x);
              if (child_side) ccode.push(x);
            }
          });
          if (parent_side) pcode.end();
          if (child_side) ccode.end();
        }
        // Children.
        if (child_side) {
          children.reset();
          for (std::uint64_t si = 0; si < n_sigma; ++si, children.next()) {
            std::array<std::int64_t, kNumDims> cbase = base;
            children.add_to(cbase);
            Tile& held = cs[pi * n_sigma + si];
            geo.tile(t, cbase, off_child, scratch, tile);
            if (auto st = charge(tile.size() + held.size()); !st) return st;
            if (!outputs) {
              // Fills; those some sibling held in the previous step arrive over the network.
              ccode.begin(&cb[AccessKind::Write]);
              for_each_element(tile, extent, &held, [&](std::int64_t e, bool had) {
                if (!had) ccode.push(e);
              });
              ccode.end();
              if (!P.held.empty()) {
                for_each_element(tile, extent, &held, [&](std::int64_t e, bool had) {
                  if (had) return;
                  std::array<std::int64_t, kCoords> x{};
                  std::int64_t rest = e;
                  for (int k = kCoords - 1; k >= 0; --k) {
                    x[k] = rest % extent[k];
                    rest /= extent[k];
                  }
                  if (P.held.has(x)) ccode.single(cb[AccessKind::Hop], e);
                });
              }
            } else {
              // Partial sums leaving the child: in its old tile, not in the new one.
              ccode.begin(&cb[AccessKind::Read]);
              for_each_element(held, extent, &tile, [&](std::int64_t e, bool in_new) {
                if (in_new) return;
                ccode.push(e);
                ccode.single(child_evictions, e);
              });
              ccode.end();
            }
            held = tile;
          }
        }
        // Leaving elements (outputs: reduced partial sums written back).
        if (outputs && !P.held.empty()) {
          if (parent_counts) add_difference(updates, P.held, &now);
          if (child_side) add_difference(groups, P.held, &now);
          if (parent_side && !parent_counts) {
            pcode.begin(&pb[AccessKind::Update]);
            if (auto st = charge(P.held.size()); !st) return st;
            for_each_range(P.held, extent, &now, [&](std::int64_t b, std::int64_t e, bool in_new) {
              if (!in_new) pcode.push_range(b, e);
            });
            pcode.end();
          }
        }
        P.held = now;
      }
      // Next step whose tiles can differ.
      int j;
      do {
        j = steps.next();
        if (j < 0) break;
        // The loops from j inwards changed; the walk moves on if any of them moves the tensor.
        bool any = false;
        for (std::size_t k = static_cast<std::size_t>(j); k < time.size() && !any; ++k)
          any = mv[static_cast<std::size_t>(time[k])];
        if (any) break;
      } while (true);
      if (j < 0) break;
    }
    flush(reads);
    if (outputs) {
      // Drain: everything still held goes back.
      for (std::uint64_t pi = 0; pi < n_parent; ++pi) {
        ParentState& P = ps[pi];
        if (child_side) {
          for (std::uint64_t si = 0; si < n_sigma; ++si) {
            const Tile& held = cs[pi * n_sigma + si];
            ccode.begin(&cb[AccessKind::Read]);
            for_each_element(held, extent, nullptr, [&](std::int64_t e, bool) {
              ccode.push(e);
              ccode.single(child_evictions, e);
            });
            ccode.end();
          }
        }
        if (parent_counts) add_difference(updates, P.held, nullptr);
        if (child_side) add_difference(groups, P.held, nullptr);
        if (parent_side && !parent_counts) {
          pcode.begin(&pb[AccessKind::Update]);
          for_each_range(P.held, extent, nullptr,
                         [&](std::int64_t b, std::int64_t e, bool) { pcode.push_range(b, e); });
          pcode.end();
        }
      }
      flush(updates);
      flush(groups);
      if (child_side) {
        AccessBits& h = cb[AccessKind::Hop];
        h.events += child_evictions.events - group_evictions.events;
        h.nonzero += child_evictions.nonzero - group_evictions.nonzero;
        h.rle_words += child_evictions.rle_words - group_evictions.rle_words;
      }
    }
    return Ok{};
  }

  // MAC-operand accesses under the innermost level keeping t (and, for outputs, the MAC-level
  // reductions counted as hops of the level below it).
  Status operands(Tensor t, int kj) {
    const int L = nest.num_levels;
    const bool outputs = t == Tensor::Outputs;
    const bool here = compressed(kj, t);
    const bool hops = outputs && kj + 1 < L && compressed(kj + 1, t);
    if (!here && !hops) return Ok{};
    const int ti = static_cast<int>(t);
    const auto& nz = data.of(t);
    const auto& extent = geo.extent(t);
    const std::vector<bool> mv = moving(t);
    std::vector<int> time = select([&](const FlatLoop& l) { return !l.spatial; });
    const auto inst = select([&](const FlatLoop& l) { return l.spatial && l.level < kj; });
    const auto units = select([&](const FlatLoop& l) { return l.spatial && l.level >= kj; });
    const auto off = geo.offsets(units);
    Odometer steps(nest, time), insts(nest, inst);
    if (auto st = charge(steps.count() * insts.count()); !st) return st;
    TransferCoder code(nz, run_bits(kj), run_length(kj, t));
    // MAC-level reductions are hops of the level below: single words coded as that level codes.
    TransferCoder hop_code(nz, run_bits(kj), hops && run_length(kj + 1, t));
    std::array<Stretches, kNumDims> scratch;
    Tile tile;
    // Per step, what the previous step of the same instances added (repeated while no moving
    // loop advances).
    TensorBits step_bits;
    AccessBits step_hops;
    bool dirty = true;
    while (true) {
      if (dirty) {
        step_bits = {};
        step_hops = {};
        std::array<std::int64_t, kNumDims> step_base{};
        steps.add_to(step_base);
        insts.reset();
        for (std::uint64_t n = insts.count(); n > 0; --n, insts.next()) {
          std::array<std::int64_t, kNumDims> base = step_base;
          insts.add_to(base);
          geo.tile(t, base, off, scratch, tile);
          if (auto st = charge(tile.size()); !st) return st;
          if (tile.empty()) continue;
          // Products per element: the valid unit values of the dimensions it does not index.
          std::uint64_t mult = 1;
          for (int d = 0; d < kNumDims; ++d)
            if (!is_relevant(t, static_cast<Dim>(d))) mult *= length(scratch[d]);
          for_each_element(tile, extent, nullptr, [&](std::int64_t e, bool) {
            code.single(step_bits[AccessKind::Read], e);
            if (outputs) {
              code.single(step_bits[AccessKind::Update], e);
              if (mult > 1) hop_code.single(step_hops, e, mult - 1);
            }
          });
        }
      }
      if (here) {
        for (AccessKind k : {AccessKind::Read, AccessKind::Update}) {
          AccessBits& dst = bits[kj][ti][k];
          dst.events += step_bits[k].events;
          dst.nonzero += step_bits[k].nonzero;
          dst.rle_words += step_bits[k].rle_words;
        }
      }
      if (hops) {
        AccessBits& dst = bits[kj + 1][ti][AccessKind::Hop];
        dst.events += step_hops.events;
        dst.nonzero += step_hops.nonzero;
        dst.rle_words += step_hops.rle_words;
      }
      const int j = steps.next();
      if (j < 0) break;
      dirty = false;
      for (std::size_t k = static_cast<std::size_t>(j); k < time.size() && !dirty; ++k)
        dirty = mv[static_cast<std::size_t>(time[k])];
    }
    return Ok{};
  }
};

}  // namespace

Result<std::vector<std::array<TensorBits, kNumTensors>>> compressed_bits(
    const Layer& layer, const Arch& arch, const Mapping& mapping, const LayerData& data,
    const SimulationLimits& limits) {
  if (auto st = validate_mapping(layer, arch, mapping); !st.ok()) return st.error();
  if (auto st = check_layer_data(layer, data); !st.ok()) return st.error();
  const Nest nest = detail::flatten(layer, mapping);
  std::vector<std::array<TensorBits, kNumTensors>> bits(
      static_cast<std::size_t>(arch.num_levels()));
  const Geometry geo(layer, nest);
  Walk walk{layer, arch, nest, data, geo, bits, 0, limits.max_work};
  for (Tensor t : kAllTensors) {
    const std::vector<int> keep = detail::keeping_levels(nest, t);
    for (std::size_t k = 1; k < keep.size(); ++k)
      if (auto st = walk.pair(t, keep[k - 1], keep[k]); !st.ok()) return st.error();
    if (auto st = walk.operands(t, keep.back()); !st.ok()) return st.error();
  }
  return bits;
}

Result<LayerSimulation> simulate_layer(const Layer& layer, const Arch& arch, const Mapping& mapping,
                                       const LayerData& data, const SimulationLimits& limits) {
  if (auto st = validate_mapping(layer, arch, mapping); !st.ok()) return st.error();
  if (auto st = check_layer_data(layer, data); !st.ok()) return st.error();
  LayerSimulation sim;
  sim.counts = analytical_counts(layer, arch, mapping);
  sim.nonzero_macs = nonzero_macs(layer, data);
  sim.density = measured_density(data);
  auto walked = compressed_bits(layer, arch, mapping, data, limits);
  if (!walked) return walked.error();
  sim.bits = std::move(walked).value();
  const int L = arch.num_levels();
  // Every level: uncompressed tensors move the analytical counts; compressed ones must have been
  // walked to the same counts.
  for (int lv = 0; lv < L; ++lv) {
    for (Tensor t : kAllTensors) {
      const int ti = static_cast<int>(t);
      const TensorAccess& a = sim.counts.levels[lv].tensor[ti];
      TensorBits& b = sim.bits[lv][ti];
      const std::array<std::uint64_t, kNumAccessKinds> dense = {a.reads, a.writes, a.updates,
                                                                a.hops};
      const bool walked = arch.levels[lv].compression[ti] != Compression::None;
      for (int k = 0; k < kNumAccessKinds; ++k) {
        if (!walked) {
          b.kind[k] = {dense[k], 0, 0};
        } else if (b.kind[k].events != dense[k]) {
          return make_error(fmt::format(
              "internal error: simulating layer '{}' moved {} {} of {} at {} ({} kind {}), the "
              "analytical model counts {}",
              layer.name(), b.kind[k].events, "accesses", tensor_name(t), arch.levels[lv].name,
              "access", k, dense[k]));
        }
      }
    }
  }
  // Energy from the bits (erg/cost_model.h's energy_from_counts with exact bits).
  Energy& e = sim.energy;
  e.storage.assign(static_cast<std::size_t>(L), {0, 0, 0});
  e.network.assign(static_cast<std::size_t>(L), {0, 0, 0});
  for (int lv = 0; lv < L; ++lv) {
    const StorageLevel& s = arch.levels[lv];
    for (Tensor t : kAllTensors) {
      const int ti = static_cast<int>(t);
      const int bits = layer.format(t).bits;
      const TensorBits& b = sim.bits[lv][ti];
      auto wb = [&](AccessKind k) {
        return access_bits(b[k], s.compression[ti], bits, s.rle_run_bits) / s.word_bits;
      };
      e.storage[lv][ti] = wb(AccessKind::Read) * s.read_energy +
                          wb(AccessKind::Write) * s.write_energy +
                          wb(AccessKind::Update) * s.update_energy;
      e.network[lv][ti] = wb(AccessKind::Hop) * s.hop_energy;
    }
  }
  const double ref = arch.compute.reference_bits;
  e.compute = static_cast<double>(sim.nonzero_macs) * arch.compute.mac_energy *
              (layer.format(Tensor::Weights).bits * layer.format(Tensor::Inputs).bits) /
              (ref * ref);
  e.compute_network = static_cast<double>(sim.counts.mac_hops) * arch.compute.hop_energy *
                      layer.format(Tensor::Outputs).bits / ref;
  // The analytical model with the measured densities.
  LayerSpec spec = layer.spec();
  spec.weights.density = sim.density.weights;
  spec.inputs.density = sim.density.inputs;
  spec.outputs.density = sim.density.outputs;
  auto measured = Layer::make(spec);
  if (!measured) return measured.error();
  sim.analytical = energy_from_counts(*measured, arch, sim.counts);
  return sim;
}

}  // namespace erg
