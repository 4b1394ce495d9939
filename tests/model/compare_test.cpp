// The dataflow comparison's hardware: reference §4's storage per dataflow, and the arch built for
// each dataflow from a base.
#include "erg/compare.h"

#include <gtest/gtest.h>

#include "erg/io.h"

namespace erg {
namespace {

TEST(CompareStorage, EqualAreaIsReferenceSection4ScaledPerPe) {
  struct Want {
    Dataflow df;
    std::uint64_t rf, kib;
  };
  for (const Want& w :
       {Want{Dataflow::RS, 256, 128}, Want{Dataflow::WS, 1, 334}, Want{Dataflow::OS_A, 49, 244},
        Want{Dataflow::OS_B, 5, 304}, Want{Dataflow::OS_C, 1, 334}, Want{Dataflow::NLR, 0, 338}})
    for (int pes : {256, 512, 1024}) {
      auto s = comparison_storage(w.df, pes, true);
      ASSERT_TRUE(s.ok()) << s.error().message;
      EXPECT_EQ(s->rf_words, w.rf) << dataflow_name(w.df);
      EXPECT_EQ(s->buffer_bytes, w.kib * 1024 * static_cast<std::uint64_t>(pes / 256))
          << dataflow_name(w.df) << " " << pes;
    }
}

TEST(CompareStorage, EqualCapacityGivesEveryoneRsStorageAndNlrItsRfBytes) {
  for (Dataflow df : compared_dataflows()) {
    auto s = comparison_storage(df, 512, false);
    ASSERT_TRUE(s.ok());
    if (df == Dataflow::NLR) {
      EXPECT_EQ(s->rf_words, 0u);
      EXPECT_EQ(s->buffer_bytes, 2u * (128 * 1024 + 256 * 2 * 256));
    } else {
      EXPECT_EQ(s->rf_words, 256u);
      EXPECT_EQ(s->buffer_bytes, 2u * 128 * 1024);
    }
  }
  EXPECT_FALSE(comparison_storage(Dataflow::RS, 300, true).ok());
  EXPECT_FALSE(comparison_storage(Dataflow::Free, 256, true).ok());
}

TEST(CompareArch, EachDataflowKeepsWhatItsRuleSaysOnTheResizedArray) {
  const Arch base = load_arch("eyeriss-isca16").value();
  for (Dataflow df : compared_dataflows())
    for (bool w : {false, true}) {
      auto a = comparison_arch(base, df, 1024, true, w);
      ASSERT_TRUE(a.ok()) << a.error().message;
      SCOPED_TRACE(a->name);
      const StorageLevel& glb = a->levels[1];
      EXPECT_EQ(glb.keeps[static_cast<int>(Tensor::Weights)], w);
      EXPECT_TRUE(glb.keeps[static_cast<int>(Tensor::Inputs)]);
      EXPECT_EQ(glb.capacity, comparison_storage(df, 1024, true)->buffer_bytes / 2);
      EXPECT_EQ(a->mac_units(), 1024u);
      for (const StorageLevel& l : a->levels)
        for (Compression c : l.compression) EXPECT_EQ(c, Compression::None);
      if (df == Dataflow::NLR) {
        EXPECT_EQ(a->num_levels(), 2);
        EXPECT_EQ(a->compute.hop_energy, base.levels[2].hop_energy);
        continue;
      }
      ASSERT_EQ(a->num_levels(), 3);
      const StorageLevel& rf = a->levels[2];
      EXPECT_FALSE(rf.partitioned);
      EXPECT_EQ(rf.capacity, comparison_storage(df, 1024, true)->rf_words);
      const bool w_in = rf.keeps[0], i_in = rf.keeps[1], o_in = rf.keeps[2];
      switch (df) {
        case Dataflow::RS:
          EXPECT_TRUE(w_in && i_in && o_in);
          break;
        case Dataflow::WS:
          EXPECT_TRUE(w_in && !i_in && !o_in);
          break;
        default:
          EXPECT_TRUE(!w_in && !i_in && o_in);
      }
    }
}

// A base whose partitioned RF, compression and mesh are replaced; one without a psum update
// energy where the comparison keeps outputs is refused with the level named.
TEST(CompareArch, PartitionedAndCompressedBasesAreNormalisedAndMissingUpdateEnergyRefused) {
  const Arch eyeriss = load_arch("eyeriss").value();
  auto a = comparison_arch(eyeriss, Dataflow::RS, 256, true, false);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_FALSE(a->levels[2].partitioned);
  EXPECT_EQ(a->levels[2].capacity, 256u);
  EXPECT_EQ(a->levels[0].compression[0], Compression::None);
  EXPECT_EQ(a->mac_units(), 256u);

  Arch no_update = load_arch("eyeriss-isca16").value();
  no_update.levels[1].keeps = {true, true, false};
  no_update.levels[1].update_energy = 0;
  auto b = comparison_arch(no_update, Dataflow::WS, 256, true, true);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("level 'GLB'"), std::string::npos) << b.error().message;
  EXPECT_NE(b.error().message.find("update"), std::string::npos) << b.error().message;
}

}  // namespace
}  // namespace erg
