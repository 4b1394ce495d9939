// Images as a model input (erg/image_input.h): resizing, channels, normalisation, IDX, errors.
#include "erg/image_input.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "erg/idx.h"

namespace erg {
namespace {

namespace fs = std::filesystem;

class ImageInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("erg_images_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(ImageInput, ColourIsRgbResizedAndNormalised) {
  // A 20×10 image of one colour: BGR (10, 20, 30) as OpenCV stores it.
  cv::Mat img(10, 20, CV_8UC3, cv::Scalar(10, 20, 30));
  ASSERT_TRUE(cv::imwrite(path("a.png"), img));
  auto unit = load_images({path("a.png")}, {3, 4, 5}, 8, Normalisation::Unit);
  ASSERT_TRUE(unit.ok()) << unit.error().to_string();
  ASSERT_EQ(unit->count, 1);
  ASSERT_EQ(unit->data.size(), 3u * 4 * 5);
  EXPECT_FLOAT_EQ(unit->data[0], 30 / 255.0f);        // R first
  EXPECT_FLOAT_EQ(unit->data[20], 20 / 255.0f);       // G
  EXPECT_FLOAT_EQ(unit->data[40 + 19], 10 / 255.0f);  // B, last pixel
  auto raw = load_images({path("a.png")}, {3, 4, 5}, 8, Normalisation::Raw);
  ASSERT_TRUE(raw.ok());
  EXPECT_FLOAT_EQ(raw->data[0], 30.0f);
  // auto = ImageNet for three channels.
  auto net = load_images({path("a.png")}, {3, 4, 5}, 8, Normalisation::Auto);
  ASSERT_TRUE(net.ok());
  EXPECT_NEAR(net->data[0], (30 / 255.0f - 0.485f) / 0.229f, 1e-5);
  EXPECT_EQ(net->names.front(), "a.png");
}

TEST_F(ImageInput, GreyIsReplicatedAndColourBecomesGrey) {
  cv::Mat grey(6, 6, CV_8UC1, cv::Scalar(100));
  ASSERT_TRUE(cv::imwrite(path("g.png"), grey));
  auto three = load_images({path("g.png")}, {3, 6, 6}, 1, Normalisation::Raw);
  ASSERT_TRUE(three.ok()) << three.error().to_string();
  for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(three->data[c * 36], 100.0f);
  cv::Mat colour(6, 6, CV_8UC3, cv::Scalar(0, 0, 255));  // pure red
  ASSERT_TRUE(cv::imwrite(path("r.png"), colour));
  auto one = load_images({path("r.png")}, {1, 6, 6}, 1, Normalisation::Raw);
  ASSERT_TRUE(one.ok());
  EXPECT_NEAR(one->data[0], 0.299 * 255, 1.0);  // BT.601 luma of red
}

TEST_F(ImageInput, DirectoriesAreReadInNameOrderUpToTheLimit) {
  for (int i : {2, 0, 1}) {
    cv::Mat img(4, 4, CV_8UC1, cv::Scalar(10 * i));
    ASSERT_TRUE(cv::imwrite(path("img" + std::to_string(i) + ".png"), img));
  }
  auto two = load_images({dir_.string()}, {1, 4, 4}, 2, Normalisation::Raw);
  ASSERT_TRUE(two.ok()) << two.error().to_string();
  ASSERT_EQ(two->count, 2);
  EXPECT_EQ(two->names, (std::vector<std::string>{"img0.png", "img1.png"}));
  EXPECT_FLOAT_EQ(two->data[16], 10.0f);
}

TEST_F(ImageInput, FashionMnistIdxImagesLoadAsTheyAre) {
  const std::string idx = std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz";
  auto raw = read_idx_images(idx, 3);
  ASSERT_TRUE(raw.ok()) << raw.error().to_string();
  auto set = load_images({idx}, {1, 28, 28}, 3, Normalisation::Unit);
  ASSERT_TRUE(set.ok()) << set.error().to_string();
  ASSERT_EQ(set->count, 3);
  for (std::size_t i = 0; i < 3 * 28 * 28; i += 97)
    EXPECT_FLOAT_EQ(set->data[i], raw->pixels[i] / 255.0f);
  EXPECT_EQ(set->names[2], "t10k-images-idx3-ubyte.gz[2]");
}

TEST_F(ImageInput, BadFilesAreErrorsNamingThem) {
  std::ofstream(path("notes.txt")) << "not an image\n";
  auto text = load_images({path("notes.txt")}, {1, 4, 4}, 1, Normalisation::Unit);
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().to_string().find("notes.txt"), std::string::npos);
  EXPECT_NE(text.error().to_string().find("not an image"), std::string::npos);
  auto missing = load_images({path("nope.png")}, {1, 4, 4}, 1, Normalisation::Unit);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().to_string().find("no such file"), std::string::npos);
  // A truncated IDX file.
  std::ofstream(path("bad-idx3-ubyte"), std::ios::binary) << std::string("\0\0\x08\x03\0\0", 6);
  auto idx = load_images({path("bad-idx3-ubyte")}, {1, 4, 4}, 1, Normalisation::Unit);
  ASSERT_FALSE(idx.ok());
  EXPECT_NE(idx.error().to_string().find("bad-idx3-ubyte"), std::string::npos);
  fs::create_directories(dir_ / "empty");
  EXPECT_FALSE(load_images({path("empty")}, {1, 4, 4}, 1, Normalisation::Unit).ok());
  EXPECT_FALSE(load_images({path("notes.txt")}, {1, 4, 4}, 0, Normalisation::Unit).ok());
  EXPECT_FALSE(load_images({}, {1, 4, 4}, 1, Normalisation::Unit).ok());
}

}  // namespace
}  // namespace erg
