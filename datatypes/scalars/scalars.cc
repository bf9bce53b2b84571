// The "scalars" data-type plugin: every typed value of the Go original's
// op.Operator, each type in its own file.
#include "scalars.hpp"

namespace {

void Define(tower::sdk::DatatypeBuilder& b) {
  tower::scalars::DefineString(b);
  tower::scalars::DefineInt(b);
  tower::scalars::DefineFloat(b);
  tower::scalars::DefineBool(b);
  tower::scalars::DefineDuration(b);
  tower::scalars::DefineTimestamp(b);
  tower::scalars::DefineTime(b);
  tower::scalars::DefineUuid(b);
  tower::scalars::DefineBinary(b);
  tower::scalars::DefineBigInt(b);
  tower::scalars::DefineDecimal(b);
}

}  // namespace

TOWER_DATATYPE_PLUGIN("scalars", "1.0.0", "typed scalar values and their atomic operations", Define)
