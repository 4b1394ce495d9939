// build-fuzz/erg_fuzz_seeds OUTDIR: writes the seed inputs the library itself generates, one
// directory per fuzz target (OUTDIR/network_yaml, OUTDIR/arch_yaml, ...): every zoo network as
// network_to_yaml writes it, every preset as arch_to_yaml writes it, and every zoo network in the
// tool format and (where it has one) SCALE-Sim's. scripts/fuzz adds the repository's own files
// (archs/, tests/data/, tests/errors/data/) next to them.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "erg/io.h"
#include "erg/scalesim.h"
#include "erg/tool_format.h"
#include "erg/zoo.h"

namespace {

bool write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: erg_fuzz_seeds OUTDIR\n");
    return 2;
  }
  namespace fs = std::filesystem;
  const fs::path out = argv[1];
  for (const char* dir :
       {"network_yaml", "arch_yaml", "mapping_yaml", "pins_yaml", "tool_format", "scalesim_csv"})
    fs::create_directories(out / dir);
  bool ok = true;
  for (const erg::ZooEntry& e : erg::zoo_entries()) {
    auto net = erg::zoo_network(e.name);
    if (!net) {
      std::fprintf(stderr, "%s\n", net.error().to_string().c_str());
      return 1;
    }
    ok &= write(out / "network_yaml" / ("zoo_" + e.name + ".yaml"), erg::network_to_yaml(*net));
    ok &=
        write(out / "tool_format" / ("zoo_" + e.name + ".txt"), erg::network_to_tool_config(*net));
    // Not every network has a SCALE-Sim form (groups, batch > 1): those that do are seeds.
    if (auto csv = erg::network_to_scalesim_csv(*net))
      ok &= write(out / "scalesim_csv" / ("zoo_" + e.name + ".csv"), *csv);
  }
  for (const std::string& name : erg::arch_preset_names()) {
    auto arch = erg::load_arch(name);
    if (!arch) {
      std::fprintf(stderr, "%s\n", arch.error().to_string().c_str());
      return 1;
    }
    ok &= write(out / "arch_yaml" / ("written_" + name + ".yaml"), erg::arch_to_yaml(*arch));
  }
  return ok ? 0 : 1;
}
