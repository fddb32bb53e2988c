/* For the image adapters only: loading a libyal image library into a
 * link-map namespace of its own.
 *
 * Why (DESIGN.md "Known traps", measured): every libyal .so exports the
 * helper libraries it bundles (libcdata, libcerror, libfdata, libfvalue,
 * libuna, and in libvhdi, libewf and libqcow also libbfio), each in its own
 * version, without -Bsymbolic.  Linked normally, the first copy in load
 * order wins for every library: libewf 20140813 then ran on libbfio
 * 20170123's libcdata and libevtx 20181227's libfvalue and crashed opening
 * any E01 once libregf and libevtx were loaded.  Loaded with dlopen and
 * RTLD_DEEPBIND, each image library binds to its own copies first.  The
 * ASan runtime refuses RTLD_DEEPBIND, so sanitizer builds (and a library
 * something already linked into the global namespace) use
 * dlmopen(LM_ID_NEWLM), a namespace of its own.  The image libraries must
 * therefore not be linked in (-lvhdi ... are only harmless while the
 * linker drops them with --as-needed: nothing references them).
 *
 * Objects made by such a library (handles, errors, globbed names) must be
 * freed by the same library, never with our free(). */
#ifndef VSSD_IMAGE_PRIV_H
#define VSSD_IMAGE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "yal_err.h"

/* Load soname (e.g. "libewf.so.2") isolated as above, once per process
 * (later calls return the same handle; it is never unloaded).  Returns the
 * handle, or NULL with err set (-E_UNSUPPORTED, naming the library). */
void *image_lib_load(const char *soname, struct err *err);

/* Store the address of function name of lib into the function pointer at
 * fn (fn_size bytes).  Returns 0 or -E_UNSUPPORTED. */
int image_lib_sym(void *lib, const char *name, void *fn, size_t fn_size,
		  struct err *err);

/* A libyal image library's getters of the file name a child records for
 * its parent (or backing file), with its error functions; a handle of any
 * libyal library is an intptr_t, like its errors (yal_err.h). */
struct image_lib_name {
	int (*size)(intptr_t *h, size_t *size, intptr_t **e);
	int (*get)(intptr_t *h, uint8_t *name, size_t size, intptr_t **e);
	yal_sprint_fn backtrace_sprint;
	yal_free_fn efree;
};

/* The parent's file name as h records it into name (len bytes); what
 * names it in messages ("parent file name").  Returns 1 (name set), 0
 * (none) or <0 (-E_CORRUPT, -E_LIMIT). */
int image_lib_parent_name(intptr_t *h, const char *what,
			  const struct image_lib_name *fns, char *name,
			  size_t len, struct err *err);

#endif
