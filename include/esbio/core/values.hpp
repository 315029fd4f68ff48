#pragma once
// Checked conversions of user text into numbers: one set of rules for every value esbio reads,
// whether from the INI file, a --SECTION.KEY override or a subcommand's own option (--points,
// --repeats, --from). Every failure is an input_error that names the option and quotes the
// value printably, so a NUL byte or a newline in a value cannot cut the one-line message short.

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace esbio {

// text with its control characters escaped (\n, \t, \x00, ...); UTF-8 passes through.
std::string printable(std::string_view text);

// An input_error "NAME = 'VALUE' WHY" with the value made printable.
[[noreturn]] void bad_value(const std::string& name, std::string_view value,
                            const std::string& why);

// A whole number in [min, max]. Rejects signs, fractions, exponents and overflow: "-1" is never
// read as 2^64 - 1.
std::uint64_t parse_count(const std::string& name, std::string_view text, std::uint64_t min = 0,
                          std::uint64_t max = std::numeric_limits<std::uint32_t>::max());

enum class real_sign { any, positive, non_negative };
// A finite real number (inf and nan are refused) with the given sign.
double parse_real(const std::string& name, std::string_view text, real_sign sign = real_sign::any);

// Comma-separated lists of the same (spaces around items allowed, no empty items).
std::vector<double> parse_real_list(const std::string& name, std::string_view text,
                                    real_sign sign = real_sign::positive);
std::vector<std::uint64_t> parse_count_list(const std::string& name, std::string_view text,
                                            std::uint64_t min, std::uint64_t max);

// The shortest text that reads back as the same double.
std::string format_real(double v);

}  // namespace esbio
