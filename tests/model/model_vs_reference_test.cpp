// The analytical model's counts equal the literal reference evaluator's, exactly.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "erg/cost_model.h"
#include "erg/reference_evaluator.h"
#include "model/random_cases.h"

namespace erg {
namespace {

using testing::counts_text;
using testing::env_or;

// 1200 cases by default; ERG_EQUALITY_CASES and ERG_EQUALITY_MAX_ITERATIONS run a larger sweep,
// e.g. ERG_EQUALITY_CASES=20000 ERG_EQUALITY_MAX_ITERATIONS=40000.
TEST(ModelVsReference, ThousandRandomCasesMatchExactly) {
  const std::uint64_t cases = env_or("ERG_EQUALITY_CASES", 1200);
  const std::uint64_t max_iterations = env_or("ERG_EQUALITY_MAX_ITERATIONS", 6000);
  std::uint64_t checked = 0;
  for (std::uint64_t seed = 1; seed <= cases; ++seed) {
    const testing::Case c = testing::random_case(seed, max_iterations);
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
  EXPECT_EQ(checked, cases);
  EXPECT_GE(checked, 1000u);
}

}  // namespace
}  // namespace erg
