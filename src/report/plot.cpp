// SVG charts of estimates and dataflow comparisons (erg/plot.h).
//
// Drawing is plain string building: a panel is SVG markup in its own coordinates plus its size,
// and a document stacks panels under a title. Every figure comes from the breakdowns of
// breakdown.h, like the table, JSON and CSV. Text widths are estimated (0.6 em per character,
// about DejaVu Sans's average, a little more than most text needs) to choose margins, label angles
// and legend wrapping.
#include "erg/plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "erg/dataflow.h"
#include "erg/mapper.h"
#include "erg/report.h"
#include "erg/text.h"
#include "report/breakdown.h"

namespace erg {
namespace {

using detail::LevelColumn;
using detail::TypeSplit;
using detail::unit_phrase;

// ---------------------------------------------------------------------------------------------
// Text: valid XML whatever the input bytes.

// Appends the code point `cp` as UTF-8.
void put_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The code points of `s`; a byte that does not start a valid UTF-8 sequence, and a code point
// XML 1.0 does not allow (controls other than tab, newline and return; surrogates; U+FFFE,
// U+FFFF), become U+FFFD.
std::vector<std::uint32_t> code_points(const std::string& s) {
  constexpr std::uint32_t kReplacement = 0xFFFD;
  std::vector<std::uint32_t> cps;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    int len = 0;
    std::uint32_t cp = 0, min = 0;
    if (b < 0x80) {
      len = 1, cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      len = 2, cp = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3, cp = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4, cp = b & 0x07, min = 0x10000;
    }
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      ok = (c & 0xC0) == 0x80;
      cp = (cp << 6) | (c & 0x3F);
    }
    ok = ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0xFFFE &&
         cp != 0xFFFF && (cp >= 0x20 || cp == 0x9 || cp == 0xA || cp == 0xD);
    cps.push_back(ok ? cp : kReplacement);
    i += ok ? len : 1;
  }
  return cps;
}

// Text for an element or an attribute value: escaped and valid.
std::string xml(const std::string& s) {
  std::string out;
  for (std::uint32_t cp : code_points(s)) {
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        put_utf8(out, cp);
    }
  }
  return out;
}

std::size_t text_length(const std::string& s) { return code_points(s).size(); }

// At most `max_chars` characters: longer text keeps its start and its end (where layer names
// differ, e.g. "inception_3a/5x5" and "inception_3a/5x5_reduce") around a "…".
std::string shorten(const std::string& s, std::size_t max_chars) {
  const std::vector<std::uint32_t> cps = code_points(s);
  if (cps.size() <= max_chars || max_chars < 3) return s;
  const std::size_t head = max_chars / 2, tail = max_chars - 1 - head;
  std::string out;
  for (std::size_t i = 0; i < head; ++i) put_utf8(out, cps[i]);
  put_utf8(out, 0x2026);
  for (std::size_t i = cps.size() - tail; i < cps.size(); ++i) put_utf8(out, cps[i]);
  return out;
}

double text_width(const std::string& s, double font_size) {
  return 0.6 * font_size * static_cast<double>(text_length(s));
}

std::string num(double v) { return fmt::format("{:.1f}", v); }

// Axis labels: 2e8 → "200 M", 2.5e9 → "2.5 G", 0.25 → "0.25" (at most three significant digits).
std::string tick_label(double v) {
  if (v == 0) return "0";
  static constexpr const char* kSuffix[] = {"", " k", " M", " G", " T", " P", " E"};
  double a = std::fabs(v);
  int k = 0;
  while (a >= 999.5 && k < 6) {
    a /= 1000.0;
    ++k;
  }
  return fmt::format("{}{:.3g}{}", v < 0 ? "-" : "", a, kSuffix[k]);
}

std::string percent_text(double part, double whole) {
  return whole > 0 ? fmt::format("{:.1f} %", 100.0 * part / whole) : "-";
}

// ---------------------------------------------------------------------------------------------
// Colours.

struct Rgb {
  int r, g, b;
};

std::string hex(Rgb c) { return fmt::format("#{:02X}{:02X}{:02X}", c.r, c.g, c.b); }

