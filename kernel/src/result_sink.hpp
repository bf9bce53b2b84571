// Collects what a plugin hands a tower_value_sink (a command's or a mesh
// operation's result) as a tower::Value: a single value, or an array.
#ifndef TOWER_KERNEL_RESULT_SINK_HPP_
#define TOWER_KERNEL_RESULT_SINK_HPP_

#include <vector>

#include "tower/sdk/datatype.h"
#include "tower/status.hpp"
#include "tower/value.hpp"

namespace tower {

struct ResultSink {
  Value value;
  std::vector<Value> items;
  Status error;  // a value the plugin produced that is not a valid Value
  bool array = false;
  tower_value_sink sink{this, &Set, &Push};

  ResultSink() = default;
  ResultSink(const ResultSink&) = delete;  // `sink` points at this object
  ResultSink& operator=(const ResultSink&) = delete;

  Value Take() { return array ? Value(std::move(items)) : std::move(value); }

  static void Set(void* ctx, const tower_value* v) {
    auto* r = static_cast<ResultSink*>(ctx);
    if (v->type == TOWER_VALUE_ARRAY) {
      r->array = true;
      return;
    }
    auto x = FromAbiValue(*v);
    if (!x.ok()) {
      r->error = x.status();
      return;
    }
    r->value = std::move(*x);
  }
  static void Push(void* ctx, const tower_value* v) {
    auto* r = static_cast<ResultSink*>(ctx);
    r->array = true;
    if (r->items.empty()) r->items.reserve(16);
    // The scalars a range or a listing returns by the hundred, built in
    // place; every other type (and every error) through FromAbiValue.
    switch (v->type) {
      case TOWER_VALUE_INT: r->items.emplace_back(v->i); return;
      case TOWER_VALUE_FLOAT: r->items.emplace_back(v->f); return;
      case TOWER_VALUE_TIMESTAMP: r->items.emplace_back(Timestamp{v->i}); return;
      case TOWER_VALUE_STRING:
        r->items.emplace_back(std::string_view(v->bytes.data ? v->bytes.data : "", v->bytes.size));
        return;
      default: break;
    }
    auto x = FromAbiValue(*v);
    if (!x.ok()) {
      r->error = x.status();
      return;
    }
    r->items.push_back(std::move(*x));
  }
};

}  // namespace tower

#endif  // TOWER_KERNEL_RESULT_SINK_HPP_
