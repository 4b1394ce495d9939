// Images as a model's input tensor (erg/image_input.h).
#include "erg/image_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "erg/idx.h"

namespace erg {

namespace fs = std::filesystem;

std::optional<Normalisation> parse_normalisation(std::string_view s) {
  if (s == "auto") return Normalisation::Auto;
  if (s == "unit") return Normalisation::Unit;
  if (s == "imagenet") return Normalisation::ImageNet;
  if (s == "raw") return Normalisation::Raw;
  return std::nullopt;
}

std::string_view normalisation_name(Normalisation n) {
  switch (n) {
    case Normalisation::Auto:
      return "auto";
    case Normalisation::Unit:
      return "unit";
    case Normalisation::ImageNet:
      return "imagenet";
    case Normalisation::Raw:
      return "raw";
  }
  return "auto";
}

namespace {

Error file_error(const std::string& path, std::string message) {
  Error e = make_error(std::move(message));
  e.file = path;
  return e;
}

// An IDX file starts 00 00 08 03 (unsigned bytes, three dimensions); a gzipped one 1f 8b.
bool looks_like_idx(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<unsigned char, 4> m{};
  if (!in.read(reinterpret_cast<char*>(m.data()), 4)) return false;
  if (m[0] == 0x1f && m[1] == 0x8b) return true;
  return m[0] == 0 && m[1] == 0 && m[2] == 0x08 && m[3] == 0x03;
}

class Builder {
 public:
  Builder(const InputShape& shape, std::int64_t max_images, Normalisation n)
      : shape_(shape), max_(max_images), norm_(n) {
    if (norm_ == Normalisation::Auto)
      norm_ = shape.channels == 3 ? Normalisation::ImageNet : Normalisation::Unit;
    out_.shape = shape;
  }
  bool full() const { return out_.count >= max_; }

  // One 8-bit image, 1 or 3 channels (BGR as OpenCV reads them).
  void add(const cv::Mat& image, std::string name) {
    cv::Mat resized;
    const cv::Size size(static_cast<int>(shape_.width), static_cast<int>(shape_.height));
    if (image.cols == size.width && image.rows == size.height) {
      resized = image;
    } else {
      const bool shrink = image.cols > size.width || image.rows > size.height;
      cv::resize(image, resized, size, 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    cv::Mat converted;
    if (shape_.channels == 1) {
      if (resized.channels() == 3)
        cv::cvtColor(resized, converted, cv::COLOR_BGR2GRAY);
      else
        converted = resized;
    } else if (resized.channels() == 1) {
      cv::cvtColor(resized, converted, cv::COLOR_GRAY2RGB);
    } else {
      cv::cvtColor(resized, converted, cv::COLOR_BGR2RGB);
    }
    static constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
    static constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};
    const std::int64_t plane = shape_.height * shape_.width;
    const std::size_t base = out_.data.size();
    out_.data.resize(base + static_cast<std::size_t>(shape_.channels * plane));
    const int cn = converted.channels();
    for (std::int64_t c = 0; c < shape_.channels; ++c) {
      float* dst = out_.data.data() + base + c * plane;
      const int src_c = cn == 1 ? 0 : static_cast<int>(c % cn);
      for (std::int64_t y = 0; y < shape_.height; ++y) {
        const std::uint8_t* row = converted.ptr<std::uint8_t>(static_cast<int>(y));
        for (std::int64_t x = 0; x < shape_.width; ++x) {
          const float v = row[x * cn + src_c];
          float o = v;
          switch (norm_) {
            case Normalisation::Unit:
              o = v / 255.0f;
              break;
            case Normalisation::ImageNet:
              o = (v / 255.0f - kMean[c % 3]) / kStd[c % 3];
              break;
            default:
              break;
          }
          dst[y * shape_.width + x] = o;
        }
      }
    }
    out_.names.push_back(std::move(name));
    ++out_.count;
  }

  Status file(const std::string& path) {
    if (looks_like_idx(path)) {
      auto read = read_idx_images(path, max_ - out_.count);
      if (!read) return read.error();
      IdxImages images = std::move(read).value();
      const IdxImages* idx = &images;
      const std::string stem = fs::path(path).filename().string();
      for (std::int64_t i = 0; i < idx->count && !full(); ++i) {
        cv::Mat m(static_cast<int>(idx->rows), static_cast<int>(idx->cols), CV_8UC1,
                  images.pixels.data() + i * idx->rows * idx->cols);
        add(m, fmt::format("{}[{}]", stem, i));
      }
      return Ok{};
    }
    cv::Mat image;
    try {
      image = cv::imread(path, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    } catch (const cv::Exception& e) {
      return file_error(path, fmt::format("OpenCV could not read the image: {}", e.what()));
    }
    if (image.empty())
      return file_error(path,
                        "not an image OpenCV can read (PNG, JPEG, BMP, TIFF, ...) nor an IDX file");
    if (image.cols > kMaxImageSide || image.rows > kMaxImageSide)
      return file_error(path, fmt::format("the image is {}×{} pixels, more than erg's limit of {} "
                                          "per side",
                                          image.cols, image.rows, kMaxImageSide));
    add(image, fs::path(path).filename().string());
    return Ok{};
  }

  ImageSet take() { return std::move(out_); }

 private:
  InputShape shape_;
  std::int64_t max_;
  Normalisation norm_;
  ImageSet out_;
};

}  // namespace

Result<ImageSet> load_images(const std::vector<std::string>& paths, const InputShape& shape,
                             std::int64_t max_images, Normalisation normalisation) {
  if (shape.channels <= 0 || shape.height <= 0 || shape.width <= 0 ||
      shape.height > kMaxImageSide || shape.width > kMaxImageSide)
    return make_error(fmt::format("the model's input {}×{}×{} is not an image shape",
                                  shape.channels, shape.height, shape.width));
  if (max_images <= 0) return make_error("the number of images must be positive");
  if (paths.empty()) return make_error("no input images given");
  Builder b(shape, max_images, normalisation);
  for (const std::string& p : paths) {
    if (b.full()) break;
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (const auto& e : fs::directory_iterator(p, ec))
        if (e.is_regular_file(ec)) files.push_back(e.path().string());
      if (ec) return file_error(p, "cannot list the directory: " + ec.message());
      std::sort(files.begin(), files.end());
      if (files.empty()) return file_error(p, "the directory holds no files");
      for (const auto& f : files) {
        if (b.full()) break;
        if (auto st = b.file(f); !st) return st.error();
      }
    } else if (!fs::exists(p, ec)) {
      return file_error(p, "no such file");
    } else {
      if (auto st = b.file(p); !st) return st.error();
    }
  }
  return b.take();
}

}  // namespace erg
