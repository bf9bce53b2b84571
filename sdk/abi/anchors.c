/* The SDK's C ABI, made visible to libabigail.
 *
 * The SDK is headers only, so there is no library whose ABI abidw could
 * read. This file is compiled (with -g) into a throwaway shared object that
 * exports one function per public type of the SDK's C headers; abidw then
 * records every type reachable from them, field by field. The plugin entry
 * point's type is anchored too. scripts/abi-check.sh compares the result
 * with the committed baseline (sdk/abi/tower-sdk.abi). Add an anchor here
 * when a header gains a new public type, guarded by the minor version that
 * introduced it (so older headers still compile).
 */
#include "tower/sdk/abi.h"
#include "tower/sdk/backend.h"
#include "tower/sdk/crypto.h"
#include "tower/sdk/datatype.h"
#if TOWER_ABI_MINOR >= 5
#include "tower/sdk/mesh.h"
#endif

#define TOWER_ABI_ANCHOR(T) \
  __attribute__((visibility("default"))) void tower_abi_anchor_##T(const T* p) { (void)p; }

TOWER_ABI_ANCHOR(tower_slice)
TOWER_ABI_ANCHOR(tower_sink)
TOWER_ABI_ANCHOR(tower_host_api)
TOWER_ABI_ANCHOR(tower_plugin_descriptor)
TOWER_ABI_ANCHOR(tower_plugin_entry_fn)
TOWER_ABI_ANCHOR(tower_option)
#if TOWER_ABI_MINOR >= 3 /* types added in a minor version are anchored from it on */
TOWER_ABI_ANCHOR(tower_backend_resolver)
#endif
TOWER_ABI_ANCHOR(tower_backend_options)
TOWER_ABI_ANCHOR(tower_read_options)
TOWER_ABI_ANCHOR(tower_write_options)
TOWER_ABI_ANCHOR(tower_batch_op)
TOWER_ABI_ANCHOR(tower_multi_sink)
TOWER_ABI_ANCHOR(tower_backend_api)
TOWER_ABI_ANCHOR(tower_value)
TOWER_ABI_ANCHOR(tower_value_sink)
TOWER_ABI_ANCHOR(tower_cmd_api)
TOWER_ABI_ANCHOR(tower_command_def)
TOWER_ABI_ANCHOR(tower_type_def)
TOWER_ABI_ANCHOR(tower_datatype_api)
TOWER_ABI_ANCHOR(tower_aead_def)
TOWER_ABI_ANCHOR(tower_password_def)
TOWER_ABI_ANCHOR(tower_kdf_def)
TOWER_ABI_ANCHOR(tower_hash_def)
TOWER_ABI_ANCHOR(tower_crypto_api)
#if TOWER_ABI_MINOR >= 4
TOWER_ABI_ANCHOR(tower_item_visitor)
#endif
#if TOWER_ABI_MINOR >= 5
TOWER_ABI_ANCHOR(tower_mesh_option)
TOWER_ABI_ANCHOR(tower_mesh_header)
TOWER_ABI_ANCHOR(tower_mesh_msg)
TOWER_ABI_ANCHOR(tower_mesh_handler)
TOWER_ABI_ANCHOR(tower_mesh_api)
#endif
