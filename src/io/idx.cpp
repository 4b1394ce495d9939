// IDX files through zlib (erg/idx.h).
#include "erg/idx.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <memory>

namespace erg {

namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

Error file_error(const std::string& path, const std::string& message) {
  Error e = make_error(message);
  e.file = path;
  return e;
}

// Reads exactly `n` bytes into `out`; returns the count read (< n at end of file), or an error.
Result<std::size_t> read_bytes(gzFile f, const std::string& path, std::uint8_t* out,
                               std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 20));
    const int got = gzread(f, out + done, chunk);
    if (got < 0) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      return file_error(path,
                        fmt::format("cannot read the IDX file: {}", msg ? msg : "zlib error"));
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

struct Header {
  std::vector<std::int64_t> dims;
};

Result<Header> read_header(gzFile f, const std::string& path, int expected_ndims,
                           const char* what) {
  std::array<std::uint8_t, 4> magic{};
  auto got = read_bytes(f, path, magic.data(), magic.size());
  if (!got) return got.error();
  if (*got < magic.size())
    return file_error(path, "truncated IDX file: the 4-byte magic number is incomplete");
  const std::uint32_t m = (std::uint32_t{magic[0]} << 24) | (std::uint32_t{magic[1]} << 16) |
                          (std::uint32_t{magic[2]} << 8) | magic[3];
  const std::uint32_t expected = 0x800u | static_cast<std::uint32_t>(expected_ndims);
  if (m != expected)
    return file_error(
        path, fmt::format("not an IDX {} file: magic number 0x{:08x}, expected "
                          "0x{:08x} (unsigned bytes, {} dimension{})",
                          what, m, expected, expected_ndims, expected_ndims == 1 ? "" : "s"));
  Header h;
  for (int d = 0; d < expected_ndims; ++d) {
    std::array<std::uint8_t, 4> b{};
    got = read_bytes(f, path, b.data(), b.size());
    if (!got) return got.error();
    if (*got < b.size())
      return file_error(path, fmt::format("truncated IDX file: the size of dimension {} of {} is "
                                          "incomplete",
                                          d + 1, expected_ndims));
    h.dims.push_back((std::int64_t{b[0]} << 24) | (std::int64_t{b[1]} << 16) |
                     (std::int64_t{b[2]} << 8) | b[3]);
  }
  if (h.dims[0] > kMaxIdxItems)
    return file_error(path, fmt::format("IDX header: {} items is more than the limit of {}",
                                        h.dims[0], kMaxIdxItems));
  for (std::size_t d = 1; d < h.dims.size(); ++d)
    if (h.dims[d] < 1 || h.dims[d] > kMaxIdxSide)
      return file_error(
          path, fmt::format("IDX header: dimension {} is {}; image sides must be in [1, {}]", d + 1,
                            h.dims[d], kMaxIdxSide));
  return h;
}

// Reads `count` items of `item_bytes` each (or the first `max_items`), checking the file holds
// them all and, when all were requested, nothing more.
Result<std::vector<std::uint8_t>> read_items(gzFile f, const std::string& path, std::int64_t count,
                                             std::int64_t item_bytes,
                                             std::optional<std::int64_t> max_items,
                                             std::int64_t* kept) {
  std::int64_t n = count;
  if (max_items) {
    if (*max_items < 0)
      return file_error(path, fmt::format("cannot read {} items (a negative count)", *max_items));
    n = std::min(n, *max_items);
  }
  std::vector<std::uint8_t> data;
  // Grow while reading, so a header that lies about its size allocates no more than the file holds.
  const std::size_t total = static_cast<std::size_t>(n) * static_cast<std::size_t>(item_bytes);
  std::size_t done = 0;
  while (done < total) {
    const std::size_t chunk = std::min<std::size_t>(total - done, 8u << 20);
    data.resize(done + chunk);
    auto got = read_bytes(f, path, data.data() + done, chunk);
    if (!got) return got.error();
    done += *got;
    if (*got < chunk) {
      return file_error(
          path, fmt::format("truncated IDX file: the header announces {} items of {} bytes, but "
                            "the data ends after {} complete items",
                            count, item_bytes, done / static_cast<std::size_t>(item_bytes)));
    }
  }
  if (n == count) {
    std::uint8_t extra = 0;
    auto got = read_bytes(f, path, &extra, 1);
    if (!got) return got.error();
    if (*got != 0)
      return file_error(path, fmt::format("IDX file longer than its header announces ({} items "
                                          "of {} bytes): trailing data",
                                          count, item_bytes));
  }
  *kept = n;
  return data;
}

Result<GzFile> open(const std::string& path) {
  GzFile f(gzopen(path.c_str(), "rb"));
  if (!f) return file_error(path, "cannot open the IDX file");
  return f;
}

}  // namespace

Result<IdxImages> read_idx_images(const std::string& path, std::optional<std::int64_t> max_items) {
  auto f = open(path);
  if (!f) return f.error();
  auto h = read_header(f->get(), path, 3, "images");
  if (!h) return h.error();
  IdxImages out;
  out.rows = h->dims[1];
  out.cols = h->dims[2];
  auto data = read_items(f->get(), path, h->dims[0], out.rows * out.cols, max_items, &out.count);
  if (!data) return data.error();
  out.pixels = std::move(data).value();
  return out;
}

Result<std::vector<std::uint8_t>> read_idx_labels(const std::string& path,
                                                  std::optional<std::int64_t> max_items) {
  auto f = open(path);
  if (!f) return f.error();
  auto h = read_header(f->get(), path, 1, "labels");
  if (!h) return h.error();
  std::int64_t kept = 0;
  return read_items(f->get(), path, h->dims[0], 1, max_items, &kept);
}

Result<LabelledImages> read_idx_pair(const std::string& images_path, const std::string& labels_path,
                                     std::optional<std::int64_t> max_items) {
  auto images = read_idx_images(images_path, max_items);
  if (!images) return images.error();
  auto labels = read_idx_labels(labels_path, max_items);
  if (!labels) return labels.error();
  if (static_cast<std::int64_t>(labels->size()) != images->count)
    return file_error(labels_path, fmt::format("{} labels for the {} images of {}", labels->size(),
                                               images->count, images_path));
  return LabelledImages{std::move(images).value(), std::move(labels).value()};
}

Result<LabelledImages> load_fashion_mnist(bool train, std::optional<std::int64_t> max_items,
                                          const std::string& dir) {
  const std::string prefix = dir + "/" + (train ? "train" : "t10k");
  return read_idx_pair(prefix + "-images-idx3-ubyte.gz", prefix + "-labels-idx1-ubyte.gz",
                       max_items);
}

}  // namespace erg
