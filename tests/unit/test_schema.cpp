// core/schema.hpp: one declaration per key gives the defaults (from the struct's initialisers),
// the checked reading and the canonical text; sections compose.
#include <doctest/doctest.h>

#include <optional>

#include "esbio/core/error.hpp"
#include "esbio/core/schema.hpp"

using namespace esbio;

namespace {

enum class colour { red, green };

struct inner {
  double rate = 0.5;
  std::vector<double> tolerances;
};

struct outer {
  std::size_t count = 3;
  colour tint = colour::green;
  std::optional<double> limit;
  std::optional<bool> rotate;
  std::uint32_t parts = 0;  // 0: auto
  std::vector<std::string> blocks;
  inner sub;
};

const schema<inner>& inner_schema() {
  static const auto s =
      schema<inner>()
          .field("sub.rate", &inner::rate, codecs::real(real_sign::positive), "a rate")
          .field("sub.tolerances", &inner::tolerances, codecs::reals("none"), "tolerances");
  return s;
}

const schema<outer>& outer_schema() {
  using namespace codecs;
  static const auto s =
      schema<outer>()
          .field("o.count", &outer::count, count<std::size_t>(1, 10), "how many")
          .field("o.tint", &outer::tint,
                 choice<colour>(
                     {{"red", colour::red}, {"green", colour::green}, {"verdant", colour::green}}),
                 "which")
          .field("o.limit", &outer::limit, real_or("max"), "a bound")
          .field("o.rotate", &outer::rotate, flag_or("auto"), "rotate?")
          .field("o.parts", &outer::parts, count_or<std::uint32_t>("auto", 0, 1, 16), "parts")
          .field("o.blocks", &outer::blocks, names("all"), "blocks")
          .section(&outer::sub, inner_schema());
  return s;
}

}  // namespace

TEST_CASE("a schema's defaults are the struct's initialisers, printed canonically") {
  const auto opts = outer_schema().options();
  REQUIRE(opts.size() == 8);
  const settings want{{"o.count", "3"},     {"o.tint", "green"},       {"o.limit", "max"},
                      {"o.rotate", "auto"}, {"o.parts", "auto"},       {"o.blocks", "all"},
                      {"sub.rate", "0.5"},  {"sub.tolerances", "none"}};
  for (const auto& o : opts) CHECK(want.at(o.key) == o.default_value);
  CHECK(opts[6].key == "sub.rate");  // sections keep their place and order
  // Reading the defaults' text gives the default-constructed struct back.
  settings defaults;
  for (const auto& o : opts) defaults[o.key] = o.default_value;
  CHECK(outer_schema().write(outer_schema().read(defaults)) == outer_schema().write(outer{}));
}

TEST_CASE("a schema reads typed values and writes them in canonical spelling") {
  const auto s = outer_schema().read({{"o.count", "7"},
                                      {"o.tint", "verdant"},
                                      {"o.limit", "2.50"},
                                      {"o.rotate", "yes"},
                                      {"o.parts", "4"},
                                      {"o.blocks", "W1,W2 , b"},
                                      {"sub.tolerances", "1e-6, 1e-08"}});
  CHECK(s.count == 7);
  CHECK(s.tint == colour::green);
  CHECK(s.limit == 2.5);
  CHECK(s.rotate == true);
  CHECK(s.parts == 4);
  CHECK(s.blocks == std::vector<std::string>{"W1", "W2", "b"});
  CHECK(s.sub.rate == 0.5);  // absent: the default stays
  CHECK(s.sub.tolerances == std::vector<double>{1e-6, 1e-8});
  const auto text = outer_schema().write(s);
  CHECK(text.at("o.tint") == "green");  // an alias is recorded by its first spelling
  CHECK(text.at("o.limit") == "2.5");
  CHECK(text.at("o.rotate") == "true");
  CHECK(text.at("o.blocks") == "W1, W2, b");
  CHECK(text.at("sub.tolerances") == "1e-06,1e-08");
  // The canonical text reads back as the same struct.
  CHECK(outer_schema().write(outer_schema().read(text)) == text);
}

TEST_CASE("every bad value is an input_error naming its key") {
  const auto bad = [](const char* key, const char* value) {
    return outer_schema().read({{key, value}});
  };
  CHECK_THROWS_WITH_AS(bad("o.count", "0"), "o.count = '0' must be at least 1", input_error);
  CHECK_THROWS_WITH_AS(bad("o.count", "-1"), "o.count = '-1' is not a non-negative integer",
                       input_error);
  CHECK_THROWS_WITH_AS(bad("o.tint", "blue"), "o.tint = 'blue' is not one of: red, green, verdant",
                       input_error);
  CHECK_THROWS_WITH_AS(bad("o.limit", "inf"), "o.limit = 'inf' is not a finite number",
                       input_error);
  CHECK_THROWS_WITH_AS(bad("o.rotate", "maybe"), "o.rotate = 'maybe' is not true or false",
                       input_error);
  CHECK_THROWS_WITH_AS(bad("o.parts", "17"), "o.parts = '17' must be at most 16", input_error);
  CHECK_THROWS_WITH_AS(bad("o.blocks", ","), "o.blocks = ',' names no block", input_error);
  CHECK_THROWS_WITH_AS(bad("sub.rate", "0"), "sub.rate = '0' must be positive", input_error);
  CHECK_THROWS_WITH_AS(bad("sub.tolerances", "1,,2"), doctest::Contains("sub.tolerances"),
                       input_error);
}
