// erg/plot.h — SVG charts of a NetworkEstimate (and of a DataflowComparison).
//
// Every function returns one self-contained SVG document (UTF-8, no scripts, no external fonts,
// images or links; styles in one <style> block), which parses as XML whatever the layer names
// hold: names are escaped, and bytes that are not valid UTF-8 or not allowed in XML become U+FFFD.
// The figures are the breakdowns the table, JSON and CSV show (docs/model.md §5.9), in the
// estimate's unit (`NetworkEstimate::unit`, one MAC's energy on the presets).
//
// The estimate's document has a title (network, arch, dataflow, objective, batch, total) and
// three panels, each also available alone (e.g. for a web page):
//   (a) estimate_type_svg:  per layer, stacked bars of energy by data type (computation, weights,
//                           ifmap, ofmap), as in seed 004's Fig. 6;
//   (b) estimate_level_svg: per layer, stacked bars of energy by level (each storage level, each
//                           network, the compute units), on the same x axis as (a);
//   (c) estimate_split_svg: the network total as two 100 % bars, by data type and by level,
//                           with each part's share and value.
// The colours are colour-blind safe and the same in every panel: Okabe–Ito hues for the data
// types; greys from dark (outermost level) to light for the storage levels and networks, and
// computation's orange for the compute units. Each bar segment carries its exact
// value (`data-value`) and a tooltip (<title>). Many layers make the chart wider (down to 14 px
// per layer) and turn the layer names (every k-th is labelled when they would overlap); names
// longer than `max_label_chars` are shortened in the middle (the tooltip keeps the full name).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "erg/compare.h"
#include "erg/estimate.h"

namespace erg {

struct PlotOptions {
  // Width of the document in pixels; 0 = automatic (about 80 px per layer for a few layers, at
  // least 14 px per layer for many). A width too small for one pixel-wide bar per layer is raised.
  int width = 0;
  std::size_t max_label_chars = 24;  // longer layer names are shortened on the x axis
};

std::string estimate_svg(const NetworkEstimate& est, const PlotOptions& options = {});
std::string estimate_type_svg(const NetworkEstimate& est, const PlotOptions& options = {});
std::string estimate_level_svg(const NetworkEstimate& est, const PlotOptions& options = {});
std::string estimate_split_svg(const NetworkEstimate& est, const PlotOptions& options = {});

// erg compare-dataflows --plot: per layer and for the network total, grouped bars of each
// dataflow's energy per MAC (one colour per dataflow), with a title naming the setup.
std::string compare_svg(const DataflowComparison& c, const PlotOptions& options = {});

// Accuracy against energy of a sequence of networks (erg prune: every intermediate network of each
// pruning method, seed 004 Fig. 7). x: energy relative to `reference_energy` (the original
// network's, 1 = original; cheaper networks lie to the left); y: top-1 accuracy in percent. Each
// series is a line through its points in order, one colour per series; a point that was not
// accepted (its accuracy drop exceeded the target) is drawn hollow. A dashed line marks the
// accuracy floor `reference_accuracy − max_drop`.
struct TradeoffPoint {
  std::string label;    // e.g. "energy round 3" (the tooltip)
  double energy = 0;    // same unit as reference_energy
  double accuracy = 0;  // in [0, 1]
  bool accepted = true;
};

struct TradeoffSeries {
  std::string name;
  std::vector<TradeoffPoint> points;
};

std::string tradeoff_svg(const std::string& title, const std::vector<TradeoffSeries>& series,
                         double reference_energy, double reference_accuracy, double max_drop,
                         const PlotOptions& options = {});

}  // namespace erg
