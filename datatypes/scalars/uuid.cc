// uuid: 16-byte UUIDs (RFC 9562). Payload: the 16 bytes.
//
// Arguments U accept a UUID or its text: the canonical 8-4-4-4-12 hex form
// (either case), optionally in {braces} or with a "urn:uuid:" prefix.
// uuid.generate makes version 4 (random) or 7 (Unix-time ordered: a 48-bit
// millisecond timestamp from the context clock, then 12 bits of
// sub-millisecond fraction as rand_a per RFC 9562 6.2 method 3, and random
// bits; kept strictly increasing within the process, also when the clock
// stalls or steps back).
#include <array>
#include <mutex>

#include "scalars.hpp"

namespace tower::scalars {

namespace {

using Bytes = std::array<unsigned char, 16>;

bool ParseUuid(std::string_view text, Bytes* out) { return sdk::uuid_from_text(text, out->data()); }
std::string ToText(const Bytes& b) { return sdk::uuid_to_text(b.data()); }

std::string_view View(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Argument i: a UUID or its text.
Error UuidArg(const Call& c, size_t i, Bytes* out) {
  const tower_value& v = c.arg(i);
  std::string_view b = sdk::view(v.bytes);
  if (v.type == TOWER_VALUE_UUID) {
    if (b.size() != 16)
      return c.invalid("argument " + std::to_string(i + 1) + ": a UUID has 16 bytes");
    std::copy(b.begin(), b.end(), out->begin());
    return Error::Ok();
  }
  if (v.type == TOWER_VALUE_STRING) {
    if (ParseUuid(b, out)) return Error::Ok();
    return c.invalid("bad UUID '" + std::string(b) +
                     "': want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  }
  return c.invalid("argument " + std::to_string(i + 1) + " must be uuid or string, got " +
                   sdk::value_type_name(v.type));
}

void SetVersion(Bytes* b, int version) {
  (*b)[6] = static_cast<unsigned char>(((*b)[6] & 0x0f) | (version << 4));
  (*b)[8] = static_cast<unsigned char>(((*b)[8] & 0x3f) | 0x80);  // RFC 4122/9562 variant
}

// The 60-bit (ms << 12 | sub-ms fraction) of the last v7 UUID made here.
std::mutex g_v7_mu;
uint64_t g_v7_last = 0;

Error Generate(const Call& c, int64_t version, Bytes* out) {
  Error e = c.random_bytes(reinterpret_cast<char*>(out->data()), out->size());
  if (!e.ok()) return e;
  if (version == 7) {
    int64_t ns = c.now_ns();
    if (ns < 0) ns = 0;
    uint64_t ms = static_cast<uint64_t>(ns / 1000000) & ((uint64_t{1} << 48) - 1);
    uint64_t frac = static_cast<uint64_t>(ns % 1000000) * 4096 / 1000000;  // 12 bits
    uint64_t t = (ms << 12) | frac;
    {
      std::lock_guard<std::mutex> lock(g_v7_mu);
      if (t <= g_v7_last) t = g_v7_last + 1;
      g_v7_last = t;
    }
    ms = t >> 12;
    frac = t & 0xfff;
    for (int i = 0; i < 6; ++i) (*out)[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
    (*out)[6] = static_cast<unsigned char>(frac >> 8);
    (*out)[7] = static_cast<unsigned char>(frac);
  }
  SetVersion(out, static_cast<int>(version));
  return Error::Ok();
}

bool IsNil(const Bytes& b) {
  for (unsigned char x : b) {
    if (x != 0) return false;
  }
  return true;
}

const char* Variant(const Bytes& b) {
  unsigned v = b[8];
  if ((v & 0x80) == 0) return "ncs";
  if ((v & 0xc0) == 0x80) return "rfc4122";
  if ((v & 0xe0) == 0xc0) return "microsoft";
  return "future";
}

}  // namespace

void DefineUuid(DatatypeBuilder& b) {
  const uint32_t kType = b.type("uuid", 1);
  auto read = [kType](const Call& c, Bytes* u) {
    std::string p;
    Error e = c.read(c.key(), kType, &p);
    if (!e.ok()) return e;
    if (p.size() != 16) {
      return Error::Make(TOWER_E_CORRUPTION, "value of key '" + std::string(c.key()) +
                                                 "' is corrupt: want 16 bytes, found " +
                                                 std::to_string(p.size()));
    }
    std::copy(p.begin(), p.end(), u->begin());
    return Error::Ok();
  };
  auto result = [](const Call& c, const Bytes& u) { c.set_bytes(TOWER_VALUE_UUID, View(u)); };

  b.command({"uuid.set", "KEY U:uuid|string", "stores U", kWrite, 2, 2}, [kType](Call& c) {
    Bytes u{};
    Error e = UuidArg(c, 1, &u);
    if (e.ok()) e = c.write(c.key(), kType, View(u));
    if (e.ok()) c.set_null();
    return e;
  });
  b.command({"uuid.get", "KEY", "returns the UUID", kRead, 1, 1}, [read, result](Call& c) {
    Bytes u{};
    Error e = read(c, &u);
    if (e.ok()) result(c, u);
    return e;
  });
  b.command({"uuid.generate", "KEY [VERSION:int]",
             "stores a new UUID of VERSION 4 (random, the default) or 7 (time-ordered); returns it",
             kWrite, 1, 2},
            [kType, result](Call& c) {
              int64_t version = 4;
              Error e = c.size() > 1 ? c.get_int(1, &version) : Error::Ok();
              if (!e.ok()) return e;
              if (version != 4 && version != 7) {
                return c.invalid("UUID version " + std::to_string(version) +
                                 " is not supported (4 or 7)");
              }
              Bytes u{};
              e = Generate(c, version, &u);
              if (e.ok()) e = c.write(c.key(), kType, View(u));
              if (e.ok()) result(c, u);
              return e;
            });
  b.command({"uuid.equal", "KEY U:uuid|string", "true when the UUID equals U", kRead, 2, 2},
            [read](Call& c) {
              Bytes u{}, x{};
              Error e = UuidArg(c, 1, &x);
              if (e.ok()) e = read(c, &u);
              if (e.ok()) c.set_bool(u == x);
              return e;
            });
  b.command({"uuid.compare", "KEY U:uuid|string",
             "-1, 0 or 1 as the UUID sorts before, equal to or after U (bytewise)", kRead, 2, 2},
            [read](Call& c) {
              Bytes u{}, x{};
              Error e = UuidArg(c, 1, &x);
              if (e.ok()) e = read(c, &u);
              if (e.ok()) c.set_int(Cmp(u, x));
              return e;
            });
  b.command({"uuid.validate", "TEXT:string", "true when TEXT is a UUID in text form", kRead, 1, 1,
             -1, -1, 1},
            [](Call& c) {
              std::string_view t;
              Bytes u{};
              Error e = c.get_bytes(0, TOWER_VALUE_STRING, &t);
              if (e.ok()) c.set_bool(ParseUuid(t, &u));
              return e;
            });
  b.command({"uuid.to_string", "KEY", "the UUID as lower-case 8-4-4-4-12 text", kRead, 1, 1},
            [read](Call& c) {
              Bytes u{};
              Error e = read(c, &u);
              if (e.ok()) c.set_string(ToText(u));
              return e;
            });
  b.command({"uuid.from_string", "TEXT:string", "parses TEXT into a UUID (stores nothing)", kRead,
             1, 1, -1, -1, 1},
            [result](Call& c) {
              Error e = c.want(0, TOWER_VALUE_STRING);
              if (!e.ok()) return e;
              Bytes u{};
              e = UuidArg(c, 0, &u);
              if (e.ok()) result(c, u);
              return e;
            });
  b.command({"uuid.is_nil", "KEY", "true when the UUID is all zeros", kRead, 1, 1},
            [read](Call& c) {
              Bytes u{};
              Error e = read(c, &u);
              if (e.ok()) c.set_bool(IsNil(u));
              return e;
            });
  b.command({"uuid.version", "KEY", "the version field (the high nibble of byte 6)", kRead, 1, 1},
            [read](Call& c) {
              Bytes u{};
              Error e = read(c, &u);
              if (e.ok()) c.set_int(u[6] >> 4);
              return e;
            });
  b.command({"uuid.variant", "KEY", "the variant: ncs, rfc4122, microsoft or future", kRead, 1, 1},
            [read](Call& c) {
              Bytes u{};
              Error e = read(c, &u);
              if (e.ok()) c.set_string(Variant(u));
              return e;
            });
  b.command({"uuid.set_if_nil", "KEY U:uuid|string", "stores U if the UUID is nil; true if stored",
             kWrite, 2, 2},
            [kType, read](Call& c) {
              Bytes u{}, x{};
              Error e = UuidArg(c, 1, &x);
              if (e.ok()) e = read(c, &u);
              if (!e.ok()) return e;
              bool ok = IsNil(u);
              if (ok) e = c.write(c.key(), kType, View(x), true);
              if (e.ok()) c.set_bool(ok);
              return e;
            });
  b.command({"uuid.set_if_equal", "KEY EXPECTED:uuid|string NEW:uuid|string",
             "compare-and-swap: stores NEW if the UUID is EXPECTED; true if stored", kWrite, 3, 3},
            [kType, read](Call& c) {
              Bytes u{}, expected{}, next{};
              Error e = UuidArg(c, 1, &expected);
              if (e.ok()) e = UuidArg(c, 2, &next);
              if (e.ok()) e = read(c, &u);
              if (!e.ok()) return e;
              bool ok = u == expected;
              if (ok) e = c.write(c.key(), kType, View(next), true);
              if (e.ok()) c.set_bool(ok);
              return e;
            });
}

}  // namespace tower::scalars