Rgb parse_hex(const std::string& h) {
  auto byte = [&](int i) { return std::stoi(h.substr(i, 2), nullptr, 16); };
  return {byte(1), byte(3), byte(5)};
}

// Text drawn on a fill: white on dark colours, near-black on light ones (a style, since the
// style sheet's text colour would override a fill attribute).
std::string ink_on(const std::string& fill) {
  const Rgb c = parse_hex(fill);
  const double luma = (0.299 * c.r + 0.587 * c.g + 0.114 * c.b) / 255.0;
  return luma < 0.55 ? "fill:#FFFFFF" : "fill:#1A1A1A";
}

// Data types: Okabe–Ito colours, in the order computation, weights, ifmap, ofmap.
constexpr std::array<const char*, 4> kTypeNames = {"computation", "weights", "ifmap", "ofmap"};
constexpr std::array<const char*, 4> kTypeColours = {"#E69F00", "#0072B2", "#009E73", "#CC79A7"};

// Dataflows (compare_svg): the Okabe–Ito set, black last.
constexpr std::array<const char*, 8> kCategorical = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                                     "#56B4E9", "#D55E00", "#F0E442", "#000000"};

// Levels: greys from dark (the outermost storage level, the costliest per access) to light, one
// per storage level and network, then the compute units in computation's colour. Grey keeps the
// levels apart from the data types' hues, and lightness alone needs no colour vision.
std::vector<std::string> level_colours(std::size_t storage_and_networks) {
  constexpr int kDark = 0x26, kLight = 0xCC;
  std::vector<std::string> out;
  const std::size_t n = storage_and_networks;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = n > 1 ? static_cast<double>(i) / static_cast<double>(n - 1) : 0;
    const int g = static_cast<int>(std::lround(kDark + t * (kLight - kDark)));
    out.push_back(hex({g, g, g}));
  }
  out.push_back(kTypeColours[0]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layout pieces.

constexpr double kLeft = 84;   // room for the y axis title and tick labels
constexpr double kRight = 18;  // right margin
constexpr double kPlotHeight = 250;
constexpr double kTickFont = 11;
constexpr double kLabelFont = 11;
constexpr double kMinDocWidth = 760;

// A piece of drawing in its own coordinates, (0, 0) at its top left.
struct Panel {
  std::string body;
  double width = 0, height = 0;
};

struct LegendItem {
  std::string label, colour;
};

// Swatches and labels flowing left to right from (x0, y0), wrapping before `x1`; returns the
// height used.
double legend(std::string& out, const std::vector<LegendItem>& items, double x0, double x1,
              double y0) {
  constexpr double kRow = 18, kSwatch = 12, kFont = 12;
  double x = x0, y = y0;
  for (const LegendItem& it : items) {
    const double w = kSwatch + 5 + 0.92 * text_width(it.label, kFont) + 16;
    if (x > x0 && x + w > x1) {
      x = x0;
      y += kRow;
    }
    out += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" class=\"swatch\"/>"
        "<text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>\n",
        num(x), num(y + 2), num(kSwatch), num(kSwatch), it.colour, num(x + kSwatch + 5),
        num(y + 12.5), xml(it.label));
    x += w;
  }
  return items.empty() ? 0 : y - y0 + kRow;
}

// A y axis from 0 to `top` in `count` nice steps (1, 2, 2.5 or 5 × 10^k).
struct Ticks {
  double step = 1, top = 1;
  int count = 1;
};

Ticks nice_ticks(double max_value) {
  Ticks t;
  if (!(max_value > 0) || !std::isfinite(max_value)) return t;
  const double raw = max_value / 5.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  t.step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10) * mag;
  t.count = std::max(1, static_cast<int>(std::ceil(max_value / t.step - 1e-9)));
  t.top = t.step * t.count;
  return t;
}

// Where the layer (or group) labels go under a plot area of `slot`-wide columns.
struct XLabels {
  std::vector<std::string> text;  // shortened
  int every = 1;                  // label every k-th column
  double angle = 0;               // 0, -45 or -90 degrees
  double height = 0;              // room they take under the axis
};

