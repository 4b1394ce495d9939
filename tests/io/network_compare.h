// Field-by-field comparison of layers and networks, shared by the network reader and writer
// tests (YAML, JSON, the online tool's format, SCALE-Sim CSV).
#pragma once

#include <gtest/gtest.h>

#include <utility>

#include "erg/network.h"

namespace erg::testing {

// Every LayerSpec field; densities only when `densities` (formats that round them check those
// themselves).
inline void expect_same_spec(const LayerSpec& a, const LayerSpec& b, bool densities = true) {
  SCOPED_TRACE("layer " + a.name);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.batch, b.batch);
  EXPECT_EQ(a.in_channels, b.in_channels);
  EXPECT_EQ(a.out_channels, b.out_channels);
  EXPECT_EQ(a.in_h, b.in_h);
  EXPECT_EQ(a.in_w, b.in_w);
  EXPECT_EQ(a.filter_h, b.filter_h);
  EXPECT_EQ(a.filter_w, b.filter_w);
  EXPECT_EQ(a.stride_h, b.stride_h);
  EXPECT_EQ(a.stride_w, b.stride_w);
  EXPECT_EQ(a.dilation_h, b.dilation_h);
  EXPECT_EQ(a.dilation_w, b.dilation_w);
  EXPECT_EQ(a.pad_top, b.pad_top);
  EXPECT_EQ(a.pad_bottom, b.pad_bottom);
  EXPECT_EQ(a.pad_left, b.pad_left);
  EXPECT_EQ(a.pad_right, b.pad_right);
  EXPECT_EQ(a.groups, b.groups);
  for (const auto& [x, y] : {std::pair{&a.weights, &b.weights}, std::pair{&a.inputs, &b.inputs},
                             std::pair{&a.outputs, &b.outputs}}) {
    EXPECT_EQ(x->bits, y->bits);
    if (densities) EXPECT_EQ(x->density, y->density);
  }
}

inline void expect_same_network(const Network& a, const Network& b, bool densities = true) {
  EXPECT_EQ(a.name, b.name);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    expect_same_spec(a.layers[i].spec(), b.layers[i].spec(), densities);
    EXPECT_EQ(a.layers[i].bounds(), b.layers[i].bounds());
  }
}

}  // namespace erg::testing
