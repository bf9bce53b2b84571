// Size: a byte count with the Go original's units (util/size).
//
// As in the Go original, units are binary: 1 KB = 1024 B, 1 MB = 1024 KB, and
// so on up to EB. Parsing also accepts the IEC spellings (KiB, MiB, ...), with
// the same meaning, with or without a space, and with a fractional number:
// "64MiB", "1GB", "512KB", "1.5 GB", "100" (bytes), "100B". Printing follows
// the Go original: "1.00 GB", "512.00 KB", "100 B".
#ifndef TOWER_SIZE_HPP_
#define TOWER_SIZE_HPP_

#include <cstdint>
#include <string>
#include <string_view>

#include "tower/status.hpp"

namespace tower {

class Size {
 public:
  static constexpr int64_t kKB = 1024;
  static constexpr int64_t kMB = 1024 * kKB;
  static constexpr int64_t kGB = 1024 * kMB;
  static constexpr int64_t kTB = 1024 * kGB;
  static constexpr int64_t kPB = 1024 * kTB;
  static constexpr int64_t kEB = 1024 * kPB;

  constexpr Size() = default;
  constexpr explicit Size(int64_t bytes) : bytes_(bytes) {}

  static constexpr Size FromBytes(int64_t b) { return Size(b); }
  static Size FromKilobytes(double v) { return Size(static_cast<int64_t>(v * kKB)); }
  static Size FromMegabytes(double v) { return Size(static_cast<int64_t>(v * kMB)); }
  static Size FromGigabytes(double v) { return Size(static_cast<int64_t>(v * kGB)); }
  static Size FromTerabytes(double v) { return Size(static_cast<int64_t>(v * kTB)); }

  // Parses "64MiB", "1 GB", "512KB", "1.5GB", "4096". Errors (empty text,
  // negative numbers, unknown units, values past 8 EiB) are InvalidArgument
  // naming the text.
  static Result<Size> Parse(std::string_view text);

  constexpr int64_t bytes() const { return bytes_; }
  double kilobytes() const { return static_cast<double>(bytes_) / kKB; }
  double megabytes() const { return static_cast<double>(bytes_) / kMB; }
  double gigabytes() const { return static_cast<double>(bytes_) / kGB; }
  double terabytes() const { return static_cast<double>(bytes_) / kTB; }

  // "1.00 GB", "100 B": the largest unit not above the value, two decimals.
  std::string ToString() const;

  friend constexpr bool operator==(Size a, Size b) { return a.bytes_ == b.bytes_; }
  friend constexpr auto operator<=>(Size a, Size b) { return a.bytes_ <=> b.bytes_; }

 private:
  int64_t bytes_ = 0;
};

}  // namespace tower

#endif  // TOWER_SIZE_HPP_
