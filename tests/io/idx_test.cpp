// IDX reader (erg/idx.h): hand-written files, plain and gzipped, bad files, Fashion-MNIST.
#include "erg/idx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

namespace erg {
namespace {

std::vector<std::uint8_t> be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

std::vector<std::uint8_t> idx(std::uint32_t magic, std::vector<std::uint32_t> dims,
                              std::vector<std::uint8_t> data) {
  std::vector<std::uint8_t> out = be32(magic);
  for (auto d : dims) {
    auto b = be32(d);
    out.insert(out.end(), b.begin(), b.end());
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::string write(const std::string& name, const std::vector<std::uint8_t>& bytes, bool gzip) {
  const std::string path = ::testing::TempDir() + "erg_idx_" + name + (gzip ? ".gz" : "");
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
    gzclose(f);
  } else {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  }
  return path;
}

// Three 2×3 images with pixels 0..17, and their labels 7, 0, 9.
const std::vector<std::uint8_t> kPixels = {0, 1,  2,  3,  4,  5,  6,  7,  8,
                                           9, 10, 11, 12, 13, 14, 15, 16, 17};
const std::vector<std::uint8_t> kLabels = {7, 0, 9};

class IdxFiles : public ::testing::TestWithParam<bool> {};

TEST_P(IdxFiles, ReadsImagesAndLabels) {
  const bool gz = GetParam();
  const auto im = write("images", idx(0x803, {3, 2, 3}, kPixels), gz);
  const auto lb = write("labels", idx(0x801, {3}, kLabels), gz);
  auto images = read_idx_images(im);
  ASSERT_TRUE(images) << images.error().to_string();
  EXPECT_EQ(images->count, 3);
  EXPECT_EQ(images->rows, 2);
  EXPECT_EQ(images->cols, 3);
  EXPECT_EQ(images->pixels, kPixels);
  auto labels = read_idx_labels(lb);
  ASSERT_TRUE(labels) << labels.error().to_string();
  EXPECT_EQ(*labels, kLabels);
  auto pair = read_idx_pair(im, lb);
  ASSERT_TRUE(pair) << pair.error().to_string();
  EXPECT_EQ(pair->labels, kLabels);
}

TEST_P(IdxFiles, ReadsTheFirstItemsOnly) {
  const bool gz = GetParam();
  const auto im = write("images_k", idx(0x803, {3, 2, 3}, kPixels), gz);
  auto images = read_idx_images(im, 2);
  ASSERT_TRUE(images) << images.error().to_string();
  EXPECT_EQ(images->count, 2);
  EXPECT_EQ(images->pixels, std::vector<std::uint8_t>(kPixels.begin(), kPixels.begin() + 12));
  auto labels = read_idx_labels(write("labels_k", idx(0x801, {3}, kLabels), gz), 1);
  ASSERT_TRUE(labels);
  EXPECT_EQ(*labels, std::vector<std::uint8_t>{7});
  // More than the file holds: all of them.
  auto all = read_idx_images(im, 10);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->count, 3);
}

void expect_error(const Result<IdxImages>& r, const std::string& path, const std::string& text) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().file, path);
  EXPECT_NE(r.error().to_string().find(path), std::string::npos) << r.error().to_string();
  EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
}

TEST_P(IdxFiles, RefusesBadFiles) {
  const bool gz = GetParam();
  auto data = kPixels;
  data.pop_back();
  std::string p = write("truncated", idx(0x803, {3, 2, 3}, data), gz);
  expect_error(read_idx_images(p), p, "truncated IDX file");
  // A header announcing more items than the data holds: a lie, not a huge allocation.
  p = write("lying", idx(0x803, {100000000, 2, 3}, kPixels), gz);
  expect_error(read_idx_images(p), p, "announces 100000000 items");
  data = kPixels;
  data.push_back(0);
  p = write("trailing", idx(0x803, {3, 2, 3}, data), gz);
  expect_error(read_idx_images(p), p, "trailing data");
  p = write("labels_as_images", idx(0x801, {3}, kLabels), gz);
  expect_error(read_idx_images(p), p, "magic number 0x00000801, expected 0x00000803");
  p = write("floats", idx(0xD03, {3, 2, 3}, kPixels), gz);
  expect_error(read_idx_images(p), p, "magic number");
  p = write("short_header", {0, 0, 8, 3, 0, 0}, gz);
  expect_error(read_idx_images(p), p, "size of dimension 1");
  p = write("zero_rows", idx(0x803, {3, 0, 3}, {}), gz);
  expect_error(read_idx_images(p), p, "dimension 2 is 0");
  p = write("huge_cols", idx(0x803, {1, 2, 100000}, {}), gz);
  expect_error(read_idx_images(p), p, "dimension 3 is 100000");
  p = write("many_items", idx(0x803, {0x7fffffff, 2, 3}, {}), gz);
  expect_error(read_idx_images(p), p, "more than the limit");
  p = write("empty", {}, gz);
  expect_error(read_idx_images(p), p, "magic number is incomplete");
  auto labels = read_idx_labels(write("short_labels", idx(0x801, {4}, kLabels), gz));
  ASSERT_FALSE(labels);
  EXPECT_NE(labels.error().message.find("truncated"), std::string::npos);
  auto pair = read_idx_pair(write("images_3", idx(0x803, {3, 2, 3}, kPixels), gz),
                            write("labels_2", idx(0x801, {2}, {1, 2}), gz));
  ASSERT_FALSE(pair);
  EXPECT_NE(pair.error().message.find("2 labels for the 3 images"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(PlainAndGzipped, IdxFiles, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "gzip" : "plain"; });

TEST(Idx, RefusesMissingAndCorruptFiles) {
  const std::string missing = ::testing::TempDir() + "erg_idx_no_such_file";
  expect_error(read_idx_images(missing), missing, "cannot open");
  // A gzip stream cut in the middle.
  const auto good = write("cut_source", idx(0x803, {3, 2, 3}, kPixels), true);
  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = ::testing::TempDir() + "erg_idx_cut.gz";
  std::ofstream(cut, std::ios::binary).write(bytes.data(), 20);
  auto r = read_idx_images(cut);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, cut);
}

TEST(Idx, ReadsFashionMnist) {
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-labels-idx1-ubyte.gz"))
    GTEST_SKIP() << "Fashion-MNIST (dataset-fashion-mnist) is not installed";
  auto test = load_fashion_mnist(false);
  ASSERT_TRUE(test) << test.error().to_string();
  EXPECT_EQ(test->images.count, 10000);
  EXPECT_EQ(test->images.rows, 28);
  EXPECT_EQ(test->images.cols, 28);
  std::array<int, 10> per_class{};
  for (auto l : test->labels) {
    ASSERT_LT(l, 10);
    ++per_class[l];
  }
  for (int c : per_class) EXPECT_EQ(c, 1000);  // the test set is balanced
  auto train = load_fashion_mnist(true, 100);
  ASSERT_TRUE(train);
  EXPECT_EQ(train->images.count, 100);
  EXPECT_EQ(train->labels.size(), 100u);
}

}  // namespace
}  // namespace erg