XLabels x_labels(const std::vector<std::string>& names, double slot, std::size_t max_chars) {
  XLabels x;
  double widest = 0;
  for (const std::string& n : names) {
    x.text.push_back(shorten(n, std::max<std::size_t>(max_chars, 3)));
    widest = std::max(widest, text_width(x.text.back(), kLabelFont));
  }
  if (widest + 6 <= slot) {
    x.height = 20;
    return x;
  }
  x.angle = slot >= 20 ? -45 : -90;
  const double spacing = x.angle == -45 ? 1.45 * kLabelFont : 1.15 * kLabelFont;
  x.every = std::max(1, static_cast<int>(std::ceil(spacing / slot - 1e-9)));
  x.height = (x.angle == -45 ? 0.71 * widest + 0.71 * kLabelFont : widest) + 14;
  return x;
}

void draw_x_labels(std::string& out, const XLabels& x, double left, double slot, double y) {
  for (std::size_t i = 0; i < x.text.size(); ++i) {
    if (i % static_cast<std::size_t>(x.every) != 0) continue;
    const double cx = left + slot * (static_cast<double>(i) + 0.5);
    if (x.angle == 0) {
      out +=
          fmt::format("<text x=\"{}\" y=\"{}\" class=\"xlabel\" text-anchor=\"middle\">{}</text>\n",
                      num(cx), num(y + 14), xml(x.text[i]));
    } else {
      // Rotated about its end, which sits just under the column's centre.
      constexpr double dx = 4;
      out += fmt::format(
          "<text transform=\"translate({},{}) rotate({})\" class=\"xlabel\" "
          "text-anchor=\"end\">{}</text>\n",
          num(cx + dx), num(y + 10), num(x.angle), xml(x.text[i]));
    }
  }
}

// The frame of a bar chart: gridlines, tick labels, the y axis title, the x axis line.
void draw_y_axis(std::string& out, const Ticks& t, double left, double right, double top,
                 double height, const std::string& title) {
  for (int i = 0; i <= t.count; ++i) {
    const double v = t.step * i;
    const double y = top + height - height * v / t.top;
    out += fmt::format(
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"{}\"/>"
        "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{}</text>\n",
        num(left), num(y), num(right), num(y), i == 0 ? "axis" : "grid", num(left - 6), num(y + 4),
        tick_label(v));
  }
  out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"axis\"/>\n", num(left),
                     num(top), num(left), num(top + height));
  out += fmt::format(
      "<text transform=\"translate({},{}) rotate(-90)\" class=\"ytitle\" "
      "text-anchor=\"middle\">{}</text>\n",
      num(16), num(top + height / 2), xml(title));
}

// One series of a stacked or grouped bar chart: a value per column.
struct Series {
  std::string name, colour, key;  // key: the data-key attribute (e.g. "weights", "level:DRAM")
  std::vector<double> values;
};

// The document width for `columns` columns (layers or groups) of at most `max_slot` pixels
// each, at least `min_slot` each.
double auto_width(std::size_t columns, double min_slot, double max_slot, const PlotOptions& o) {
  const double cols = static_cast<double>(std::max<std::size_t>(columns, 1));
  double plot;
  if (o.width > 0) {
    plot = std::max(static_cast<double>(o.width) - kLeft - kRight, cols);  // ≥ 1 px per column
  } else {
    plot = std::clamp(680.0, cols * min_slot, cols * max_slot);
  }
  const double w = plot + kLeft + kRight;
  return o.width > 0 ? w : std::max(w, kMinDocWidth);
}

std::string panel_title(const std::string& text) {
  return fmt::format("<text x=\"0\" y=\"15\" class=\"ptitle\">{}</text>\n", xml(text));
}

