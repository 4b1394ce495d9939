// src/io/yaml_reader.h — private helpers shared by erg's YAML readers and writers.
//
// The readers are recursive descents over a yaml-cpp node tree. Every check can fail, and every
// failure must become an erg::Error that names the file, the 1-based line and column, the text of
// that line and the offending key. To keep each field read to one line, the helpers here throw
// ParseFailure; each public parse function (erg/io.h) catches it, together with YAML::Exception,
// and returns the Error as a value. Nothing thrown here ever leaves the io module.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "erg/error.h"
#include "erg/layer.h"
#include "erg/mapping.h"

namespace erg::io {

// The one exception type of the readers; see the file comment.
struct ParseFailure {
  Error error;
};

// The text being parsed and its name; turns yaml-cpp marks into located Errors.
class Source {
 public:
  // `text` must outlive the Source.
  Source(const std::string& text, std::string origin) : text_(text), origin_(std::move(origin)) {}

  const std::string& origin() const { return origin_; }
  const std::string& text() const { return text_; }
  // An Error at a yaml-cpp mark (0-based; a null mark gives an Error naming only the file).
  Error error_at(const YAML::Mark& mark, std::string message) const;
  [[noreturn]] void fail(const YAML::Mark& mark, std::string message) const;

 private:
  std::string line_text(int line) const;  // 0-based line, without its end of line

  const std::string& text_;
  std::string origin_;
};

// Parses the text into a node tree; a syntax error becomes a located ParseFailure. The top level
// must be a map.
YAML::Node load_document(const Source& src);

// One `key: value` entry of a map. yaml-cpp gives an empty value (`key:` and nothing) the
// position of the next token, so errors about a value point at the key when the value is empty.
struct Field {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
  YAML::Mark mark() const;
};

// A YAML map being read: the entries in file order, and what the map is called in messages.
//   `owner`  names the thing the map describes ("level 'GLB'", "compute", "" for the top level);
//   `prefix` is prepended to key names in messages ("energy." gives "key 'energy.read'").
class MapView {
 public:
  // Fails unless `node` is a map with scalar keys, each appearing once.
  MapView(const Source& src, const YAML::Node& node, std::string owner, std::string prefix = "");

  // Fails on the first key not in `allowed`, with a "did you mean" hint.
  void allow(const std::vector<std::string>& allowed) const;
  void set_owner(std::string owner) { owner_ = std::move(owner); }

  const Field* find(std::string_view key) const;  // nullptr when absent
  // Fails with "<owner>: missing '<prefix><key>'" when absent.
  const Field& require(std::string_view key) const;
  const std::vector<Field>& fields() const { return fields_; }

  const Source& src() const { return src_; }
  const std::string& owner() const { return owner_; }
  YAML::Mark mark() const { return node_.Mark(); }
  const YAML::Node& node() const { return node_; }
  // "key 'energy.read'" — how a field is named in messages.
  std::string key_name(const Field& f) const { return "key " + quoted(f); }
  std::string quoted(const Field& f) const { return "'" + prefix_ + f.key + "'"; }
  // Fails at `mark` with "<owner>: message" (or just the message for the top level).
  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const;
  [[noreturn]] void fail_field(const Field& f, const std::string& message) const;

 private:
  const Source& src_;
  YAML::Node node_;
  std::string owner_;
  std::string prefix_;
  std::vector<Field> fields_;
};

// The map under a field of `parent` (fails, naming the field, if the value is not a map). The new
// view reports under `owner` with keys shown as `prefix` + key.
MapView sub_map(const MapView& parent, const Field& f, std::string owner, std::string prefix);

// "<kind> '<name>'" when `node` is a map with a scalar `key` (e.g. "level 'GLB'"), else
// "<kind> <index+1>": what to call a list entry in messages before its keys are checked.
std::string entry_owner(const YAML::Node& node, const char* key, const std::string& kind,
                        std::size_t index);

// Fails unless the map has `version: 1`.
void check_version(const MapView& top);

// Typed reads of a field's value. Failures read like
//   "level 'GLB': key 'capacity': expected a non-negative integer, got 'abc'".
std::string read_string(const MapView& m, const Field& f);
std::string read_name(const MapView& m, const Field& f);  // a non-empty string
std::int64_t read_int(const MapView& m, const Field& f, std::int64_t min = 0,
                      std::int64_t max = std::numeric_limits<std::int64_t>::max());
std::uint64_t read_uint64(const MapView& m, const Field& f);
// A finite number, at least `min`.
double read_number(const MapView& m, const Field& f, double min = 0.0,
                   double max = std::numeric_limits<double>::max());
// A YAML sequence (fails on anything else).
std::vector<YAML::Node> read_list(const MapView& m, const Field& f);
// A list of tensor names (aliases accepted) → which tensors it names.
std::array<bool, kNumTensors> read_tensor_set(const MapView& m, const Field& f);
// A tensor name, at `where`, for a message about `what_list` (e.g. "'keeps'").
Tensor read_tensor(const MapView& m, const YAML::Node& node, const YAML::Mark& where,
                   const std::string& what_list);

// A `[DIM: factor, ...]` loop list (mapping and pins files): each entry one dimension name and a
// factor in [1, max_factor]. `key_marks`, if given, receives where each entry's key stands.
std::vector<Loop> read_loop_list(const MapView& m, const Field& f, std::int64_t max_factor,
                                 std::vector<YAML::Mark>* key_marks = nullptr);

// Scalar text of a node as it should appear quoted in a message: 'abc', or "a map"/"a list"/
// "nothing" for non-scalars.
std::string describe(const YAML::Node& node);

// Writers: a YAML scalar for a string (plain when safe, else double-quoted) and a number written
// so that reading it back gives the same double.
std::string yaml_string(std::string_view s);
std::string yaml_number(double v);
// "[weights, inputs]"
std::string yaml_tensor_list(const std::array<bool, kNumTensors>& set);

}  // namespace erg::io
