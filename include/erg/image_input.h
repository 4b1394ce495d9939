// erg/image_input.h — images to run a model on: PNG, JPEG and the other formats OpenCV's imgcodecs
// reads, and IDX image files (MNIST, Fashion-MNIST; gzipped or not), as a model's input tensor.
//
// Each image is resized to the model's input height × width (area averaging when shrinking,
// bilinear when enlarging), converted to the model's channel count (grey is replicated to three
// channels; colour becomes grey, ITU-R BT.601 weights, for one-channel models; colour channels in
// RGB order), then normalised:
//   unit      x / 255                                   (what erg prune trains with)
//   imagenet  (x / 255 − mean_c) / std_c, mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)
//             — torchvision's ImageNet models; a one-channel model takes the first channel's
//   raw       x, in 0..255
//   auto      imagenet for three-channel models, unit otherwise
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "erg/error.h"

namespace erg {

enum class Normalisation { Auto, Unit, ImageNet, Raw };
std::optional<Normalisation> parse_normalisation(std::string_view s);
std::string_view normalisation_name(Normalisation n);

struct InputShape {
  std::int64_t channels = 0, height = 0, width = 0;
};

// Largest image side accepted (pixels), before resizing.
inline constexpr std::int64_t kMaxImageSide = 16384;

// Images as one tensor: count × channels × height × width floats, and where each came from.
struct ImageSet {
  InputShape shape;
  std::int64_t count = 0;
  std::vector<float> data;
  std::vector<std::string> names;  // "photo.png", "t10k-images-idx3-ubyte.gz[17]", ...
};

// Reads up to `max_images` images from `paths`, in order: each path is an image file, an IDX
// image file, or a directory (its regular files, sorted by name, each an image or IDX file).
// Files that are neither, unreadable files and absurd sizes are errors naming the file.
Result<ImageSet> load_images(const std::vector<std::string>& paths, const InputShape& shape,
                             std::int64_t max_images, Normalisation normalisation);

}  // namespace erg
