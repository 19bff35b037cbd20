/* Typed, bounded access to jansson values (see jsonget.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <unistd.h>
#include "runsc-cli/oci/jsonget.h"

/* jansson cannot hold integers above INT64_MAX, but Go writes uint64 values
 * up to UINT64_MAX (RLIM_INFINITY). Such literals are rewritten into strings
 * "\u0001TAG:DIGITS" before parsing, where TAG is random per parse so that
 * the document cannot forge one; only oci_j_u64 accepts them. */

bool oci_fail(struct oci_ctx *cx, const char *path, const char *fmt, ...)
{
	if (cx->failed)
		return false;
	cx->failed = true;
	int n = path ? snprintf(cx->err, cx->errlen, "%s: %s: ", cx->file, path)
		     : snprintf(cx->err, cx->errlen, "%s: ", cx->file);
	if (n >= 0 && (size_t)n < cx->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(cx->err + n, cx->errlen - n, fmt, ap);
		va_end(ap);
	}
	/* Values quoted from the document must not break the one-line rule. */
	for (char *p = cx->err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return false;
}

void *oci_alloc(struct oci_ctx *cx, size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		oci_fail(cx, NULL, "out of memory");
	return p;
}

const char *oci_jpath(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return buf;
}

char *oci_read_file(struct oci_ctx *cx, const char *path, size_t max, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
	if (fd < 0) {
		oci_fail(cx, NULL, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		if (n == cap) {
			if (cap > max)
				break;
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			oci_fail(cx, NULL, "cannot read %s: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0) {
			close(fd);
			if (n > max) {
				oci_fail(cx, NULL, "larger than %zu bytes", max);
				free(buf);
				return NULL;
			}
			buf[n] = 0;
			*len = n;
			return buf;
		}
		n += r;
	}
	close(fd);
	if (buf)
		oci_fail(cx, NULL, "larger than %zu bytes", max);
	else
		oci_fail(cx, NULL, "out of memory");
	free(buf);
	return NULL;
}

/* Copy buf, quoting integer literals in (INT64_MAX, UINT64_MAX]. */
static char *quote_bignums(const char *buf, size_t len, const char *tag, size_t *outlen)
{
	char *out = malloc(len * 3 + 1);       /* a literal is >= 19 digits, grows by < 38 */
	if (!out)
		return NULL;
	size_t o = 0;
	bool instr = false;
	for (size_t i = 0; i < len;) {
		char ch = buf[i];
		if (instr) {
			out[o++] = buf[i++];
			if (ch == '\\' && i < len)
				out[o++] = buf[i++];
			else if (ch == '"')
				instr = false;
			continue;
		}
		if (ch == '"')
			instr = true;
		bool prev_ok = i == 0 || !strchr("-.+eE0123456789", buf[i - 1]);
		if (ch >= '0' && ch <= '9' && prev_ok) {
			size_t j = i;
			while (j < len && buf[j] >= '0' && buf[j] <= '9')
				j++;
			bool integer = j == len || !strchr(".eE", buf[j]);
			size_t d = j - i;
			/* INT64_MAX has 19 digits, UINT64_MAX 20. */
			if (integer && (d == 19 || d == 20) && buf[i] != '0') {
				char num[21];
				memcpy(num, buf + i, d);
				num[d] = 0;
				bool big = d == 20 ? strcmp(num, "18446744073709551615") <= 0
						   : strcmp(num, "9223372036854775807") > 0;
				if (big) {
					o += sprintf(out + o, "\"\\u0001%s:%s\"", tag, num);
					i = j;
					continue;
				}
			}
			memcpy(out + o, buf + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		out[o++] = buf[i++];
	}
	out[o] = 0;
	*outlen = o;
	return out;
}

json_t *oci_json_parse(struct oci_ctx *cx, const char *buf, size_t len)
{
	uint64_t r;
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint64_t)(uintptr_t)&r ^ ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
	snprintf(cx->bignum_tag, sizeof(cx->bignum_tag), "%016llx", (unsigned long long)r);
	size_t qlen;
	char *q = quote_bignums(buf, len, cx->bignum_tag, &qlen);
	if (!q) {
		oci_fail(cx, NULL, "out of memory");
		return NULL;
	}
	json_error_t je;
	json_t *root = json_loadb(q, qlen, 0, &je);
	free(q);
	if (!root) {
		oci_fail(cx, NULL, "invalid JSON at line %d column %d: %s",
			 je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		oci_fail(cx, NULL, "must be a JSON object");
		return NULL;
	}
	return root;
}

json_t *oci_jfield(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

bool oci_j_object(struct oci_ctx *cx, json_t *v, const char *path)
{
	return json_is_object(v) ? true : oci_fail(cx, path, "must be an object");
}

bool oci_j_array(struct oci_ctx *cx, json_t *v, const char *path, size_t max)
{
	if (!json_is_array(v))
		return oci_fail(cx, path, "must be an array");
	if (json_array_size(v) > max)
		return oci_fail(cx, path, "more than %zu entries", max);
	return true;
}

static bool is_bignum(struct oci_ctx *cx, json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = strlen(cx->bignum_tag);
	return s && n && s[0] == 1 && !strncmp(s + 1, cx->bignum_tag, n) && s[n + 1] == ':';
}

bool oci_j_string(struct oci_ctx *cx, json_t *v, const char *path, char **out)
{
	if (!json_is_string(v) || is_bignum(cx, v))
		return oci_fail(cx, path, "must be a string");
	if (json_string_length(v) > OCI_MAX_STRING)
		return oci_fail(cx, path, "longer than %u bytes", OCI_MAX_STRING);
	*out = strdup(json_string_value(v));
	return *out ? true : oci_fail(cx, NULL, "out of memory");
}

bool oci_j_bool(struct oci_ctx *cx, json_t *v, const char *path, bool *out)
{
	if (!json_is_boolean(v))
		return oci_fail(cx, path, "must be a boolean");
	*out = json_is_true(v);
	return true;
}

bool oci_j_i64(struct oci_ctx *cx, json_t *v, const char *path,
	       int64_t min, int64_t max, int64_t *out)
{
	if (!json_is_integer(v) && !is_bignum(cx, v))
		return oci_fail(cx, path, "must be an integer");
	if (is_bignum(cx, v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return oci_fail(cx, path, "must be between %lld and %lld",
				(long long)min, (long long)max);
	*out = json_integer_value(v);
	return true;
}

bool oci_j_u64(struct oci_ctx *cx, json_t *v, const char *path, uint64_t *out)
{
	if (is_bignum(cx, v)) {
		*out = strtoull(json_string_value(v) + strlen(cx->bignum_tag) + 2, NULL, 10);
		return true;
	}
	if (!json_is_integer(v))
		return oci_fail(cx, path, "must be an integer");
	if (json_integer_value(v) < 0)
		return oci_fail(cx, path, "must not be negative");
	*out = json_integer_value(v);
	return true;
}

bool oci_j_u32(struct oci_ctx *cx, json_t *v, const char *path, uint32_t *out)
{
	int64_t x = 0;
	if (!oci_j_i64(cx, v, path, 0, UINT32_MAX, &x))
		return false;
	*out = x;
	return true;
}

bool oci_j_strv(struct oci_ctx *cx, json_t *v, const char *path, size_t max,
		bool nonempty, struct oci_strv *out)
{
	size_t n = json_array_size(v);
	if (!json_is_array(v) || (nonempty && n == 0)) {
		return oci_fail(cx, path, nonempty ? "must be a non-empty array of strings"
						   : "must be an array of strings");
	}
	if (n > max)
		return oci_fail(cx, path, "more than %zu entries", max);
	out->v = oci_alloc(cx, n + 1, sizeof(char *));
	if (!out->v)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);
		if (!json_is_string(e) || is_bignum(cx, e)) {
			return oci_fail(cx, path, nonempty ? "must be a non-empty array of strings"
							   : "must be an array of strings");
		}
		char p[256];
		if (!oci_j_string(cx, e, JPATH(p, "%s[%zu]", path, i), &out->v[i]))
			return false;
		out->n = i + 1;
	}
	return true;
}

bool oci_j_kv(struct oci_ctx *cx, json_t *v, const char *path, size_t max,
	      struct oci_kv **out, size_t *n)
{
	if (!oci_j_object(cx, v, path))
		return false;
	if (json_object_size(v) > max)
		return oci_fail(cx, path, "more than %zu entries", max);
	*out = oci_alloc(cx, json_object_size(v), sizeof(**out));
	if (!*out)
		return false;
	const char *key;
	json_t *val;
	json_object_foreach(v, key, val) {
		char p[256];
		if (strlen(key) > OCI_MAX_STRING)
			return oci_fail(cx, path, "key longer than %u bytes", OCI_MAX_STRING);
		struct oci_kv *kv = &(*out)[*n];
		if (!oci_j_string(cx, val, JPATH(p, "%s[\"%.64s\"]", path, key), &kv->value))
			return false;
		kv->key = strdup(key);
		(*n)++;
		if (!kv->key)
			return oci_fail(cx, NULL, "out of memory");
	}
	return true;
}

void oci_strv_free(struct oci_strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

void oci_kv_free(struct oci_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}