// Per column a stack of the series' values (bottom to top in series order), with a legend.
Panel stacked_panel(const std::string& title, const std::vector<std::string>& columns,
                    const std::vector<Series>& series, const std::string& y_title, double width,
                    const PlotOptions& o) {
  Panel p;
  p.width = width;
  std::string& out = p.body;
  out += panel_title(title);
  std::vector<LegendItem> items;
  for (const Series& s : series) items.push_back({s.name, s.colour});
  const double top = 26 + legend(out, items, kLeft, width - kRight, 24) + 12;
  const double right = width - kRight;
  const std::size_t n = columns.size();
  const double slot = (right - kLeft) / static_cast<double>(std::max<std::size_t>(n, 1));

  std::vector<double> totals(n, 0.0);
  for (const Series& s : series)
    for (std::size_t i = 0; i < n && i < s.values.size(); ++i) totals[i] += s.values[i];
  const Ticks t = nice_ticks(n ? *std::max_element(totals.begin(), totals.end()) : 0.0);
  draw_y_axis(out, t, kLeft, right, top, kPlotHeight, y_title);

  const double bar = std::min(std::max(slot * 0.72, std::min(slot, 1.0)), 56.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double x = kLeft + slot * static_cast<double>(i) + (slot - bar) / 2;
    double base = 0;
    out += fmt::format("<g class=\"bar\" data-column=\"{}\">\n", xml(columns[i]));
    for (const Series& s : series) {
      const double v = i < s.values.size() ? s.values[i] : 0.0;
      if (!(v > 0)) continue;
      const double y1 = top + kPlotHeight - kPlotHeight * (base + v) / t.top;
      const double y0 = top + kPlotHeight - kPlotHeight * base / t.top;
      base += v;
      out += fmt::format(
          "<rect x=\"{}\" y=\"{:.2f}\" width=\"{}\" height=\"{:.2f}\" fill=\"{}\" class=\"seg\" "
          "data-key=\"{}\" data-value=\"{}\"><title>{}: {} {} ({} of the layer)</title></rect>\n",
          num(x), y1, num(bar), y0 - y1, s.colour, xml(s.key), v, xml(columns[i]), xml(s.name),
          human_number(v), percent_text(v, totals[i]));
    }
    out += "</g>\n";
  }
  if (n == 0) {
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" class=\"note\" text-anchor=\"middle\">no layers</text>\n",
        num((kLeft + right) / 2), num(top + kPlotHeight / 2));
  }
  const XLabels xl = x_labels(columns, slot, o.max_label_chars);
  draw_x_labels(out, xl, kLeft, slot, top + kPlotHeight);
  p.height = top + kPlotHeight + xl.height + 10;
  return p;
}

// ---------------------------------------------------------------------------------------------
// The estimate's data, once.

struct EstimateData {
  std::vector<std::string> layers;
  std::vector<Series> by_type, by_level;
  TypeSplit total;
  std::vector<double> level_totals;
  double macs = 0;
};

EstimateData estimate_data(const NetworkEstimate& est) {
  EstimateData d;
  const std::vector<LevelColumn> cols = detail::estimate_columns(est);
  const std::vector<std::string> colours = level_colours(cols.empty() ? 0 : cols.size() - 1);
  for (std::size_t t = 0; t < kTypeNames.size(); ++t)
    d.by_type.push_back({kTypeNames[t], kTypeColours[t], kTypeNames[t], {}});
  for (std::size_t c = 0; c < cols.size(); ++c)
    d.by_level.push_back({cols[c].name, colours[c], "level:" + cols[c].name, {}});
  d.level_totals.assign(cols.size(), 0.0);
  for (const LayerResult& r : est.layers) {
    d.layers.push_back(r.layer.name());
    const TypeSplit s = detail::type_split(r.eval.energy);
    detail::add_into(d.total, s);
    const double parts[] = {s.compute, s.weights, s.ifmap, s.ofmap};
    for (std::size_t t = 0; t < kTypeNames.size(); ++t) d.by_type[t].values.push_back(parts[t]);
    for (std::size_t c = 0; c < cols.size(); ++c) {
      const double v = detail::column_value(cols[c], r.eval.energy);
      d.by_level[c].values.push_back(v);
      d.level_totals[c] += v;
    }
    d.macs += static_cast<double>(r.layer.macs());
  }
  return d;
}

double estimate_width(const NetworkEstimate& est, const PlotOptions& o) {
  return auto_width(est.layers.size(), 14, 80, o);
}

std::string energy_title(const NetworkEstimate& est) {
  return "energy (" + unit_phrase(est.unit) + ")";
}

Panel type_panel(const NetworkEstimate& est, const EstimateData& d, double width,
                 const PlotOptions& o) {
  return stacked_panel("(a) Energy per layer by data type", d.layers, d.by_type, energy_title(est),
                       width, o);
}

