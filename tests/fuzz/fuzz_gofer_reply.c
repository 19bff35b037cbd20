/*
 * Fuzz target: a hostile gofer answering the sentry. The client's reply
 * validator and directory-entry iterator must accept only well-formed
 * replies and never read outside the datagram.
 *
 * Input: [u16 type][u32 tag] then the reply datagram.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "gofer/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 6)
		return 0;
	uint16_t type;
	uint32_t tag;
	memcpy(&type, data, 2);
	memcpy(&tag, data + 2, 4);
	size -= 6;
	/* An exact-size heap copy, so reading past the end is an ASan report. */
	uint8_t *rep = malloc(size ? size : 1);
	if (!rep)
		abort();
	memcpy(rep, data + 6, size);
	if (gofer_check_reply(rep, size, type, tag) == 0 && type == GOFER_GETDENTS &&
	    ((const struct gofer_hdr *)rep)->err == 0) {
		size_t off = 0;
		const struct gofer_dirent *d;
		const char *name;
		int r;
		while ((r = gofer_dirent_next(rep, size, &off, &d, &name)) == 1) {
			bool dots = (d->namelen == 1 && name[0] == '.') ||
				    (d->namelen == 2 && name[0] == '.' && name[1] == '.');
			if (!dots && !gofer_name_valid(name, d->namelen))
				abort();   /* the iterator let a bad name through */
		}
	}
	free(rep);
	return 0;
}
