/* Typed, bounded access to jansson values for the OCI parsers. Each getter
 * checks type and size, and on failure records ONE error line
 * "FILE: PATH: message" in the context (the first error wins) and returns
 * false. PATH is the field's place in the document ("mounts[2].options"). */
#ifndef CVISOR_OCI_JSONGET_H
#define CVISOR_OCI_JSONGET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "runsc-cli/oci/config.h"

struct oci_ctx {
	const char *file;               /* "config.json" */
	char *err;
	size_t errlen;
	bool failed;
	char bignum_tag[24];            /* see oci_json_parse */
};

/* Record "FILE: PATH: message" (PATH may be NULL); always returns false. */
bool oci_fail(struct oci_ctx *cx, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Read a whole file (path "-" is stdin) of at most max bytes, NUL-terminated. */
char *oci_read_file(struct oci_ctx *cx, const char *path, size_t max, size_t *len);

/* Parse a JSON object; integers above INT64_MAX (up to UINT64_MAX, e.g. an
 * unlimited rlimit) are kept for oci_j_u64. NULL on error. */
json_t *oci_json_parse(struct oci_ctx *cx, const char *buf, size_t len);

/* obj[key], or NULL when absent or JSON null (Go treats both alike). */
json_t *oci_jfield(json_t *obj, const char *key);

/* Format a field path into buf (sizeof >= 128); returns buf. */
const char *oci_jpath(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define JPATH(buf, ...) oci_jpath(buf, sizeof(buf), __VA_ARGS__)

bool oci_j_object(struct oci_ctx *cx, json_t *v, const char *path);
bool oci_j_array(struct oci_ctx *cx, json_t *v, const char *path, size_t max);
bool oci_j_string(struct oci_ctx *cx, json_t *v, const char *path, char **out);
bool oci_j_bool(struct oci_ctx *cx, json_t *v, const char *path, bool *out);
bool oci_j_i64(struct oci_ctx *cx, json_t *v, const char *path,
	       int64_t min, int64_t max, int64_t *out);
bool oci_j_u64(struct oci_ctx *cx, json_t *v, const char *path, uint64_t *out);
bool oci_j_u32(struct oci_ctx *cx, json_t *v, const char *path, uint32_t *out);
/* An array of at most max strings; nonempty: at least one. */
bool oci_j_strv(struct oci_ctx *cx, json_t *v, const char *path, size_t max,
		bool nonempty, struct oci_strv *out);
/* An object of at most max string values. */
bool oci_j_kv(struct oci_ctx *cx, json_t *v, const char *path, size_t max,
	      struct oci_kv **out, size_t *n);
/* calloc that records "out of memory". */
void *oci_alloc(struct oci_ctx *cx, size_t n, size_t size);

void oci_strv_free(struct oci_strv *s);
void oci_kv_free(struct oci_kv *kv, size_t n);

#endif