Panel level_panel(const NetworkEstimate& est, const EstimateData& d, double width,
                  const PlotOptions& o) {
  return stacked_panel("(b) Energy per layer by level", d.layers, d.by_level, energy_title(est),
                       width, o);
}

// One 100 % bar with each part's share inside (when it fits) and a legend of shares and values.
double split_bar(std::string& out, const std::string& label, const std::vector<LegendItem>& parts,
                 const std::vector<double>& values, const std::string& key_prefix, double width,
                 double y) {
  constexpr double kBarH = 26, kLabelW = 110;
  double total = 0;
  for (double v : values) total += v;
  const double x0 = kLabelW, x1 = width - kRight;
  out +=
      fmt::format("<text x=\"0\" y=\"{}\" class=\"rowlabel\">{}</text>\n", num(y + 17), xml(label));
  out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"frame\"/>\n",
                     num(x0), num(y), num(x1 - x0), num(kBarH));
  double x = x0;
  std::vector<LegendItem> items;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const double v = values[i];
    items.push_back(
        {fmt::format("{} {} ({})", parts[i].label, percent_text(v, total), human_number(v)),
         parts[i].colour});
    if (!(v > 0) || !(total > 0)) continue;
    const double w = (x1 - x0) * v / total;
    out += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" fill=\"{}\" class=\"seg\" "
        "data-key=\"{}{}\" data-value=\"{}\"><title>{}: {} ({})</title></rect>\n",
        num(x), num(y), w, num(kBarH), parts[i].colour, key_prefix, xml(parts[i].label), v,
        xml(parts[i].label), human_number(v), percent_text(v, total));
    const std::string pct = fmt::format("{:.0f} %", 100.0 * v / total);
    if (w >= text_width(pct, 11) + 8) {
      out += fmt::format(
          "<text x=\"{}\" y=\"{}\" class=\"inbar\" style=\"{}\" text-anchor=\"middle\">{}</text>\n",
          num(x + w / 2), num(y + 17), ink_on(parts[i].colour), pct);
    }
    x += w;
  }
  const double h = legend(out, items, x0, x1, y + kBarH + 6);
  return kBarH + 6 + h + 10;
}

Panel split_panel(const NetworkEstimate& est, const EstimateData& d, double width) {
  Panel p;
  p.width = width;
  std::string& out = p.body;
  out += panel_title(fmt::format("(c) Network total: {} ({}) by data type and by level",
                                 human_number(d.total.total), unit_phrase(est.unit)));
  double y = 28;
  std::vector<LegendItem> types;
  for (std::size_t t = 0; t < kTypeNames.size(); ++t)
    types.push_back({kTypeNames[t], kTypeColours[t]});
  y += split_bar(out, "by data type", types,
                 {d.total.compute, d.total.weights, d.total.ifmap, d.total.ofmap}, "", width, y);
  std::vector<LegendItem> levels;
  for (const Series& s : d.by_level) levels.push_back({s.name, s.colour});
  y += split_bar(out, "by level", levels, d.level_totals, "level:", width, y);
  p.height = y;
  return p;
}

// ---------------------------------------------------------------------------------------------
// Documents.

constexpr const char* kStyle =
    "text{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;fill:#1A1A1A}"
    ".title{font-size:17px;font-weight:bold}.subtitle{font-size:12.5px;fill:#404040}"
    ".warn{font-size:12.5px;fill:#B00020}"
    ".ptitle{font-size:14px;font-weight:bold}.legend{font-size:12px}"
    ".tick{font-size:11px;fill:#404040}.xlabel{font-size:11px}"
    ".ytitle{font-size:12px;fill:#404040}.rowlabel{font-size:12.5px}"
    ".inbar{font-size:11px;font-weight:bold}.note{font-size:12px;fill:#707070}"
    ".grid{stroke:#E3E3E3;stroke-width:1}.axis{stroke:#606060;stroke-width:1}"
    ".seg{stroke:#FFFFFF;stroke-width:0.5}.swatch{stroke:none}"
    ".frame{fill:#F4F4F4;stroke:#C8C8C8;stroke-width:1}.sep{stroke:#909090;stroke-dasharray:4 3}";

