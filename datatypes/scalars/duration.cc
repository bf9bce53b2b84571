// duration: a signed span of time, int64 nanoseconds (payload: 8 bytes,
// big-endian two's complement). Arithmetic is checked like int: overflow is
// an error (Overflow) and leaves the stored value unchanged. Every command
// comes from the int64 family (int64_type.hpp).
#include "int64_type.hpp"

namespace tower::scalars {

namespace {
std::string Ns(int64_t v) { return std::to_string(v) + "ns"; }
}  // namespace

void DefineDuration(DatatypeBuilder& b) {
  Int64Type t(b, "duration", TOWER_VALUE_DURATION, &Ns);
  t.DefineBasics({"KEY VALUE:duration", "KEY EXPECTED:duration NEW:duration", "KEY X:duration",
                  "duration", "-1, 0 or 1 as the value is shorter than, equal to or longer than X",
                  "longer", "shorter"});
  t.DefineSwap("KEY VALUE:duration");
  t.DefineClampMinMax("KEY MIN:duration MAX:duration", "KEY X:duration");
  t.DefineArithmetic("KEY X:duration", "KEY N:int");
}

}  // namespace tower::scalars
