// erg/zoo.h — the built-in model zoo.
//
// Networks as published (see docs/zoo.md for sources): LeNet-5, AlexNet (two-group original),
// VGG-16, GoogLeNet (v1), ResNet-50, SqueezeNet 1.0 and MobileNet v1. Only the layers erg models
// are listed (CONV, depthwise CONV, FC); pooling, normalisation and activations are not MAC layers.
// All layers are batch 1, 16-bit, dense unless the network carries published densities (AlexNet's
// input-activation densities from the Eyeriss papers, reference §1).
#pragma once

#include <string>
#include <vector>

#include "erg/error.h"
#include "erg/network.h"

namespace erg {

struct ZooEntry {
  std::string name;         // lookup key, e.g. "alexnet"
  std::string description;  // one line
};

const std::vector<ZooEntry>& zoo_entries();

// Builds a zoo network by name (case-insensitive); an unknown name is an error with a
// "did you mean" hint.
Result<Network> zoo_network(const std::string& name);

}  // namespace erg
