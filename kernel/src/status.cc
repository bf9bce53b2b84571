#include "tower/status.hpp"

#include "tower/sdk/host.hpp"

namespace tower {

const char* CodeName(Code code) { return sdk::code_name(static_cast<int32_t>(code)); }

Status Status::FromAbi(int32_t code, std::string message) {
  if (code < TOWER_OK || code > TOWER_E_INCOMPATIBLE) {
    return Internal("unknown status code " + std::to_string(code) + ": " + message);
  }
  return {static_cast<Code>(code), std::move(message)};
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s = CodeName(code_);
  if (!message_.empty()) s += ": " + message_;
  return s;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return {code_, std::string(context) + ": " + message_};
}

}  // namespace tower
