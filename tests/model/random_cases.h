// Random small (layer, arch, mapping) cases for the model-vs-reference suites.
#pragma once

#include <random>
#include <string>

#include "erg/arch.h"
#include "erg/counts.h"
#include "erg/layer.h"
#include "erg/mapping.h"

namespace erg::testing {

struct Case {
  Layer layer;
  Arch arch;
  Mapping mapping;
};

// A random layer with small dimensions (stride, dilation, padding and groups included).
Layer random_layer(std::mt19937_64& rng);
// A random hierarchy of 2–4 levels with random meshes and bypass; capacities unbounded.
Arch random_arch(std::mt19937_64& rng);
// A random valid mapping: each dimension split over random levels, temporal or spatial, with
// random loop orders and occasional imperfect factors; keeps chosen at random among what the arch
// allows. `max_iterations` bounds the padded nest.
Mapping random_mapping(std::mt19937_64& rng, const Layer& layer, const Arch& arch,
                       std::uint64_t max_iterations);
Case random_case(std::uint64_t seed, std::uint64_t max_iterations = 6000);

std::string describe(const Case& c);

// Every count of a Counts, one line per (level, tensor), for failure messages.
std::string counts_text(const Counts& c);
// An unsigned integer from the environment (suite sizes for longer sweeps), or `fallback`.
std::uint64_t env_or(const char* name, std::uint64_t fallback);

}  // namespace erg::testing
