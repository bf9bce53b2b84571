#include "tower/size.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace tower {

namespace {

// The multiplier for a unit spelling, or 0 when unknown. Case-insensitive;
// "KB" and "KiB" both mean 1024 as in the Go original.
int64_t UnitMultiplier(std::string_view unit) {
  std::string u;
  for (char c : unit) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (u.empty() || u == "B") return 1;
  static constexpr struct {
    char letter;
    int64_t mult;
  } kUnits[] = {{'K', Size::kKB}, {'M', Size::kMB}, {'G', Size::kGB},
                {'T', Size::kTB}, {'P', Size::kPB}, {'E', Size::kEB}};
  for (const auto& e : kUnits) {
    if (u[0] != e.letter) continue;
    std::string_view rest = std::string_view(u).substr(1);
    if (rest == "" || rest == "B" || rest == "IB") return e.mult;
  }
  return 0;
}

}  // namespace

Result<Size> Size::Parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("bad size '" + std::string(text) + "': " + std::string(why));
  };
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  size_t num_start = i;
  bool seen_digit = false, seen_dot = false;
  while (i < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !seen_dot))) {
    if (text[i] == '.')
      seen_dot = true;
    else
      seen_digit = true;
    ++i;
  }
  if (!seen_digit) {
    if (i < text.size() && text[i] == '-') return bad("sizes cannot be negative");
    return bad("expected a number such as 64MiB, 1GB or 512KB");
  }
  std::string number(text.substr(num_start, i - num_start));
  while (i < text.size() && text[i] == ' ') ++i;
  size_t unit_end = text.size();
  while (unit_end > i && text[unit_end - 1] == ' ') --unit_end;
  std::string_view unit = text.substr(i, unit_end - i);
  int64_t mult = UnitMultiplier(unit);
  if (mult == 0) {
    return bad("unknown unit '" + std::string(unit) +
               "' (use B, KB, MB, GB, TB, PB, EB or KiB..EiB)");
  }
  if (!seen_dot) {
    // Integer path: exact, with overflow detection.
    int64_t v = 0;
    for (char c : number) {
      if (__builtin_mul_overflow(v, int64_t{10}, &v) || __builtin_add_overflow(v, c - '0', &v))
        return bad("too large (the limit is 8 EiB)");
    }
    int64_t out = 0;
    if (__builtin_mul_overflow(v, mult, &out)) return bad("too large (the limit is 8 EiB)");
    return Size(out);
  }
  double v = std::strtod(number.c_str(), nullptr);
  double bytes = std::floor(v * static_cast<double>(mult));
  if (!(bytes < 9.2e18)) return bad("too large (the limit is 8 EiB)");
  return Size(static_cast<int64_t>(bytes));
}

std::string Size::ToString() const {
  static constexpr struct {
    int64_t mult;
    const char* name;
  } kUnits[] = {{kEB, "EB"}, {kPB, "PB"}, {kTB, "TB"}, {kGB, "GB"}, {kMB, "MB"}, {kKB, "KB"}};
  char buf[64];
  for (const auto& u : kUnits) {
    if (bytes_ >= u.mult) {
      std::snprintf(buf, sizeof buf, "%.2f %s",
                    static_cast<double>(bytes_) / static_cast<double>(u.mult), u.name);
      return buf;
    }
  }
  std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes_));
  return buf;
}

}  // namespace tower
