// erg/idx.h — IDX files (the MNIST and Fashion-MNIST format), plain or gzipped.
//
// An IDX file is a 4-byte magic number (0x00 0x00, the element type, the number of dimensions),
// one big-endian 32-bit size per dimension, then the elements. erg reads unsigned-byte files:
// 0x801 (labels: one dimension) and 0x803 (images: count × rows × columns). Files are read through
// zlib, which reads gzipped and plain files alike. A header whose sizes the data does not fill (a
// truncated file), data left over after the header's count, another magic number and absurd
// dimensions are errors naming the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "erg/error.h"

namespace erg {

// Largest image side and item count accepted from an IDX header.
inline constexpr std::int64_t kMaxIdxSide = 4096;
inline constexpr std::int64_t kMaxIdxItems = std::int64_t{1} << 28;

struct IdxImages {
  std::int64_t count = 0, rows = 0, cols = 0;
  std::vector<std::uint8_t> pixels;  // count × rows × cols, row-major
};

// `max_items` limits the read to the first K items (the rest of the file is not read or checked).
Result<IdxImages> read_idx_images(const std::string& path,
                                  std::optional<std::int64_t> max_items = std::nullopt);
Result<std::vector<std::uint8_t>> read_idx_labels(
    const std::string& path, std::optional<std::int64_t> max_items = std::nullopt);

// Images and their labels (equal counts).
struct LabelledImages {
  IdxImages images;
  std::vector<std::uint8_t> labels;
};

Result<LabelledImages> read_idx_pair(const std::string& images_path, const std::string& labels_path,
                                     std::optional<std::int64_t> max_items = std::nullopt);

// Debian's dataset-fashion-mnist installs the four files here.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// The training (60,000 images) or test (10,000) set of Fashion-MNIST in `dir`
// ({train,t10k}-{images-idx3,labels-idx1}-ubyte.gz).
Result<LabelledImages> load_fashion_mnist(bool train,
                                          std::optional<std::int64_t> max_items = std::nullopt,
                                          const std::string& dir = kFashionMnistDir);

}  // namespace erg