constexpr double kMargin = 16;

// Title lines, then the panels one under another, on a white background.
std::string document(const std::vector<std::string>& title_lines, bool warn_last,
                     const std::vector<Panel>& panels) {
  double width = 0;
  for (const Panel& p : panels) width = std::max(width, p.width);
  width += 2 * kMargin;
  std::string body;
  double y = kMargin;
  for (std::size_t i = 0; i < title_lines.size(); ++i) {
    const bool first = i == 0, warn = warn_last && i + 1 == title_lines.size() && i > 0;
    y += first ? 17 : 18;
    body += fmt::format("<text x=\"{}\" y=\"{}\" class=\"{}\">{}</text>\n", num(kMargin), num(y),
                        first ? "title" : (warn ? "warn" : "subtitle"), xml(title_lines[i]));
  }
  if (!title_lines.empty()) y += 18;
  for (const Panel& p : panels) {
    body += fmt::format("<g transform=\"translate({},{})\">\n", num(kMargin), num(y));
    body += p.body;
    body += "</g>\n";
    y += p.height + 18;
  }
  const double height = y - 18 + kMargin;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\">\n",
      num(width), num(height));
  out += "<title>" + (title_lines.empty() ? std::string() : xml(title_lines[0])) + "</title>\n";
  out += std::string("<style>") + kStyle + "</style>\n";
  out +=
      fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"#FFFFFF\"/>\n", num(width), num(height));
  out += body;
  out += "</svg>\n";
  return out;
}

std::vector<std::string> estimate_titles(const NetworkEstimate& est, const EstimateData& d) {
  std::vector<std::string> lines = {
      fmt::format("{} on {}: energy per layer", est.network, est.arch),
      fmt::format("dataflow {} · objective {} · batch {} · {} layers · total {} ({}), {} per MAC",
                  dataflow_name(est.dataflow), objective_name(est.objective), est.batch,
                  est.layers.size(), human_number(d.total.total), unit_phrase(est.unit),
                  d.macs > 0 ? fmt::format("{:.3g}", d.total.total / d.macs) : "-")};
  if (est.interrupted)
    lines.push_back("interrupted: some mappings are the best found so far, not proven optimal");
  return lines;
}

}  // namespace

std::string estimate_svg(const NetworkEstimate& est, const PlotOptions& options) {
  const EstimateData d = estimate_data(est);
  const double w = estimate_width(est, options);
  return document(
      estimate_titles(est, d), est.interrupted,
      {type_panel(est, d, w, options), level_panel(est, d, w, options), split_panel(est, d, w)});
}

std::string estimate_type_svg(const NetworkEstimate& est, const PlotOptions& options) {
  const EstimateData d = estimate_data(est);
  return document({}, false, {type_panel(est, d, estimate_width(est, options), options)});
}

std::string estimate_level_svg(const NetworkEstimate& est, const PlotOptions& options) {
  const EstimateData d = estimate_data(est);
  return document({}, false, {level_panel(est, d, estimate_width(est, options), options)});
}

std::string estimate_split_svg(const NetworkEstimate& est, const PlotOptions& options) {
  const EstimateData d = estimate_data(est);
  return document({}, false, {split_panel(est, d, estimate_width(est, options))});
}

