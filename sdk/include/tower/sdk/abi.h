/* Tower plugin ABI: the stable C boundary between the kernel and plugins.
 *
 * Everything in this header is plain C. No C++ types and no exceptions
 * cross it: calls return a status code (TOWER_OK or one of TOWER_E_*),
 * messages and variable-size outputs go through host-owned sinks, inputs are
 * (pointer, length) slices.
 *
 * Versioning (see docs/sdk.md):
 *  - TOWER_ABI_MAJOR changes only on an incompatible change; the kernel loads
 *    only plugins built for its own major version.
 *  - TOWER_ABI_MINOR grows when a field is appended to a table. Tables are
 *    append-only and start with a struct_size; a reader looks only at the
 *    fields that struct_size covers, so old plugins keep loading in new hosts
 *    and new plugins can detect an old host.
 */
#ifndef TOWER_SDK_ABI_H_
#define TOWER_SDK_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TOWER_ABI_MAJOR 1
#define TOWER_ABI_MINOR 5

/* The one symbol every plugin exports (see tower_plugin_entry_fn). */
#define TOWER_PLUGIN_ENTRY_SYMBOL "tower_plugin_entry"

#if defined(__GNUC__) || defined(__clang__)
#define TOWER_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define TOWER_PLUGIN_EXPORT
#endif

/* ---- status codes: the numbers are part of the ABI and never change ---- */
#define TOWER_OK 0
#define TOWER_E_NOT_FOUND 1
#define TOWER_E_ALREADY_EXISTS 2
#define TOWER_E_TYPE_MISMATCH 3
#define TOWER_E_INVALID_ARGUMENT 4
#define TOWER_E_OVERFLOW 5
#define TOWER_E_CORRUPTION 6
#define TOWER_E_IO_ERROR 7
#define TOWER_E_NOT_SUPPORTED 8
#define TOWER_E_AUTH_FAILED 9
#define TOWER_E_BUSY 10
#define TOWER_E_TIMEOUT 11
#define TOWER_E_ABORTED 12
#define TOWER_E_INTERNAL 13
#define TOWER_E_INCOMPATIBLE 14

/* A borrowed byte range. data may be NULL only when size is 0. */
typedef struct tower_slice {
  const char* data;
  size_t size;
} tower_slice;

/* A host-owned output. The plugin calls set() with bytes that need to stay
 * valid only for the duration of the call; the host copies them. Calling
 * set() again replaces the previous contents. */
typedef struct tower_sink {
  void* ctx;
  void (*set)(void* ctx, const char* data, size_t size);
} tower_sink;

/* ---- plugin kinds ---- */
#define TOWER_KIND_BACKEND 1u
#define TOWER_KIND_DATATYPE 2u
#define TOWER_KIND_CRYPTO 3u
#define TOWER_KIND_MESH 4u

/* Log levels for tower_host_api.log. */
#define TOWER_LOG_DEBUG 0
#define TOWER_LOG_INFO 1
#define TOWER_LOG_WARN 2
#define TOWER_LOG_ERROR 3

/* What the kernel offers a plugin. Append-only; check struct_size (or use
 * TOWER_HAS_FIELD) before touching a field added after ABI 1.0. */
typedef struct tower_host_api {
  uint16_t abi_major;
  uint16_t abi_minor;
  uint32_t struct_size;
  void* ctx; /* passed back as the first argument of every call below */
  /* Writes one log line attributed to the plugin. msg need not be
   * NUL-terminated. */
  void (*log)(void* ctx, int32_t level, const char* plugin, const char* msg, size_t size);
} tower_host_api;

/* Kind-specific tables. Each kind's header defines its table; the ones not
 * defined yet are reserved slots so that adding a kind is an append. */
struct tower_backend_api;  /* tower/sdk/backend.h */
struct tower_datatype_api; /* tower/sdk/datatype.h (ABI 1.1) */
struct tower_crypto_api;   /* tower/sdk/crypto.h (ABI 1.2) */
struct tower_mesh_api;     /* tower/sdk/mesh.h (ABI 1.5) */

/* What a plugin's entry function returns: a pointer to static storage that
 * stays valid while the library is loaded. */
typedef struct tower_plugin_descriptor {
  uint16_t abi_major;      /* TOWER_ABI_MAJOR the plugin was compiled with */
  uint16_t abi_minor;      /* TOWER_ABI_MINOR the plugin was compiled with */
  uint32_t struct_size;    /* sizeof(tower_plugin_descriptor) in the plugin */
  uint16_t min_host_minor; /* the oldest host minor version it works with */
  uint16_t reserved0;      /* zero */
  uint32_t kind;           /* TOWER_KIND_* */
  const char* name;        /* unique plugin name, [a-z0-9_-]+ */
  const char* version;     /* the plugin's own version, free text */
  const char* description; /* one line, may be NULL */
  /* Exactly the slot for `kind` is non-NULL. */
  const struct tower_backend_api* backend;
  const struct tower_datatype_api* datatype;
  const struct tower_crypto_api* crypto;
  const struct tower_mesh_api* mesh;
} tower_plugin_descriptor;

/* The smallest descriptor the host accepts: everything up to `mesh`. */
#define TOWER_DESCRIPTOR_MIN_SIZE (offsetof(tower_plugin_descriptor, mesh) + sizeof(const void*))

/* The entry point, exported as "tower_plugin_entry". It is called once per
 * load, must not fail and must not throw; `host` stays valid until the
 * library is unloaded. */
typedef const tower_plugin_descriptor* (*tower_plugin_entry_fn)(const tower_host_api* host);

/* True when a table whose struct_size is `size` contains `field`. */
#define TOWER_HAS_FIELD(type, size, field) \
  ((size) >= offsetof(type, field) + sizeof(((type*)0)->field))

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TOWER_SDK_ABI_H_ */
