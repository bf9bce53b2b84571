// bigint: arbitrary-precision integers (Boost.Multiprecision cpp_int).
//
// Payload: the boundary encoding (bignum.hpp): a sign byte (0 = +, 1 = -)
// then the big-endian magnitude without leading zeros; negative zero or a
// leading zero byte is Corruption. Arguments X may be BIGINT or INT.
//
// Semantics: div truncates toward zero and mod has the sign of the
// dividend (like C++ and Go's big.Int.Quo/Rem); by zero is InvalidArgument.
// Every argument and result must fit max_number_bytes() (its encoding),
// else Overflow and the stored value is unchanged.
#include "bignum.hpp"

namespace tower::scalars {

namespace {

// Argument i as a big integer: BIGINT or INT, plus STRING (base 10) when
// `text` is set.
Error BigArg(const Call& c, size_t i, bool text, BigInt* out) {
  const tower_value& v = c.arg(i);
  if (v.type == TOWER_VALUE_INT) {
    *out = v.i;
    return Error::Ok();
  }
  if (v.type == TOWER_VALUE_BIGINT) {
    std::string_view b = sdk::view(v.bytes);
    if (b.size() > c.max_number_bytes()) {
      return TooBig(c, "argument " + std::to_string(i + 1), b.size());
    }
    std::string why = DecodeBigInt(b, /*strict=*/false, out);
    if (!why.empty()) return c.invalid("argument " + std::to_string(i + 1) + ": " + why);
    return Error::Ok();
  }
  if (text && v.type == TOWER_VALUE_STRING) return ParseBigInt(c, sdk::view(v.bytes), 10, out);
  return c.invalid("argument " + std::to_string(i + 1) + " must be bigint or int" +
                   (text ? std::string(" or string") : std::string()) + ", got " +
                   sdk::value_type_name(v.type));
}

Error BaseArg(const Call& c, size_t i, int* base) {
  int64_t b = 0;
  Error e = c.get_int(i, &b);
  if (!e.ok()) return e;
  if (b < 2 || b > 36) return c.invalid("base " + std::to_string(b) + " is outside 2..36");
  *base = static_cast<int>(b);
  return Error::Ok();
}

}  // namespace

void DefineBigInt(DatatypeBuilder& b) {
  const uint32_t kType = b.type("bigint", 1);
  auto read = [kType](const Call& c, BigInt* v) {
    std::string p;
    Error e = c.read(c.key(), kType, &p);
    if (!e.ok()) return e;
    std::string why = DecodeBigInt(p, /*strict=*/true, v);
    if (!why.empty()) {
      return Error::Make(TOWER_E_CORRUPTION,
                         "value of key '" + std::string(c.key()) + "' is corrupt: " + why);
    }
    return Error::Ok();
  };
  // Checks the size, stores v and returns it.
  auto store = [kType](const Call& c, const BigInt& v, bool keep_ttl) {
    Error e = CheckSize(c, v, "the result");
    if (!e.ok()) return e;
    std::string p = EncodeBigInt(v);
    e = c.write(c.key(), kType, p, keep_ttl);
    if (e.ok()) c.set_bytes(TOWER_VALUE_BIGINT, p);
    return e;
  };
  // KEY X -> f(current, x) stored and returned.
  auto binary = [&b, read, store](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY X:bigint|int", summary, kWrite, 2, 2}, [read, store, f](Call& c) {
      BigInt cur, x, out;
      Error e = BigArg(c, 1, false, &x);
      if (e.ok()) e = read(c, &cur);
      if (e.ok()) e = f(c, cur, x, &out);
      return e.ok() ? store(c, out, true) : e;
    });
  };
  auto unary = [&b, read, store](const char* name, const char* summary, auto&& f) {
    b.command({name, "KEY", summary, kWrite, 1, 1}, [read, store, f](Call& c) {
      BigInt cur;
      Error e = read(c, &cur);
      return e.ok() ? store(c, f(cur), true) : e;
    });
  };

  b.command({"bigint.set", "KEY VALUE:bigint|int|string", "stores VALUE (a string is base 10)",
             kWrite, 2, 2},
            [kType](Call& c) {
              BigInt v;
              Error e = BigArg(c, 1, true, &v);
              if (e.ok()) e = c.write(c.key(), kType, EncodeBigInt(v));
              if (e.ok()) c.set_null();
              return e;
            });
  b.command({"bigint.get", "KEY", "returns the integer", kRead, 1, 1}, [read](Call& c) {
    BigInt v;
    Error e = read(c, &v);
    if (e.ok()) c.set_bytes(TOWER_VALUE_BIGINT, EncodeBigInt(v));
    return e;
  });
  binary("bigint.add", "adds X; returns the new value",
         [](const Call&, const BigInt& a, const BigInt& x, BigInt* o) {
           *o = a + x;
           return Error::Ok();
         });
  binary("bigint.sub", "subtracts X; returns the new value",
         [](const Call&, const BigInt& a, const BigInt& x, BigInt* o) {
           *o = a - x;
           return Error::Ok();
         });
  binary("bigint.mul", "multiplies by X; returns the new value",
         [](const Call& c, const BigInt& a, const BigInt& x, BigInt* o) {
           // The product has at least bits(a) + bits(x) - 1 bits: refuse
           // before computing it when that is already too big.
           if (a != 0 && x != 0) {
             Error e = CheckBits(c, BitLength(a) + BitLength(x) - 1, "the product");
             if (!e.ok()) return e;
           }
           *o = a * x;
           return Error::Ok();
         });
  binary("bigint.div", "divides by X, truncating toward zero; returns the new value",
         [](const Call& c, const BigInt& a, const BigInt& x, BigInt* o) {
           if (x == 0) return c.invalid("division by zero");
           *o = a / x;
           return Error::Ok();
         });
  binary("bigint.mod", "remainder of division by X (sign of the dividend); returns it",
         [](const Call& c, const BigInt& a, const BigInt& x, BigInt* o) {
           if (x == 0) return c.invalid("modulo by zero");
           *o = a % x;
           return Error::Ok();
         });
  unary("bigint.neg", "negates; returns the new value", [](const BigInt& a) { return BigInt(-a); });
  unary("bigint.abs", "absolute value; returns it", [](const BigInt& a) { return Abs(a); });
  b.command({"bigint.cmp", "KEY X:bigint|int",
             "-1, 0 or 1 as the value is less than, equal to or greater than X", kRead, 2, 2},
            [read](Call& c) {
              BigInt cur, x;
              Error e = BigArg(c, 1, false, &x);
              if (e.ok()) e = read(c, &cur);
              if (e.ok()) c.set_int(cur < x ? -1 : (cur > x ? 1 : 0));
              return e;
            });
  b.command({"bigint.to_text", "KEY BASE:int",
             "the value as text in BASE (2..36, lower-case digits, '-' sign)", kRead, 2, 2},
            [read](Call& c) {
              int base = 10;
              BigInt cur;
              Error e = BaseArg(c, 1, &base);
              if (e.ok()) e = read(c, &cur);
              if (e.ok()) c.set_string(BigIntToText(cur, base));
              return e;
            });
  b.command({"bigint.from_text", "KEY TEXT:string BASE:int",
             "parses TEXT in BASE (2..36, optional sign), stores and returns it", kWrite, 3, 3},
            [store](Call& c) {
              std::string_view text;
              int base = 10;
              BigInt v;
              Error e = c.get_bytes(1, TOWER_VALUE_STRING, &text);
              if (e.ok()) e = BaseArg(c, 2, &base);
              if (e.ok()) e = ParseBigInt(c, text, base, &v);
              return e.ok() ? store(c, v, false) : e;
            });
}

}  // namespace tower::scalars