std::string compare_svg(const DataflowComparison& c, const PlotOptions& options) {
  std::vector<std::string> groups = c.layer_names;
  groups.push_back("TOTAL");
  const std::size_t k = c.dataflows.size();
  std::vector<Series> series;
  for (std::size_t j = 0; j < k; ++j) {
    Series s{std::string(dataflow_name(c.dataflows[j])),
             kCategorical[j % kCategorical.size()],
             std::string(dataflow_name(c.dataflows[j])),
             {}};
    for (const auto& layer : c.layers)
      s.values.push_back(j < layer.size() ? layer[j].energy_per_mac() : 0.0);
    s.values.push_back(j < c.total.size() ? c.total[j].energy_per_mac() : 0.0);
    series.push_back(std::move(s));
  }
  const double per_bar_min = 3, per_bar_max = 14;
  const double width = auto_width(groups.size(), static_cast<double>(k) * per_bar_min + 6,
                                  static_cast<double>(k) * per_bar_max + 16, options);

  Panel p;
  p.width = width;
  std::string& out = p.body;
  out += panel_title("Energy per MAC, per layer and in total (lower is better)");
  std::vector<LegendItem> items;
  for (const Series& s : series) items.push_back({s.name, s.colour});
  const double top = 26 + legend(out, items, kLeft, width - kRight, 24) + 12;
  const double right = width - kRight;
  const std::size_t n = groups.size();
  const double slot = (right - kLeft) / static_cast<double>(n);
  double peak = 0;
  for (const Series& s : series)
    for (double v : s.values) peak = std::max(peak, v);
  const Ticks t = nice_ticks(peak);
  draw_y_axis(out, t, kLeft, right, top, kPlotHeight,
              "energy per MAC (" + unit_phrase(c.unit) + ")");
  const double bar = k ? std::max(slot * 0.8 / static_cast<double>(k), 0.5) : 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x0 = kLeft + slot * static_cast<double>(i) + (slot - bar * k) / 2;
    out += fmt::format("<g class=\"bar\" data-column=\"{}\">\n", xml(groups[i]));
    for (std::size_t j = 0; j < k; ++j) {
      const double v = series[j].values[i];
      if (!(v > 0)) continue;
      const double h = kPlotHeight * v / t.top;
      out += fmt::format(
          "<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\" "
          "class=\"seg\" data-key=\"{}\" data-value=\"{}\"><title>{}: {} {:.4g} per MAC"
          "</title></rect>\n",
          x0 + bar * j, top + kPlotHeight - h, bar, h, series[j].colour, xml(series[j].key), v,
          xml(groups[i]), xml(series[j].name), v);
    }
    out += "</g>\n";
  }
  const double sep = kLeft + slot * static_cast<double>(n - 1);
  out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"sep\"/>\n", num(sep),
                     num(top), num(sep), num(top + kPlotHeight));
  const XLabels xl = x_labels(groups, slot, options.max_label_chars);
  draw_x_labels(out, xl, kLeft, slot, top + kPlotHeight);
  p.height = top + kPlotHeight + xl.height + 10;

  std::vector<std::string> lines = {
      fmt::format("Dataflow comparison: {}, {} PEs, batch {}", c.network, c.pes, c.batch),
      fmt::format("storage of equal {}; base arch {}; each dataflow with its own optimal mappings",
                  c.equal_area ? "area" : "capacity", c.base_arch)};
  if (c.interrupted)
    lines.push_back("interrupted: some mappings are the best found so far, not proven optimal");
  return document(lines, c.interrupted, {p});
}

