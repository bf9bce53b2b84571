// The typed facade of tower::Db: thin wrappers that run the data-type
// plugins' commands through Db::call and convert the resulting Value.
#include "tower/db.hpp"

namespace tower {

namespace {

template <class T>
Result<T> As(Result<Value> r) {
  if (!r.ok()) return r.status();
  return r->Get<T>();
}

Status Done(Result<Value> r) { return r.ok() ? Status::OK() : r.status(); }

Value Key(std::string_view k) { return Value(std::string(k)); }

}  // namespace

// --- string ---
Status Db::set_string(std::string_view key, std::string_view v) {
  return Done(call("string.set", Key(key), v));
}
Result<std::string> Db::get_string(std::string_view key) {
  return As<std::string>(call("string.get", Key(key)));
}
Result<std::string> Db::append_string(std::string_view key, std::string_view s) {
  return As<std::string>(call("string.append", Key(key), s));
}
Result<std::string> Db::prepend_string(std::string_view key, std::string_view s) {
  return As<std::string>(call("string.prepend", Key(key), s));
}
Result<std::string> Db::replace_string(std::string_view key, std::string_view from,
                                       std::string_view to) {
  return As<std::string>(call("string.replace", Key(key), from, to));
}
Result<bool> Db::contains_string(std::string_view key, std::string_view s) {
  return As<bool>(call("string.contains", Key(key), s));
}
Result<bool> Db::starts_with_string(std::string_view key, std::string_view s) {
  return As<bool>(call("string.starts_with", Key(key), s));
}
Result<bool> Db::ends_with_string(std::string_view key, std::string_view s) {
  return As<bool>(call("string.ends_with", Key(key), s));
}
Result<int64_t> Db::length_string(std::string_view key) {
  return As<int64_t>(call("string.length", Key(key)));
}
Result<std::string> Db::substring_string(std::string_view key, int64_t start, int64_t length) {
  return As<std::string>(call("string.substring", Key(key), start, length));
}
Result<int64_t> Db::compare_string(std::string_view key, std::string_view other) {
  return As<int64_t>(call("string.compare", Key(key), other));
}
Result<bool> Db::equal_string(std::string_view key, std::string_view other) {
  return As<bool>(call("string.equal", Key(key), other));
}
Result<std::string> Db::upper_string(std::string_view key) {
  return As<std::string>(call("string.upper", Key(key)));
}
Result<std::string> Db::lower_string(std::string_view key) {
  return As<std::string>(call("string.lower", Key(key)));
}

// --- int ---
Status Db::set_int(std::string_view key, int64_t v) { return Done(call("int.set", Key(key), v)); }
Result<int64_t> Db::get_int(std::string_view key) { return As<int64_t>(call("int.get", Key(key))); }
Result<int64_t> Db::add_int(std::string_view key, int64_t x) {
  return As<int64_t>(call("int.add", Key(key), x));
}
Result<int64_t> Db::sub_int(std::string_view key, int64_t x) {
  return As<int64_t>(call("int.sub", Key(key), x));
}
Result<int64_t> Db::mul_int(std::string_view key, int64_t x) {
  return As<int64_t>(call("int.mul", Key(key), x));
}
Result<int64_t> Db::div_int(std::string_view key, int64_t x) {
  return As<int64_t>(call("int.div", Key(key), x));
}
Result<int64_t> Db::mod_int(std::string_view key, int64_t x) {
  return As<int64_t>(call("int.mod", Key(key), x));
}
Result<int64_t> Db::inc_int(std::string_view key) { return As<int64_t>(call("int.inc", Key(key))); }
Result<int64_t> Db::dec_int(std::string_view key) { return As<int64_t>(call("int.dec", Key(key))); }
Result<int64_t> Db::neg_int(std::string_view key) { return As<int64_t>(call("int.neg", Key(key))); }
Result<int64_t> Db::abs_int(std::string_view key) { return As<int64_t>(call("int.abs", Key(key))); }
Result<int64_t> Db::swap_int(std::string_view key, int64_t v) {
  return As<int64_t>(call("int.swap", Key(key), v));
}
Result<int64_t> Db::compare_int(std::string_view key, int64_t x) {
  return As<int64_t>(call("int.compare", Key(key), x));
}
Result<bool> Db::set_int_if_greater(std::string_view key, int64_t v) {
  return As<bool>(call("int.set_if_greater", Key(key), v));
}
Result<bool> Db::set_int_if_less(std::string_view key, int64_t v) {
  return As<bool>(call("int.set_if_less", Key(key), v));
}
Result<bool> Db::set_int_if_equal(std::string_view key, int64_t expected, int64_t v) {
  return As<bool>(call("int.set_if_equal", Key(key), expected, v));
}
Result<int64_t> Db::clamp_int(std::string_view key, int64_t lo, int64_t hi) {
  return As<int64_t>(call("int.clamp", Key(key), lo, hi));
}
Result<int64_t> Db::min_int(std::string_view key, int64_t x) {
  return As<int64_t>(call("int.min", Key(key), x));
}
Result<int64_t> Db::max_int(std::string_view key, int64_t x) {
  return As<int64_t>(call("int.max", Key(key), x));
}
Result<int64_t> Db::and_int(std::string_view key, int64_t x) {
  return As<int64_t>(call("int.and", Key(key), x));
}
Result<int64_t> Db::or_int(std::string_view key, int64_t x) {
  return As<int64_t>(call("int.or", Key(key), x));
}
Result<int64_t> Db::xor_int(std::string_view key, int64_t x) {
  return As<int64_t>(call("int.xor", Key(key), x));
}
Result<int64_t> Db::not_int(std::string_view key) { return As<int64_t>(call("int.not", Key(key))); }
Result<int64_t> Db::shift_left_int(std::string_view key, int64_t n) {
  return As<int64_t>(call("int.shift_left", Key(key), n));
}
Result<int64_t> Db::shift_right_int(std::string_view key, int64_t n) {
  return As<int64_t>(call("int.shift_right", Key(key), n));
}

// --- float, bool, duration, timestamp, time, uuid, binary, bigint, decimal ---
Status Db::set_float(std::string_view key, double v) {
  return Done(call("float.set", Key(key), v));
}
Result<double> Db::get_float(std::string_view key) {
  return As<double>(call("float.get", Key(key)));
}
Result<double> Db::add_float(std::string_view key, double x) {
  return As<double>(call("float.add", Key(key), x));
}
Result<double> Db::sub_float(std::string_view key, double x) {
  return As<double>(call("float.sub", Key(key), x));
}
Result<double> Db::mul_float(std::string_view key, double x) {
  return As<double>(call("float.mul", Key(key), x));
}
Result<double> Db::div_float(std::string_view key, double x) {
  return As<double>(call("float.div", Key(key), x));
}
Result<double> Db::neg_float(std::string_view key) {
  return As<double>(call("float.neg", Key(key)));
}
Result<double> Db::abs_float(std::string_view key) {
  return As<double>(call("float.abs", Key(key)));
}
Result<double> Db::swap_float(std::string_view key, double v) {
  return As<double>(call("float.swap", Key(key), v));
}
Result<int64_t> Db::compare_float(std::string_view key, double x) {
  return As<int64_t>(call("float.compare", Key(key), x));
}
Result<bool> Db::set_float_if_greater(std::string_view key, double v) {
  return As<bool>(call("float.set_if_greater", Key(key), v));
}
Result<bool> Db::set_float_if_less(std::string_view key, double v) {
  return As<bool>(call("float.set_if_less", Key(key), v));
}
Result<bool> Db::set_float_if_equal(std::string_view key, double expected, double v) {
  return As<bool>(call("float.set_if_equal", Key(key), expected, v));
}
Result<double> Db::clamp_float(std::string_view key, double min, double max) {
  return As<double>(call("float.clamp", Key(key), min, max));
}
Result<double> Db::min_float(std::string_view key, double x) {
  return As<double>(call("float.min", Key(key), x));
}
Result<double> Db::max_float(std::string_view key, double x) {
  return As<double>(call("float.max", Key(key), x));
}
Status Db::set_bool(std::string_view key, bool v) { return Done(call("bool.set", Key(key), v)); }
Result<bool> Db::get_bool(std::string_view key) { return As<bool>(call("bool.get", Key(key))); }
Result<bool> Db::and_bool(std::string_view key, bool x) {
  return As<bool>(call("bool.and", Key(key), x));
}
Result<bool> Db::or_bool(std::string_view key, bool x) {
  return As<bool>(call("bool.or", Key(key), x));
}
Result<bool> Db::xor_bool(std::string_view key, bool x) {
  return As<bool>(call("bool.xor", Key(key), x));
}
Result<bool> Db::not_bool(std::string_view key) { return As<bool>(call("bool.not", Key(key))); }
Result<bool> Db::toggle_bool(std::string_view key) {
  return As<bool>(call("bool.toggle", Key(key)));
}
Result<bool> Db::equal_bool(std::string_view key, bool x) {
  return As<bool>(call("bool.equal", Key(key), x));
}
Result<bool> Db::set_bool_if_true(std::string_view key, bool v) {
  return As<bool>(call("bool.set_if_true", Key(key), v));
}
Result<bool> Db::set_bool_if_false(std::string_view key, bool v) {
  return As<bool>(call("bool.set_if_false", Key(key), v));
}
Result<bool> Db::set_bool_if_equal(std::string_view key, bool expected, bool v) {
  return As<bool>(call("bool.set_if_equal", Key(key), expected, v));
}
Status Db::set_duration(std::string_view key, Duration v) {
  return Done(call("duration.set", Key(key), v));
}
Result<Duration> Db::get_duration(std::string_view key) {
  return As<Duration>(call("duration.get", Key(key)));
}
Result<Duration> Db::add_duration(std::string_view key, Duration x) {
  return As<Duration>(call("duration.add", Key(key), x));
}
Result<Duration> Db::sub_duration(std::string_view key, Duration x) {
  return As<Duration>(call("duration.sub", Key(key), x));
}
Result<Duration> Db::mul_duration(std::string_view key, int64_t n) {
  return As<Duration>(call("duration.mul", Key(key), n));
}
Result<Duration> Db::div_duration(std::string_view key, int64_t n) {
  return As<Duration>(call("duration.div", Key(key), n));
}
Result<Duration> Db::neg_duration(std::string_view key) {
  return As<Duration>(call("duration.neg", Key(key)));
}
Result<Duration> Db::abs_duration(std::string_view key) {
  return As<Duration>(call("duration.abs", Key(key)));
}
Result<Duration> Db::swap_duration(std::string_view key, Duration v) {
  return As<Duration>(call("duration.swap", Key(key), v));
}
Result<int64_t> Db::compare_duration(std::string_view key, Duration x) {
  return As<int64_t>(call("duration.compare", Key(key), x));
}
Result<bool> Db::set_duration_if_greater(std::string_view key, Duration v) {
  return As<bool>(call("duration.set_if_greater", Key(key), v));
}
Result<bool> Db::set_duration_if_less(std::string_view key, Duration v) {
  return As<bool>(call("duration.set_if_less", Key(key), v));
}
Result<bool> Db::set_duration_if_equal(std::string_view key, Duration expected, Duration v) {
  return As<bool>(call("duration.set_if_equal", Key(key), expected, v));
}
Status Db::set_timestamp(std::string_view key, Timestamp v) {
  return Done(call("timestamp.set", Key(key), v));
}
Result<Timestamp> Db::get_timestamp(std::string_view key) {
  return As<Timestamp>(call("timestamp.get", Key(key)));
}
Result<Timestamp> Db::add_duration_to_timestamp(std::string_view key, Duration d) {
  return As<Timestamp>(call("timestamp.add_duration", Key(key), d));
}
Result<Timestamp> Db::sub_duration_from_timestamp(std::string_view key, Duration d) {
  return As<Timestamp>(call("timestamp.sub_duration", Key(key), d));
}
Result<int64_t> Db::compare_timestamp(std::string_view key, Timestamp t) {
  return As<int64_t>(call("timestamp.compare", Key(key), t));
}
Result<bool> Db::before_timestamp(std::string_view key, Timestamp t) {
  return As<bool>(call("timestamp.before", Key(key), t));
}
Result<bool> Db::after_timestamp(std::string_view key, Timestamp t) {
  return As<bool>(call("timestamp.after", Key(key), t));
}
Result<bool> Db::set_timestamp_if_greater(std::string_view key, Timestamp v) {
  return As<bool>(call("timestamp.set_if_greater", Key(key), v));
}
Result<bool> Db::set_timestamp_if_less(std::string_view key, Timestamp v) {
  return As<bool>(call("timestamp.set_if_less", Key(key), v));
}
Result<bool> Db::set_timestamp_if_equal(std::string_view key, Timestamp expected, Timestamp v) {
  return As<bool>(call("timestamp.set_if_equal", Key(key), expected, v));
}
Status Db::set_time(std::string_view key, const Time& v) {
  return Done(call("time.set", Key(key), v));
}
Result<Time> Db::get_time(std::string_view key) { return As<Time>(call("time.get", Key(key))); }
Result<Time> Db::add_duration_to_time(std::string_view key, Duration d) {
  return As<Time>(call("time.add_duration", Key(key), d));
}
Result<Time> Db::sub_duration_from_time(std::string_view key, Duration d) {
  return As<Time>(call("time.sub_duration", Key(key), d));
}
Result<bool> Db::before_time(std::string_view key, const Time& t) {
  return As<bool>(call("time.before", Key(key), t));
}
Result<bool> Db::after_time(std::string_view key, const Time& t) {
  return As<bool>(call("time.after", Key(key), t));
}
Result<bool> Db::equal_time(std::string_view key, const Time& t) {
  return As<bool>(call("time.equal", Key(key), t));
}
Result<Duration> Db::diff_time(std::string_view key, const Time& t) {
  return As<Duration>(call("time.diff", Key(key), t));
}
Result<bool> Db::is_zero_time(std::string_view key) {
  return As<bool>(call("time.is_zero", Key(key)));
}
Result<bool> Db::set_time_if_greater(std::string_view key, const Time& v) {
  return As<bool>(call("time.set_if_greater", Key(key), v));
}
Result<bool> Db::set_time_if_less(std::string_view key, const Time& v) {
  return As<bool>(call("time.set_if_less", Key(key), v));
}
Result<bool> Db::set_time_if_equal(std::string_view key, const Time& expected, const Time& v) {
  return As<bool>(call("time.set_if_equal", Key(key), expected, v));
}
Result<int64_t> Db::year_time(std::string_view key) {
  return As<int64_t>(call("time.year", Key(key)));
}
Result<int64_t> Db::month_time(std::string_view key) {
  return As<int64_t>(call("time.month", Key(key)));
}
Result<int64_t> Db::day_time(std::string_view key) {
  return As<int64_t>(call("time.day", Key(key)));
}
Result<int64_t> Db::hour_time(std::string_view key) {
  return As<int64_t>(call("time.hour", Key(key)));
}
Result<int64_t> Db::minute_time(std::string_view key) {
  return As<int64_t>(call("time.minute", Key(key)));
}
Result<int64_t> Db::second_time(std::string_view key) {
  return As<int64_t>(call("time.second", Key(key)));
}
Result<int64_t> Db::nanosecond_time(std::string_view key) {
  return As<int64_t>(call("time.nanosecond", Key(key)));
}
Status Db::set_uuid(std::string_view key, const Uuid& v) {
  return Done(call("uuid.set", Key(key), v));
}
Result<Uuid> Db::get_uuid(std::string_view key) { return As<Uuid>(call("uuid.get", Key(key))); }
Result<Uuid> Db::generate_uuid(std::string_view key, int64_t version) {
  return As<Uuid>(call("uuid.generate", Key(key), version));
}
Result<bool> Db::equal_uuid(std::string_view key, const Uuid& u) {
  return As<bool>(call("uuid.equal", Key(key), u));
}
Result<int64_t> Db::compare_uuid(std::string_view key, const Uuid& u) {
  return As<int64_t>(call("uuid.compare", Key(key), u));
}
Result<std::string> Db::uuid_to_string(std::string_view key) {
  return As<std::string>(call("uuid.to_string", Key(key)));
}
Result<bool> Db::is_nil_uuid(std::string_view key) {
  return As<bool>(call("uuid.is_nil", Key(key)));
}
Result<int64_t> Db::version_uuid(std::string_view key) {
  return As<int64_t>(call("uuid.version", Key(key)));
}
Result<std::string> Db::variant_uuid(std::string_view key) {
  return As<std::string>(call("uuid.variant", Key(key)));
}
Result<bool> Db::set_uuid_if_nil(std::string_view key, const Uuid& v) {
  return As<bool>(call("uuid.set_if_nil", Key(key), v));
}
Result<bool> Db::set_uuid_if_equal(std::string_view key, const Uuid& expected, const Uuid& v) {
  return As<bool>(call("uuid.set_if_equal", Key(key), expected, v));
}
Status Db::set_binary(std::string_view key, std::string_view bytes) {
  return Done(call("binary.set", Key(key), Binary{std::string(bytes)}));
}
Result<Binary> Db::get_binary(std::string_view key) {
  return As<Binary>(call("binary.get", Key(key)));
}
Result<Binary> Db::append_binary(std::string_view key, std::string_view bytes) {
  return As<Binary>(call("binary.append", Key(key), Binary{std::string(bytes)}));
}
Result<Binary> Db::prepend_binary(std::string_view key, std::string_view bytes) {
  return As<Binary>(call("binary.prepend", Key(key), Binary{std::string(bytes)}));
}
Result<int64_t> Db::length_binary(std::string_view key) {
  return As<int64_t>(call("binary.length", Key(key)));
}
Result<Binary> Db::slice_binary(std::string_view key, int64_t start, int64_t length) {
  return As<Binary>(call("binary.slice", Key(key), start, length));
}
Result<bool> Db::equal_binary(std::string_view key, std::string_view bytes) {
  return As<bool>(call("binary.equal", Key(key), Binary{std::string(bytes)}));
}
Result<int64_t> Db::compare_binary(std::string_view key, std::string_view bytes) {
  return As<int64_t>(call("binary.compare", Key(key), Binary{std::string(bytes)}));
}
Result<Binary> Db::and_binary(std::string_view key, std::string_view bytes) {
  return As<Binary>(call("binary.and", Key(key), Binary{std::string(bytes)}));
}
Result<Binary> Db::or_binary(std::string_view key, std::string_view bytes) {
  return As<Binary>(call("binary.or", Key(key), Binary{std::string(bytes)}));
}
Result<Binary> Db::xor_binary(std::string_view key, std::string_view bytes) {
  return As<Binary>(call("binary.xor", Key(key), Binary{std::string(bytes)}));
}
Result<bool> Db::contains_binary(std::string_view key, std::string_view bytes) {
  return As<bool>(call("binary.contains", Key(key), Binary{std::string(bytes)}));
}
Result<int64_t> Db::index_of_binary(std::string_view key, std::string_view bytes) {
  return As<int64_t>(call("binary.index_of", Key(key), Binary{std::string(bytes)}));
}
Result<Binary> Db::reverse_binary(std::string_view key) {
  return As<Binary>(call("binary.reverse", Key(key)));
}
Status Db::set_bigint(std::string_view key, const BigInt& v) {
  return Done(call("bigint.set", Key(key), v));
}
Result<BigInt> Db::get_bigint(std::string_view key) {
  return As<BigInt>(call("bigint.get", Key(key)));
}
Result<BigInt> Db::add_bigint(std::string_view key, const BigInt& x) {
  return As<BigInt>(call("bigint.add", Key(key), x));
}
Result<BigInt> Db::sub_bigint(std::string_view key, const BigInt& x) {
  return As<BigInt>(call("bigint.sub", Key(key), x));
}
Result<BigInt> Db::mul_bigint(std::string_view key, const BigInt& x) {
  return As<BigInt>(call("bigint.mul", Key(key), x));
}
Result<BigInt> Db::div_bigint(std::string_view key, const BigInt& x) {
  return As<BigInt>(call("bigint.div", Key(key), x));
}
Result<BigInt> Db::mod_bigint(std::string_view key, const BigInt& x) {
  return As<BigInt>(call("bigint.mod", Key(key), x));
}
Result<BigInt> Db::neg_bigint(std::string_view key) {
  return As<BigInt>(call("bigint.neg", Key(key)));
}
Result<BigInt> Db::abs_bigint(std::string_view key) {
  return As<BigInt>(call("bigint.abs", Key(key)));
}
Result<int64_t> Db::cmp_bigint(std::string_view key, const BigInt& x) {
  return As<int64_t>(call("bigint.cmp", Key(key), x));
}
Result<std::string> Db::bigint_to_text(std::string_view key, int64_t base) {
  return As<std::string>(call("bigint.to_text", Key(key), base));
}
Result<BigInt> Db::bigint_from_text(std::string_view key, std::string_view text, int64_t base) {
  return As<BigInt>(call("bigint.from_text", Key(key), text, base));
}
Status Db::set_decimal(std::string_view key, const Decimal& v) {
  return Done(call("decimal.set", Key(key), v));
}
Result<Decimal> Db::get_decimal(std::string_view key) {
  return As<Decimal>(call("decimal.get", Key(key)));
}
Status Db::set_decimal_from_float(std::string_view key, double v, int64_t scale) {
  return Done(call("decimal.set_from_float", Key(key), v, scale));
}
Result<double> Db::get_decimal_as_float(std::string_view key) {
  return As<double>(call("decimal.get_as_float", Key(key)));
}
Result<Decimal> Db::add_decimal(std::string_view key, const Decimal& x) {
  return As<Decimal>(call("decimal.add", Key(key), x));
}
Result<Decimal> Db::sub_decimal(std::string_view key, const Decimal& x) {
  return As<Decimal>(call("decimal.sub", Key(key), x));
}
Result<Decimal> Db::mul_decimal(std::string_view key, const Decimal& x) {
  return As<Decimal>(call("decimal.mul", Key(key), x));
}
Result<Decimal> Db::div_decimal(std::string_view key, const Decimal& x, int64_t result_scale) {
  return As<Decimal>(call("decimal.div", Key(key), x, result_scale));
}
Result<int64_t> Db::cmp_decimal(std::string_view key, const Decimal& x) {
  return As<int64_t>(call("decimal.cmp", Key(key), x));
}
Result<std::string> Db::decimal_to_text(std::string_view key) {
  return As<std::string>(call("decimal.to_text", Key(key)));
}
Result<Decimal> Db::decimal_from_text(std::string_view key, std::string_view text) {
  return As<Decimal>(call("decimal.from_text", Key(key), text));
}

}  // namespace tower
