// The analytical model's counts equal the literal reference evaluator's, exactly.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "erg/cost_model.h"
#include "erg/reference_evaluator.h"
#include "model/random_cases.h"

namespace erg {
namespace {

std::string counts_text(const Counts& c) {
  std::string s = fmt::format("macs {} mac_hops {} cycles {}\n", c.macs, c.mac_hops,
                              c.compute_cycles);
  for (std::size_t lv = 0; lv < c.levels.size(); ++lv)
    for (Tensor t : kAllTensors) {
      const auto& a = c.levels[lv].tensor[static_cast<int>(t)];
      s += fmt::format("  L{} {:<8} r {:>6} w {:>6} u {:>6} h {:>6}\n", lv, tensor_name(t), a.reads,
                       a.writes, a.updates, a.hops);
    }
  return s;
}

TEST(ModelVsReference, ThousandRandomCasesMatchExactly) {
  int checked = 0;
  for (std::uint64_t seed = 1; seed <= 1200; ++seed) {
    const testing::Case c = testing::random_case(seed);
    ASSERT_TRUE(validate_mapping(c.layer, c.arch, c.mapping).ok())
        << validate_mapping(c.layer, c.arch, c.mapping).error().message << "\n"
        << testing::describe(c);
    const Counts model = analytical_counts(c.layer, c.arch, c.mapping);
    auto ref = reference_counts(c.layer, c.arch, c.mapping);
    ASSERT_TRUE(ref.ok()) << ref.error().message;
    ASSERT_EQ(model, ref.value()) << "seed " << seed << "\n"
                                  << testing::describe(c) << "model:\n"
                                  << counts_text(model) << "reference:\n"
                                  << counts_text(ref.value());
    ++checked;
  }
  EXPECT_EQ(checked, 1200);
}

}  // namespace
}  // namespace erg
