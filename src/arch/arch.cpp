#include "erg/arch.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "erg/text.h"

namespace erg {

namespace {

// Products of meshes saturate instead of wrapping: validate() rejects such arches, and a
// saturated count is less misleading than a wrapped one if a caller skips validation.
std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  auto r = checked_mul(a, b);
  return r ? *r : std::numeric_limits<std::uint64_t>::max();
}

// Energies are relative to one MAC (DRAM is ~200): anything near the limits of a double would turn
// totals into inf or nan, so absurd values are refused.
constexpr double kMaxEnergy = 1e12;
bool valid_energy(double e) { return std::isfinite(e) && e >= 0.0 && e <= kMaxEnergy; }

// Words per cycle: a bandwidth below this would turn cycle counts into nonsense.
constexpr double kMinBandwidth = 1e-3;

// More MAC units than any real array, and more than the model's per-step sets stay small for.
constexpr std::uint64_t kMaxMacUnits = std::uint64_t{1} << 24;

}  // namespace

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::None:
      return "none";
    case Compression::SigMap:
      return "sigmap";
    case Compression::RunLength:
      return "rle";
  }
  return "none";
}

std::uint64_t Arch::instances(int level) const {
  std::uint64_t n = 1;
  const int last = std::min(level, num_levels() - 1);
  for (int i = 0; i <= last; ++i) n = saturating_mul(n, levels[i].instances_per_parent());
  return n;
}

std::uint64_t Arch::mac_units() const {
  const std::uint64_t per =
      static_cast<std::uint64_t>(compute.mesh_x) * static_cast<std::uint64_t>(compute.mesh_y);
  return saturating_mul(instances(num_levels() - 1), per);
}

Result<int> Arch::level_index(const std::string& name) const {
  const std::string want = ascii_lower(name);
  std::vector<std::string> names;
  for (int i = 0; i < num_levels(); ++i) {
    if (ascii_lower(levels[i].name) == want) return i;
    names.push_back(levels[i].name);
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  return make_error(fmt::format("no level named '{}' in arch '{}'{}; its levels are {}", name,
                                this->name, did_you_mean(name, names), list));
}

Status Arch::validate() const {
  auto fail = [&](const std::string& msg) -> Status {
    return make_error(fmt::format("arch '{}': {}", name, msg));
  };
  if (levels.empty()) return fail("it has no storage levels");
  if (levels.size() > static_cast<std::size_t>(kMaxArchLevels))
    return fail(fmt::format("it has {} storage levels; erg handles at most {}", levels.size(),
                            kMaxArchLevels));
  for (Tensor t : kAllTensors) {
    if (!levels[0].keeps[static_cast<int>(t)])
      return fail(fmt::format("the outermost level '{}' must keep every tensor, but not {}",
                              levels[0].name, tensor_name(t)));
  }
  std::uint64_t instances = 1;
  for (int i = 0; i < num_levels(); ++i) {
    const StorageLevel& l = levels[i];
    const std::string who =
        l.name.empty() ? fmt::format("level {}", i + 1) : fmt::format("level '{}'", l.name);
    if (l.name.empty()) return fail(who + " has no name");
    for (int j = 0; j < i; ++j) {
      if (ascii_lower(levels[j].name) == ascii_lower(l.name))
        return fail(fmt::format("two levels are named '{}' (names are case-insensitive)", l.name));
    }
    if (l.mesh_x < 1 || l.mesh_y < 1)
      return fail(fmt::format("{}: mesh {}x{} must be at least 1x1", who, l.mesh_x, l.mesh_y));
    auto n = checked_mul(instances, l.instances_per_parent());
    if (!n) return fail(who + ": the number of instances overflows 64 bits");
    instances = *n;
    if (l.word_bits < 1 || l.word_bits > 64)
      return fail(fmt::format("{}: word_bits must be in 1..64, got {}", who, l.word_bits));
    const std::pair<const char*, double> energies[] = {{"read", l.read_energy},
                                                       {"write", l.write_energy},
                                                       {"update", l.update_energy},
                                                       {"network hop", l.hop_energy}};
    for (const auto& [what, e] : energies) {
      if (!valid_energy(e))
        return fail(fmt::format("{}: {} energy must be a number in [0, {:g}], got {}", who, what,
                                kMaxEnergy, e));
    }
    if (!(std::isfinite(l.bandwidth) && l.bandwidth >= 0.0))
      return fail(fmt::format("{}: bandwidth must be non-negative, got {}", who, l.bandwidth));
    if (l.bandwidth != 0.0 && l.bandwidth < kMinBandwidth)
      return fail(
          fmt::format("{}: bandwidth {} words/cycle is below the minimum {} (0 means "
                      "unlimited)",
                      who, l.bandwidth, kMinBandwidth));
    if (l.rle_run_bits < 1 || l.rle_run_bits > 32)
      return fail(fmt::format("{}: rle_run_bits must be in 1..32, got {}", who, l.rle_run_bits));
  }
  // Reports key energies by level, network and compute names: they must not collide.
  std::vector<std::string> report_names;
  for (const StorageLevel& l : levels) {
    report_names.push_back(l.name);
    if (l.hop_energy > 0 || !l.network_name.empty())
      report_names.push_back(l.network_name.empty() ? l.name + " network" : l.network_name);
  }
  report_names.push_back(compute.name);
  for (std::size_t i = 0; i < report_names.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (ascii_lower(report_names[i]) == ascii_lower(report_names[j]))
        return fail(
            fmt::format("the name '{}' is used twice among the level, network and "
                        "compute names (reports would mix their energies)",
                        report_names[i]));
  if (compute.mesh_x < 1 || compute.mesh_y < 1)
    return fail(
        fmt::format("compute mesh {}x{} must be at least 1x1", compute.mesh_x, compute.mesh_y));
  const std::uint64_t per_instance =
      static_cast<std::uint64_t>(compute.mesh_x) * static_cast<std::uint64_t>(compute.mesh_y);
  if (!checked_mul(instances, per_instance))
    return fail("the number of MAC units overflows 64 bits");
  if (instances * per_instance > kMaxMacUnits)
    return fail(fmt::format("the arch has {} MAC units, more than erg models ({})",
                            instances * per_instance, kMaxMacUnits));
  if (!valid_energy(compute.mac_energy))
    return fail(fmt::format("compute energy must be a number in [0, {:g}], got {}", kMaxEnergy,
                            compute.mac_energy));
  if (!valid_energy(compute.hop_energy))
    return fail(fmt::format("compute hop energy must be a number in [0, 1e12], got {}",
                            compute.hop_energy));
  if (compute.reference_bits < 1 || compute.reference_bits > 64)
    return fail(
        fmt::format("compute reference_bits must be in 1..64, got {}", compute.reference_bits));
  return Ok{};
}

}  // namespace erg
