// int: int64 with checked arithmetic. Overflow is an error (Overflow) and
// leaves the stored value unchanged; the Go original wraps silently.
#include "int64_type.hpp"

namespace tower::scalars {

namespace {
std::string Text(int64_t v) { return std::to_string(v); }
}  // namespace

void DefineInt(DatatypeBuilder& b) {
  Int64Type t(b, "int", TOWER_VALUE_INT, &Text);
  t.DefineBasics({"KEY VALUE:int", "KEY EXPECTED:int NEW:int", "KEY X:int", "integer",
                  "-1, 0 or 1 as the value is less than, equal to or greater than X", "greater",
                  "less"});
  t.DefineSwap("KEY VALUE:int");
  t.DefineClampMinMax("KEY MIN:int MAX:int", "KEY X:int");
  t.DefineArithmetic("KEY X:int", "KEY X:int");

  t.binary("mod", "KEY X:int", "remainder of division by X (sign of the dividend); returns it",
           [](const Call& c, int64_t a, int64_t x, int64_t* o) {
             if (x == 0) return c.invalid("modulo by zero");
             *o = x == -1 ? 0 : a % x;
             return Error::Ok();
           });
  t.binary("and", "KEY X:int", "bitwise AND with X",
           [](const Call&, int64_t a, int64_t x, int64_t* o) {
             *o = a & x;
             return Error::Ok();
           });
  t.binary("or", "KEY X:int", "bitwise OR with X",
           [](const Call&, int64_t a, int64_t x, int64_t* o) {
             *o = a | x;
             return Error::Ok();
           });
  t.binary("xor", "KEY X:int", "bitwise XOR with X",
           [](const Call&, int64_t a, int64_t x, int64_t* o) {
             *o = a ^ x;
             return Error::Ok();
           });
  t.binary("shift_left", "KEY X:int", "shifts left by X (0..63); Overflow when bits are lost",
           [](const Call& c, int64_t a, int64_t x, int64_t* o) {
             if (x < 0 || x > 63)
               return c.invalid("shift " + std::to_string(x) + " is outside 0..63");
             int64_t r = static_cast<int64_t>(static_cast<uint64_t>(a) << x);
             if ((r >> x) != a)
               return Overflow(c, c.key(), std::to_string(a) + " << " + std::to_string(x));
             *o = r;
             return Error::Ok();
           });
  t.binary("shift_right", "KEY X:int", "arithmetic shift right by X (0..63)",
           [](const Call& c, int64_t a, int64_t x, int64_t* o) {
             if (x < 0 || x > 63)
               return c.invalid("shift " + std::to_string(x) + " is outside 0..63");
             *o = a >> x;
             return Error::Ok();
           });
  t.unary("inc", "adds 1; returns the new value", [](const Call& c, int64_t a, int64_t* o) {
    return __builtin_add_overflow(a, 1, o) ? Overflow(c, c.key(), std::to_string(a) + " + 1")
                                           : Error::Ok();
  });
  t.unary("dec", "subtracts 1; returns the new value", [](const Call& c, int64_t a, int64_t* o) {
    return __builtin_sub_overflow(a, 1, o) ? Overflow(c, c.key(), std::to_string(a) + " - 1")
                                           : Error::Ok();
  });
  t.unary("not", "bitwise NOT", [](const Call&, int64_t a, int64_t* o) {
    *o = ~a;
    return Error::Ok();
  });
}

}  // namespace tower::scalars