std::string tradeoff_svg(const std::string& title, const std::vector<TradeoffSeries>& series,
                         double reference_energy, double reference_accuracy, double max_drop,
                         const PlotOptions& options) {
  const double width = options.width > 0 ? options.width : kMinDocWidth;
  Panel p;
  p.width = width;
  std::string& out = p.body;
  std::vector<LegendItem> items;
  for (std::size_t i = 0; i < series.size(); ++i)
    items.push_back({series[i].name, kCategorical[i % kCategorical.size()]});
  items.push_back(
      {fmt::format("accuracy floor (original − {:.3g} points)", 100 * max_drop), "#B00020"});
  const double top = 4 + legend(out, items, kLeft, width - kRight, 2) + 14;
  const double right = width - kRight, height = 320;
  // x: relative energy from 0 to the largest point (≥ 1); y: accuracy from a rounded floor.
  double x_max = 1, y_min = reference_accuracy - max_drop, y_max = reference_accuracy;
  const double e0 = reference_energy > 0 ? reference_energy : 1;
  for (const auto& s : series)
    for (const auto& pt : s.points) {
      if (std::isfinite(pt.energy)) x_max = std::max(x_max, pt.energy / e0);
      if (std::isfinite(pt.accuracy)) {
        y_min = std::min(y_min, pt.accuracy);
        y_max = std::max(y_max, pt.accuracy);
      }
    }
  const Ticks xt = nice_ticks(x_max);
  // Accuracy in percent, on ticks of a nice step over [y_lo, y_hi].
  const double span = std::max(100 * (y_max - y_min), 0.5);
  const Ticks yt0 = nice_ticks(span * 1.2);
  const double y_step = yt0.step;
  const double y_lo = std::floor((100 * y_min - 0.1 * span) / y_step) * y_step;
  const double y_hi = std::ceil((100 * y_max + 0.1 * span) / y_step) * y_step;
  auto px = [&](double rel) { return kLeft + (right - kLeft) * rel / xt.top; };
  auto py = [&](double acc) { return top + height - height * (100 * acc - y_lo) / (y_hi - y_lo); };
  for (double v = y_lo; v <= y_hi + 1e-9; v += y_step) {
    const double y = top + height - height * (v - y_lo) / (y_hi - y_lo);
    out += fmt::format(
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"grid\"/>"
        "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{:.4g} %</text>\n",
        num(kLeft), num(y), num(right), num(y), num(kLeft - 6), num(y + 4), v);
  }
  for (int i = 0; i <= xt.count; ++i) {
    const double v = xt.step * i, x = px(v);
    out += fmt::format(
        "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" class=\"grid\"/>"
        "<text x=\"{0}\" y=\"{3}\" class=\"tick\" text-anchor=\"middle\">{4:.3g}</text>\n",
        num(x), num(top), num(top + height), num(top + height + 15), v);
  }
  out += fmt::format(
      "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" class=\"axis\"/>"
      "<line x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\" class=\"axis\"/>\n",
      num(kLeft), num(top), num(top + height), num(right));
  out += fmt::format(
      "<text transform=\"translate({},{}) rotate(-90)\" class=\"ytitle\" "
      "text-anchor=\"middle\">top-1 accuracy</text>\n",
      num(16), num(top + height / 2));
  out += fmt::format(
      "<text x=\"{}\" y=\"{}\" class=\"ytitle\" text-anchor=\"middle\">energy relative to "
      "the original network (1 = original; lower is better)</text>\n",
      num((kLeft + right) / 2), num(top + height + 34));
  const double floor_y = py(reference_accuracy - max_drop);
  out += fmt::format(
      "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#B00020\" "
      "stroke-dasharray=\"6 4\" data-key=\"floor\"/>\n",
      num(kLeft), num(floor_y), num(right), num(floor_y));
  for (std::size_t i = 0; i < series.size(); ++i) {
    const std::string colour = kCategorical[i % kCategorical.size()];
    const auto& pts = series[i].points;
    std::string path;
    for (const auto& pt : pts) {
      if (!std::isfinite(pt.energy) || !std::isfinite(pt.accuracy)) continue;
      path += fmt::format("{}{},{}", path.empty() ? "" : " ", num(px(pt.energy / e0)),
                          num(py(pt.accuracy)));
    }
    out += fmt::format("<g class=\"series\" data-series=\"{}\">\n", xml(series[i].name));
    if (!path.empty())
      out +=
          fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n",
                      path, colour);
    for (const auto& pt : pts) {
      if (!std::isfinite(pt.energy) || !std::isfinite(pt.accuracy)) continue;
      out += fmt::format(
          "<circle cx=\"{}\" cy=\"{}\" r=\"4.5\" fill=\"{}\" stroke=\"{}\" "
          "stroke-width=\"2\" class=\"point\" data-accepted=\"{}\" data-energy=\"{}\" "
          "data-accuracy=\"{}\"><title>{}: energy {:.3g} × original, accuracy {:.2f} %{}"
          "</title></circle>\n",
          num(px(pt.energy / e0)), num(py(pt.accuracy)), pt.accepted ? colour : "#FFFFFF", colour,
          pt.accepted ? "true" : "false", pt.energy, pt.accuracy, xml(pt.label), pt.energy / e0,
          100 * pt.accuracy, pt.accepted ? "" : " (not accepted: below the floor)");
    }
    out += "</g>\n";
  }
  p.height = top + height + 44;
  return document({title,
                   "every intermediate network; hollow points exceeded the accuracy drop "
                   "and were not kept"},
                  false, {p});
}

}  // namespace erg
